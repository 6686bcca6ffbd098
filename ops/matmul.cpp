// matmul(A, B) = A·B for 1-D and 2-D operands (NumPy's rules: a 1-D left operand is a row, a 1-D
// right operand a column, and that axis is dropped from the result). For C = A·B:
// ∂C_ij/∂A_ip = B_pj and ∂C_ij/∂B_pj = A_ip, so dA = G·Bᵀ and dB = Aᵀ·G.
#include <fmt/format.h>

#include "../graph/op.hpp"
#include "detail/gemm.hpp"
#include "ops.hpp"

namespace tapegrad {
namespace {

struct MatmulDims {
  std::size_t m, k, n;
};

template <class T>
class MatmulNode final : public Node<T> {
 public:
  explicit MatmulNode(MatmulDims d) : d_(d) {}
  std::string_view name() const override { return "matmul"; }
  std::string derivative(std::size_t input) const override { return input == 0 ? "{1}" : "{0}"; }
  std::size_t saved_bytes() const override {
    return (this->input(0).size() + this->input(1).size()) * sizeof(T);
  }

  void backward(const BackwardContext<T>& ctx) const override {
    const auto [m, k, n] = d_;
    const T* g = ctx.grad_output();
    const Value<T>&a = this->input(0), &b = this->input(1);
    // Added into each buffer, or written (beta = 0) where it holds no values yet.
    if (const GradTarget<T> ga = ctx.input_grad_target(0, a.shape))  // dA += G·Bᵀ
      detail::gemm<T>(false, true, m, k, n, 1, g, n, b.data, n, ga.accumulate ? 1 : 0, ga.data, k);
    if (const GradTarget<T> gb = ctx.input_grad_target(1, b.shape))  // dB += Aᵀ·G
      detail::gemm<T>(true, false, k, n, m, 1, a.data, k, g, n, gb.accumulate ? 1 : 0, gb.data, n);
  }
  void backward_graph(const GraphBackwardContext<T>& ctx) const override {
    const Var<T>&g = ctx.grad_output(), &a = ctx.input(0), &b = ctx.input(1);
    const std::size_t m = d_.m, k = d_.k;
    const bool a_matrix = a.rank() == 2, b_matrix = b.rank() == 2;
    if (ctx.needs_grad(0)) {  // dA = G·Bᵀ
      if (a_matrix && b_matrix)
        ctx.add_input_grad(0, matmul(g, transpose(b)));
      else if (a_matrix)  // [m,k]·[k]: the outer product g bᵀ
        ctx.add_input_grad(0, mul(reshape(g, Shape{m, 1}), b));
      else if (b_matrix)  // [k]·[k,n]: B·g
        ctx.add_input_grad(0, matmul(b, g));
      else  // a dot product: g·b
        ctx.add_input_grad(0, mul(g, b));
    }
    if (ctx.needs_grad(1)) {  // dB = Aᵀ·G
      if (a_matrix)
        ctx.add_input_grad(1, matmul(transpose(a), g));
      else if (b_matrix)  // [k]·[k,n]: the outer product a gᵀ
        ctx.add_input_grad(1, mul(reshape(a, Shape{k, 1}), g));
      else
        ctx.add_input_grad(1, mul(g, a));
    }
  }
  void jvp(const JvpContext<T>& ctx) const override {  // Ċ = Ȧ·B + A·Ḃ
    const auto [m, k, n] = d_;
    const Value<T>&a = this->input(0), &b = this->input(1);
    T* t = ctx.output_tangent();
    if (const T* ta = ctx.input_tangent(0))
      detail::gemm<T>(false, false, m, n, k, 1, ta, k, b.data, n, 1, t, n);
    if (const T* tb = ctx.input_tangent(1))
      detail::gemm<T>(false, false, m, n, k, 1, a.data, k, tb, n, 1, t, n);
  }

 private:
  MatmulDims d_;
};

template <class T>
Var<T> matmul_forward(const Var<T>& a_var, const Var<T>& b_var) {
  Op<T> op("matmul", a_var, b_var);
  const Value<T>&a = op.input(0), &b = op.input(1);
  const Shape &sa = a.shape, &sb = b.shape;
  if (sa.rank() < 1 || sa.rank() > 2 || sb.rank() < 1 || sb.rank() > 2)
    throw ShapeError(
        fmt::format("matmul: {} x {}: operands must be 1-D or 2-D", sa.str(), sb.str()));
  const std::size_t m = sa.rank() == 2 ? sa[0] : 1, k = sa[sa.rank() - 1];
  const std::size_t kb = sb[0], n = sb.rank() == 2 ? sb[1] : 1;
  if (k != kb)
    throw ShapeError(
        fmt::format("matmul: {} x {}: inner sizes {} and {} differ", sa.str(), sb.str(), k, kb));

  Shape out_shape = sa.rank() == 2 ? (sb.rank() == 2 ? Shape{m, n} : Shape{m})
                                   : (sb.rank() == 2 ? Shape{n} : Shape{});
  T* c = op.output(out_shape);
  detail::gemm<T>(false, false, m, n, k, 1, a.data, k, b.data, n, 0, c, n);  // C = A·B
  return op.template finish<MatmulNode<T>>(MatmulDims{m, k, n});
}

}  // namespace

Var<float> matmul(const Var<float>& a, const Var<float>& b) {
  return matmul_forward(a, b);
}
Var<double> matmul(const Var<double>& a, const Var<double>& b) {
  return matmul_forward(a, b);
}

}  // namespace tapegrad
