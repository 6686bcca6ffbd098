// Derivatives of derivatives. grad() is the reverse pass as a function: it returns the gradients
// of an output with respect to chosen inputs as Vars, and, with create_graph, records the
// reverse pass itself on the tape with differentiable ops (each op's vjp, beside its
// backward in its ops/ file), so that those gradients can be differentiated again, by backward()
// or by grad() once more. On top of it, Hessian-vector products, Hessians and Jacobians.
//
//   Tape<double> tape;
//   TapeGuard<double> guard(tape);
//   Var<double> x = tape.variable(Tensor<double>({2}, {0.5, -1.0}), true);
//   Var<double> E = sum(mul(sigmoid(x), x));
//   Var<double> g = grad(E, {x}, {.create_graph = true})[0];   // ∂E/∂x, on the tape
//   Var<double> s = sum(mul(g, v));                             // vᵀ ∂E/∂x
//   Tensor<double> Hv = grad(s, {x})[0].to_tensor();            // H v
#pragma once

#include <functional>
#include <span>
#include <vector>

#include "tape.hpp"
#include "tensor.hpp"

namespace tapegrad {

struct GradOptions {
  // Record the reverse pass (differentiable ops on the current tape) so that the gradients can
  // be differentiated again. Without it the gradients are constants and nothing is recorded.
  bool create_graph = false;
};

// The gradients of `output` (weighted by `grad_output`, of output's shape; by default ones, so a
// scalar output's plain gradient) with respect to each of `inputs`: one Var of each input's
// shape, zeros (a constant) for an input the output does not depend on. Unlike backward(), no
// gradient buffer is touched: parameters' .grad stays as it was. Runs on the current tape,
// which must be the one `output` was recorded on. Throws TapeError for a stale or foreign
// output, ShapeError for a grad_output of the wrong shape, and Error naming an op that has no
// vjp when create_graph is asked for (without it, each op's backward is used).
template <class T>
std::vector<Var<T>> grad(const Var<T>& output, std::span<const Var<T>> inputs,
                         const GradOptions& options = {}, const Var<T>& grad_output = {});
template <class T>
std::vector<Var<T>> grad(const Var<T>& output, std::initializer_list<Var<T>> inputs,
                         const GradOptions& options = {}, const Var<T>& grad_output = {}) {
  return grad(output, std::span<const Var<T>>(inputs.begin(), inputs.size()), options, grad_output);
}

// A scalar function of one tensor, recorded on the current tape.
template <class T>
using ScalarFunction = std::function<Var<T>(const Var<T>&)>;

// H v, the Hessian of f at x times v (v of x's shape), by reverse over reverse: the gradient of
// vᵀ∇f(x). Records on a tape of its own. Throws ShapeError if v's shape is not x's, or f(x) has
// more than one element.
template <class T>
Tensor<T> hvp(const ScalarFunction<T>& f, const Tensor<T>& x, const Tensor<T>& v);

// The Hessian of f at x, [n, n] for x of n elements (in x's row-major order): row i is
// H e_i. Records ∇f once, then differentiates each of its elements.
template <class T>
Tensor<T> hessian(const ScalarFunction<T>& f, const Tensor<T>& x);

// The Jacobian of f at x, [m, n] for f(x) of m elements and x of n, one reverse pass per row.
template <class T>
Tensor<T> jacobian(const std::function<Var<T>(const Var<T>&)>& f, const Tensor<T>& x);

// ---- Forward mode ----

template <class T>
struct JvpResult {
  Tensor<T> value;    // f(x)
  Tensor<T> tangent;  // J v: the derivative of f at x in the direction v
};

// Forward mode: f is recorded once at x, then one sweep in recording order carries tangents
// through each op's jvp (its Jacobian-vector product, in the op's file beside its backward),
// starting from v_k on input k. Parameters and constants f uses have tangent 0. Throws
// ShapeError if the v's do not match the x's, Error naming an op without a jvp.
template <class T>
JvpResult<T> jvp(const std::function<Var<T>(std::span<const Var<T>>)>& f,
                 std::span<const Tensor<T>> x, std::span<const Tensor<T>> v);
template <class T>
JvpResult<T> jvp(const std::function<Var<T>(const Var<T>&)>& f, const Tensor<T>& x,
                 const Tensor<T>& v) {
  return jvp<T>([&](std::span<const Var<T>> xs) { return f(xs[0]); },
                std::span<const Tensor<T>>(&x, 1), std::span<const Tensor<T>>(&v, 1));
}

extern template JvpResult<float> jvp(const std::function<Var<float>(std::span<const Var<float>>)>&,
                                     std::span<const Tensor<float>>,
                                     std::span<const Tensor<float>>);
extern template JvpResult<double> jvp(
    const std::function<Var<double>(std::span<const Var<double>>)>&,
    std::span<const Tensor<double>>, std::span<const Tensor<double>>);
extern template std::vector<Var<float>> grad(const Var<float>&, std::span<const Var<float>>,
                                             const GradOptions&, const Var<float>&);
extern template std::vector<Var<double>> grad(const Var<double>&, std::span<const Var<double>>,
                                              const GradOptions&, const Var<double>&);
extern template Tensor<float> hvp(const ScalarFunction<float>&, const Tensor<float>&,
                                  const Tensor<float>&);
extern template Tensor<double> hvp(const ScalarFunction<double>&, const Tensor<double>&,
                                   const Tensor<double>&);
extern template Tensor<float> hessian(const ScalarFunction<float>&, const Tensor<float>&);
extern template Tensor<double> hessian(const ScalarFunction<double>&, const Tensor<double>&);
extern template Tensor<float> jacobian(const std::function<Var<float>(const Var<float>&)>&,
                                       const Tensor<float>&);
extern template Tensor<double> jacobian(const std::function<Var<double>(const Var<double>&)>&,
                                        const Tensor<double>&);

}  // namespace tapegrad
