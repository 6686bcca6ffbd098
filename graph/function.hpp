// User-defined differentiable functions, in the spirit of torch::autograd::Function: write a
// forward and one backward rule, and get first-order backward, double backward (when the rule is
// made of differentiable ops), forward mode, gradcheck and an edge label from them.
//
//   struct Cube {                                  // y = x³
//     std::string_view name() const { return "cube"; }
//     template <class T>
//     Var<T> forward(const Var<T>& x) const { return x * x * x; }  // runs without recording
//     template <class T>
//     void backward(const VjpContext<T>& ctx) const {  // dy/dx = 3x²
//       ctx.add_input_grad(0, ctx.grad_output() * 3.0 * square(ctx.input(0)));
//     }
//   };
//   Var<double> y = apply_function(Cube{}, x);
//
// The function object itself holds any C++ state its backward needs (options, a mask, a handle):
// apply_function moves it onto the heap, and the tape keeps it until tape.clear(), which
// destroys it. Its members:
// - forward(inputs...) (one const Var<T>& per input) or forward(std::span<const Var<T>>): the
//   output, computed with tapegrad's ops or by hand (tape.variable(tensor, false)); it runs under
//   a NoGradGuard, so nothing it does is recorded, and its result is copied into the function's
//   output.
// - backward(const VjpContext<T>& ctx): the vector-Jacobian product, as a built-in op's vjp
//   (graph/node.hpp): for each input k with ctx.needs_grad(k), ctx.add_input_grad(k, gradient)
//   from ctx.grad_output(), ctx.input(k) and ctx.output(). Written with differentiable ops, it
//   is recorded for gradients of gradients; forward mode transposes it (graph/derived.cpp).
//   Values the rule needs should be recomputed there from the inputs and the output: values
//   saved from forward are constants, through which no second derivative flows.
// - optional: name() (errors, graph dumps; default "function") and derivative(k), the local
//   derivative's text for edge labels, with "{0}", "{1}" for the inputs and "{y}" for the
//   output (default "∂name/∂{k}").
#pragma once

#include <array>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "errors.hpp"
#include "grad_mode.hpp"
#include "op.hpp"
#include "parameter.hpp"

namespace tapegrad {
namespace detail {

template <class F>
std::string_view function_name(const F& function) {
  if constexpr (requires { std::string_view(function.name()); })
    return function.name();
  else
    return "function";
}

// The recorded node: a pointer to the function object, which the tape keeps alive.
template <class T, class F>
class FunctionNode final : public Node<T> {
 public:
  explicit FunctionNode(F* function) : function_(function) {}
  std::string_view name() const override { return function_name(*function_); }
  void vjp(const VjpContext<T>& ctx) const override { function_->backward(ctx); }
  std::string derivative(std::size_t input) const override {
    if constexpr (requires { std::string(function_->derivative(input)); })
      return std::string(function_->derivative(input));
    else
      return "∂" + std::string(name()) + "/∂{" + std::to_string(input) + "}";
  }

 private:
  F* function_;
};

[[noreturn]] void throw_function_undefined_output(std::string_view name);

// Runs forward(function) without recording, then records the function as one op with `inputs`.
// If anything throws, the tape is rewound to where it was.
template <class T, class F, class Forward>
Var<T> run_function(std::shared_ptr<F> function, std::span<const Var<T>> inputs,
                    Forward&& forward) {
  Tape<T>& tape = Tape<T>::current();
  const typename Tape<T>::Mark mark = tape.mark();
  try {
    Var<T> result;
    {
      NoGradGuard no_grad;
      result = forward(*function);
    }
    if (!result.defined()) throw_function_undefined_output(function_name(*function));
    Op<T> op(function_name(*function), inputs);
    T* out = op.output(result.shape());
    if (result.size() > 0) std::memcpy(out, result.data().data(), result.size() * sizeof(T));
    F* raw = function.get();
    if (op.requires_grad()) tape.keep_alive(std::move(function));
    return op.template finish<FunctionNode<T, F>>(raw);
  } catch (...) {
    tape.rewind(mark);
    throw;
  }
}

template <class X>
struct VarTypeOf;
template <class T>
struct VarTypeOf<Var<T>> {
  using type = T;
};
template <class T>
struct VarTypeOf<Parameter<T>> {
  using type = T;
};

}  // namespace detail

// Runs `function` on `inputs` (Vars, or Parameters) and records it as one op; see the top of
// this file. A forward or a backward that throws leaves the tape as it was; so does an input
// from another tape (TapeError).
template <class F, class T>
requires requires(F& f, const VjpContext<T>& ctx) {
  f.backward(ctx);
}
Var<T> apply_function(F&& function, std::span<const Var<T>> inputs) {
  return detail::run_function<T>(
      std::make_shared<std::remove_cvref_t<F>>(std::forward<F>(function)), inputs,
      [&](auto& f) { return f.forward(inputs); });
}

template <class F, class First, class... Rest,
          class T = typename detail::VarTypeOf<std::remove_cvref_t<First>>::type>
requires(std::is_convertible_v<const Rest&, Var<T>>&&...) &&
    requires(F& f, const VjpContext<T>& ctx) {
  f.backward(ctx);
}
Var<T> apply_function(F&& function, const First& first, const Rest&... rest) {
  const std::array<Var<T>, 1 + sizeof...(Rest)> inputs{Var<T>(first), Var<T>(rest)...};
  return detail::run_function<T>(
      std::make_shared<std::remove_cvref_t<F>>(std::forward<F>(function)),
      std::span<const Var<T>>(inputs), [&](auto& f) {
        if constexpr (requires { f.forward(Var<T>(first), Var<T>(rest)...); })
          return std::apply([&](const auto&... v) { return Var<T>(f.forward(v...)); }, inputs);
        else
          return Var<T>(f.forward(std::span<const Var<T>>(inputs)));
      });
}

}  // namespace tapegrad
