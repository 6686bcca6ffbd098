// linear(x, W, b) = x·Wᵀ + b, the fully connected layer (torch::nn::functional::linear), fused
// into one op so that the product runs as one GEMM with a transpose flag and no copy of W.
// For y_ij = Σ_p x_ip W_jp + b_j: ∂y_ij/∂x_ip = W_jp, ∂y_ij/∂W_jp = x_ip, ∂y_ij/∂b_j = 1,
// so dx = G·W, dW = Gᵀ·x and db = Σ_rows G.
#include <fmt/format.h>

#include <algorithm>

#include "../graph/hot.hpp"
#include "../graph/op.hpp"
#include "detail/gemm.hpp"
#include "math.hpp"
#include "ops.hpp"

namespace tapegrad {
namespace {

// Forward's bias pass: y starts as b on every row, and the product is added to it.
template <class T>
void copy_row_to_each_row(const T* b, T* y, std::size_t rows, std::size_t cols) {
  for (std::size_t r = 0; r < rows; ++r) std::copy_n(b, cols, y + r * cols);  // y_r = b
}
// Backward's, compiled once per instruction set (TAPEGRAD_SIMD_CLONES): the library's baseline
// build would run it 4 floats at a time, where AVX-512 takes 16. Each element's sum runs over the
// rows in the same order in every clone, so all give the same bits.
template <class T>
TAPEGRAD_HOT TAPEGRAD_SIMD_CLONES void add_sum_of_rows(const T* __restrict g, T* __restrict sum,
                                                       std::size_t rows, std::size_t cols) {
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t j = 0; j < cols; ++j) sum[j] += g[r * cols + j];  // sum += Σ_r g_r
}

template <class T>
T beta(const GradTarget<T>& target) {
  return target.accumulate ? T(1) : T(0);
}

struct LinearDims {
  std::size_t rows, in, out;
};

template <class T>
class LinearNode final : public Node<T> {
 public:
  explicit LinearNode(LinearDims d) : d_(d) {}
  std::string_view name() const override { return "linear"; }
  std::string derivative(std::size_t input) const override {
    return input == 0 ? "{1}" : input == 1 ? "{0}" : "1";
  }
  std::size_t saved_bytes() const override {
    return (this->input(0).size() + this->input(1).size()) * sizeof(T);
  }

  TAPEGRAD_HOT void backward(const BackwardContext<T>& ctx) const override {
    const auto [rows, in, out] = d_;
    const T* g = ctx.grad_output();
    const Value<T>&x = this->input(0), &w = this->input(1);
    // Each gradient is added into its buffer, or written where the buffer holds none yet
    // (beta = 0: the product does not read it).
    if (const GradTarget<T> gx = ctx.input_grad_target(0, x.shape))  // dx += G·W
      detail::gemm<T>(false, false, rows, in, out, 1, g, out, w.data, in, beta(gx), gx.data, in);
    if (const GradTarget<T> gw = ctx.input_grad_target(1, w.shape))  // dW += Gᵀ·x
      detail::gemm<T>(true, false, out, in, rows, 1, g, out, x.data, in, beta(gw), gw.data, in);
    if (this->num_inputs() == 3)
      if (const GradTarget<T> gb = ctx.input_grad_target(2, this->input(2).shape)) {
        if (!gb.accumulate) std::fill_n(gb.data, out, T(0));  // NOTE: a bias is small
        add_sum_of_rows(g, gb.data, rows, out);               // db += Σ_rows G
      }
  }
  void vjp(const VjpContext<T>& ctx) const override {
    const Var<T>&g = ctx.grad_output(), &x = ctx.input(0), &w = ctx.input(1);
    if (ctx.needs_grad(0)) ctx.add_input_grad(0, matmul(g, w));  // dx = G·W
    if (ctx.needs_grad(1)) {                                     // dW = Gᵀ·x
      if (x.rank() == 2)
        ctx.add_input_grad(1, matmul(transpose(g), x));
      else  // one row: the outer product g xᵀ
        ctx.add_input_grad(1, mul(reshape(g, Shape{d_.out, 1}), x));
    }
    if (this->num_inputs() == 3 && ctx.needs_grad(2))
      ctx.add_input_grad(2, sum_to(g, this->input(2).shape));  // db = Σ_rows G
  }

 private:
  LinearDims d_;
};

template <class T>
TAPEGRAD_HOT Var<T> linear_forward(const Var<T>& x_var, const Var<T>& w_var, const Var<T>& b_var) {
  Op<T> op = b_var.defined() ? Op<T>("linear", x_var, w_var, b_var) : Op<T>("linear", x_var, w_var);
  const Value<T>&x = op.input(0), &w = op.input(1);
  const Shape &sx = x.shape, &sw = w.shape;
  if (sw.rank() != 2)
    throw ShapeError(fmt::format("linear: weight {} must be 2-D [out, in]", sw.str()));
  if (sx.rank() < 1 || sx.rank() > 2)
    throw ShapeError(fmt::format("linear: input {} must be 1-D [in] or 2-D [batch, in]", sx.str()));
  const std::size_t rows = sx.rank() == 2 ? sx[0] : 1, in = sx[sx.rank() - 1], out = sw[0];
  if (in != sw[1])
    throw ShapeError(fmt::format("linear: input {} x weight {}: input has {} features, weight {}",
                                 sx.str(), sw.str(), in, sw[1]));
  if (b_var.defined() && !(op.input(2).shape == Shape{out}))
    throw ShapeError(fmt::format("linear: bias {} for weight {}: expected [{}]",
                                 op.input(2).shape.str(), sw.str(), out));

  T* y = op.output(sx.rank() == 2 ? Shape{rows, out} : Shape{out});
  // NOTE: y starts as b on every row and the product is added to it (beta = 1), rather than
  // written (beta = 0, for which BLAS first zeroes y) and b added in a second pass over y.
  if (b_var.defined()) copy_row_to_each_row(op.input(2).data, y, rows, out);
  detail::gemm<T>(false, true, rows, out, in, 1, x.data, in, w.data, in, b_var.defined() ? 1 : 0, y,
                  out);  // y (+)= x·Wᵀ
  return op.template finish<LinearNode<T>>(LinearDims{rows, in, out});
}

}  // namespace

TAPEGRAD_HOT Var<float> linear(const Var<float>& x, const Var<float>& w, const Var<float>& b) {
  return linear_forward(x, w, b);
}
TAPEGRAD_HOT Var<double> linear(const Var<double>& x, const Var<double>& w, const Var<double>& b) {
  return linear_forward(x, w, b);
}

}  // namespace tapegrad
