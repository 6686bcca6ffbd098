// matmul(A, B) = A·B with torch.matmul's rules: a 1-D left operand is a row, a 1-D right operand
// a column, and that axis is dropped from the result; operands of rank 3 or more are stacks of
// matrices whose leading (batch) axes broadcast. For C = A·B: ∂C_ij/∂A_ip = B_pj and
// ∂C_ij/∂B_pj = A_ip, so dA = G·Bᵀ and dB = Aᵀ·G, each summed over the batch axes its operand
// was broadcast along.
#include <fmt/format.h>

#include <vector>

#include "../graph/op.hpp"
#include "broadcast.hpp"
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
  void vjp(const VjpContext<T>& ctx) const override {
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

 private:
  MatmulDims d_;
};

// Stacks of matrices: the gradient is the same product rule, written with matmul itself (so
// the backward runs batched GEMMs) and summed back over broadcast batch axes.
template <class T>
class BatchedMatmulNode final : public Node<T> {
 public:
  std::string_view name() const override { return "matmul"; }
  std::string derivative(std::size_t input) const override { return input == 0 ? "{1}" : "{0}"; }
  std::size_t saved_bytes() const override {
    return (this->input(0).size() + this->input(1).size()) * sizeof(T);
  }
  void vjp(const VjpContext<T>& ctx) const override {
    const Shape &sa = this->input(0).shape, &sb = this->input(1).shape;
    // As matrices: a 1-D a is a row [1,k], a 1-D b a column [k,1]; g gets those axes back.
    const Var<T> a = sa.rank() == 1 ? unsqueeze(ctx.input(0), 0) : ctx.input(0);
    const Var<T> b = sb.rank() == 1 ? unsqueeze(ctx.input(1), -1) : ctx.input(1);
    Var<T> g = ctx.grad_output();
    if (sa.rank() == 1) g = unsqueeze(g, -2 + (sb.rank() == 1 ? 1 : 0));
    if (sb.rank() == 1) g = unsqueeze(g, -1);
    if (ctx.needs_grad(0))  // dA = G·Bᵀ, summed to A's shape
      ctx.add_input_grad(0, reshape(sum_to(matmul(g, transpose(b, -1, -2)), a.shape()), sa));
    if (ctx.needs_grad(1))  // dB = Aᵀ·G
      ctx.add_input_grad(1, reshape(sum_to(matmul(transpose(a, -1, -2), g), b.shape()), sb));
  }
};

template <class T>
Var<T> batched_matmul(Op<T>& op) {
  const Value<T>&a = op.input(0), &b = op.input(1);
  const Shape &sa = a.shape, &sb = b.shape;
  const std::size_t ra = sa.rank(), rb = sb.rank();
  const std::size_t m = ra >= 2 ? sa[ra - 2] : 1, k = sa[ra - 1];
  const std::size_t kb = rb >= 2 ? sb[rb - 2] : sb[0], n = rb >= 2 ? sb[rb - 1] : 1;
  if (k != kb)
    throw ShapeError(
        fmt::format("matmul: {} x {}: inner sizes {} and {} differ", sa.str(), sb.str(), k, kb));
  // The batch axes: all but the last two (none for a 1-D operand), broadcast together.
  const auto batch_of = [](const Shape& s) {
    const std::size_t r = s.rank() >= 2 ? s.rank() - 2 : 0;
    return Shape(std::span<const std::size_t>(std::vector<std::size_t>(
        s.dims().begin(), s.dims().begin() + static_cast<std::ptrdiff_t>(r))));
  };
  const Shape ba = batch_of(sa), bb = batch_of(sb);
  Shape batch;
  try {
    batch = detail::broadcast_shapes("matmul", ba, bb);
  } catch (const ShapeError&) {
    throw ShapeError(fmt::format("matmul: {} x {}: batch axes {} and {} do not broadcast", sa.str(),
                                 sb.str(), ba.str(), bb.str()));
  }
  std::vector<std::size_t> out(batch.dims().begin(), batch.dims().end());
  if (ra >= 2) out.push_back(m);
  if (rb >= 2) out.push_back(n);
  if (out.size() > Shape::kMaxRank)
    throw ShapeError(fmt::format("matmul: {} x {}: the result would have rank {}, more than {}",
                                 sa.str(), sb.str(), out.size(), Shape::kMaxRank));
  T* c = op.output(Shape(std::span<const std::size_t>(out)));
  detail::for_each_broadcast<2>(batch, {&ba, &bb}, [&](std::size_t i, const auto& at) {
    detail::gemm<T>(false, false, m, n, k, 1, a.data + at[0] * m * k, k, b.data + at[1] * k * n, n,
                    0, c + i * m * n, n);  // C_i = A_i·B_i
  });
  return op.template finish<BatchedMatmulNode<T>>();
}

template <class T>
Var<T> matmul_forward(const Var<T>& a_var, const Var<T>& b_var) {
  Op<T> op("matmul", a_var, b_var);
  const Value<T>&a = op.input(0), &b = op.input(1);
  const Shape &sa = a.shape, &sb = b.shape;
  if (sa.rank() < 1 || sb.rank() < 1)
    throw ShapeError(
        fmt::format("matmul: {} x {}: a scalar cannot be multiplied as a matrix "
                    "(use mul or scale)",
                    sa.str(), sb.str()));
  if (sa.rank() > 2 || sb.rank() > 2) return batched_matmul(op);
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
