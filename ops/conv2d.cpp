// conv2d(x, W, b): y[n,o] = b[o] + Σ_{c,i,j} W[o,c,i,j] · x[n, c, h·s + i·d − p, w·s + j·d − p],
// by im2col and one GEMM per image and group (ops/detail/conv.hpp). The convolution is bilinear
// in x and W, ⟨y − b, G⟩ = B(x, W, G), so its gradients are two more ops, each linear in both of
// its arguments: dx = conv2d_input_grad(G, W) = ∂B/∂x (a transposed convolution, col2im) and
// dW = conv2d_weight_grad(x, G) = ∂B/∂W; db = Σ_{n,h,w} G. Their own vjps are conv2d and each
// other, read off the same form B, so double backward and forward mode follow from the rule.
#include <fmt/format.h>

#include <algorithm>

#include "../graph/op.hpp"
#include "conv.hpp"
#include "detail/conv.hpp"
#include "detail/gemm.hpp"
#include "ops.hpp"

namespace tapegrad {
namespace {

using detail::ConvGeometry;

template <class T>
Var<T> convolve(const Var<T>& x, const Var<T>& weight, const Var<T>* bias, const ConvGeometry& g);
template <class T>
Var<T> conv2d_input_grad(const Var<T>& grad, const Var<T>& weight, const ConvGeometry& g);
template <class T>
Var<T> conv2d_weight_grad(const Var<T>& x, const Var<T>& grad, const ConvGeometry& g);

// Where the im2col matrix of one image and group goes: scratch on the tape, unless the input can
// be read as it is.
template <class T>
T* col_scratch(Op<T>& op, const ConvGeometry& g) {
  return g.reads_input_as_is() ? nullptr : op.save(g.col_rows() * g.col_cols());
}

template <class T>
class Conv2dNode final : public Node<T> {
 public:
  explicit Conv2dNode(const ConvGeometry& g) : g_(g) {}
  std::string_view name() const override { return "conv2d"; }
  std::string derivative(std::size_t input) const override {
    return input == 0 ? "{1}" : input == 1 ? "{0}" : "1";
  }
  std::size_t saved_bytes() const override {
    return (this->input(0).size() + this->input(1).size()) * sizeof(T);
  }
  void vjp(const VjpContext<T>& ctx) const override {
    const Var<T>& grad = ctx.grad_output();
    if (ctx.needs_grad(0))  // dx = ∂B(x, W, G)/∂x: W's taps added back where they read x
      ctx.add_input_grad(0, conv2d_input_grad(grad, ctx.input(1), g_));
    if (ctx.needs_grad(1))  // dW = ∂B/∂W = Σ_n G_n·col(x_n)ᵀ
      ctx.add_input_grad(1, conv2d_weight_grad(ctx.input(0), grad, g_));
    if (ctx.num_inputs() == 3 && ctx.needs_grad(2))  // db[o] = Σ_{n,h,w} G[n,o,h,w]
      ctx.add_input_grad(2, sum(grad, {0, 2, 3}));
  }

 private:
  ConvGeometry g_;
};

// Inputs G (of y's shape) and W; output ∂B(x, W, G)/∂x, of x's shape.
template <class T>
class Conv2dInputGradNode final : public Node<T> {
 public:
  explicit Conv2dInputGradNode(const ConvGeometry& g) : g_(g) {}
  std::string_view name() const override { return "conv2d_input_grad"; }
  std::string derivative(std::size_t input) const override { return input == 0 ? "{1}" : "{0}"; }
  void vjp(const VjpContext<T>& ctx) const override {
    const Var<T>& u = ctx.grad_output();  // of x's shape: ⟨u, ∂B/∂x⟩ = B(u, W, G)
    if (ctx.needs_grad(0))                // ∂B(u, W, G)/∂G = conv2d(u, W)
      ctx.add_input_grad(0, convolve<T>(u, ctx.input(1), nullptr, g_));
    if (ctx.needs_grad(1))  // ∂B(u, W, G)/∂W
      ctx.add_input_grad(1, conv2d_weight_grad(u, ctx.input(0), g_));
  }

 private:
  ConvGeometry g_;
};

// Inputs x and G; output ∂B(x, W, G)/∂W, of W's shape.
template <class T>
class Conv2dWeightGradNode final : public Node<T> {
 public:
  explicit Conv2dWeightGradNode(const ConvGeometry& g) : g_(g) {}
  std::string_view name() const override { return "conv2d_weight_grad"; }
  std::string derivative(std::size_t input) const override { return input == 0 ? "{1}" : "{0}"; }
  void vjp(const VjpContext<T>& ctx) const override {
    const Var<T>& u = ctx.grad_output();  // of W's shape: ⟨u, ∂B/∂W⟩ = B(x, u, G)
    if (ctx.needs_grad(0))                // ∂B(x, u, G)/∂x
      ctx.add_input_grad(0, conv2d_input_grad(ctx.input(1), u, g_));
    if (ctx.needs_grad(1))  // ∂B(x, u, G)/∂G = conv2d(x, u)
      ctx.add_input_grad(1, convolve<T>(ctx.input(0), u, nullptr, g_));
  }

 private:
  ConvGeometry g_;
};

// y_{n,g} = W_g·col(x_{n,g}) (+ b), one GEMM per image and group.
template <class T>
Var<T> convolve_into(Op<T>& op, const ConvGeometry& g, bool has_bias) {
  const T *x = op.input(0).data, *w = op.input(1).data;
  const std::size_t k = g.col_rows(), cols = g.col_cols(), og = g.og();
  T* y = op.output(g.output_shape());
  T* col = col_scratch(op, g);
  for (std::size_t n = 0; n < g.n; ++n)
    for (std::size_t group = 0; group < g.groups; ++group) {
      const T* image = x + (n * g.c + group * g.cg()) * g.h * g.w;
      if (col != nullptr) detail::im2col(image, g, col);
      detail::gemm<T>(false, false, og, cols, k, 1, w + group * og * k, k,
                      col != nullptr ? col : image, cols, 0, y + (n * g.o + group * og) * cols,
                      cols);
    }
  if (has_bias) {
    const T* b = op.input(2).data;
    for (std::size_t n = 0; n < g.n; ++n)
      for (std::size_t o = 0; o < g.o; ++o) {
        T* plane = y + (n * g.o + o) * cols;
        for (std::size_t i = 0; i < cols; ++i) plane[i] += b[o];
      }
  }
  return op.template finish<Conv2dNode<T>>(g);
}

template <class T>
Var<T> convolve(const Var<T>& x, const Var<T>& weight, const Var<T>* bias, const ConvGeometry& g) {
  if (bias != nullptr) {
    Op<T> op("conv2d", x, weight, *bias);
    return convolve_into(op, g, true);
  }
  Op<T> op("conv2d", x, weight);
  return convolve_into(op, g, false);
}

// dx_{n,g} = col2im(W_gᵀ·G_{n,g}).
template <class T>
Var<T> conv2d_input_grad(const Var<T>& grad, const Var<T>& weight, const ConvGeometry& g) {
  Op<T> op("conv2d_input_grad", grad, weight);
  const T *gy = op.input(0).data, *w = op.input(1).data;
  const std::size_t k = g.col_rows(), cols = g.col_cols(), og = g.og();
  T* dx = op.output(g.input_shape());
  T* col = col_scratch(op, g);
  if (col != nullptr) std::fill_n(dx, g.n * g.c * g.h * g.w, T(0));
  for (std::size_t n = 0; n < g.n; ++n)
    for (std::size_t group = 0; group < g.groups; ++group) {
      T* image = dx + (n * g.c + group * g.cg()) * g.h * g.w;
      const T* gy_ng = gy + (n * g.o + group * og) * cols;
      // col = W_gᵀ·G_{n,g}, written straight into dx when it is the image itself
      detail::gemm<T>(true, false, k, cols, og, 1, w + group * og * k, k, gy_ng, cols, 0,
                      col != nullptr ? col : image, cols);
      if (col != nullptr) detail::col2im_add(col, g, image);
    }
  return op.template finish<Conv2dInputGradNode<T>>(g);
}

// dW_g = Σ_n G_{n,g}·col(x_{n,g})ᵀ.
template <class T>
Var<T> conv2d_weight_grad(const Var<T>& x, const Var<T>& grad, const ConvGeometry& g) {
  Op<T> op("conv2d_weight_grad", x, grad);
  const T *xs = op.input(0).data, *gy = op.input(1).data;
  const std::size_t k = g.col_rows(), cols = g.col_cols(), og = g.og();
  T* dw = op.output(g.weight_shape());
  T* col = col_scratch(op, g);
  std::fill_n(dw, g.o * k, T(0));
  for (std::size_t n = 0; n < g.n; ++n)
    for (std::size_t group = 0; group < g.groups; ++group) {
      const T* image = xs + (n * g.c + group * g.cg()) * g.h * g.w;
      if (col != nullptr) detail::im2col(image, g, col);
      detail::gemm<T>(false, true, og, k, cols, 1, gy + (n * g.o + group * og) * cols, cols,
                      col != nullptr ? col : image, cols, 1, dw + group * og * k, k);
    }
  return op.template finish<Conv2dWeightGradNode<T>>(g);
}

template <class T>
Var<T> conv2d_forward(const Var<T>& x, const Var<T>& weight, const Var<T>& bias,
                      const Conv2dArgs& args) {
  // An unbatched [C, H, W] is a batch of one; its shapes are checked before the reshape, so
  // that a failed call records nothing.
  Tape<T>& tape = Tape<T>::current();  // the inputs are valid Vars of this tape
  tape.check_input(x, "conv2d", 0);
  tape.check_input(weight, "conv2d", 1);
  if (bias.defined()) tape.check_input(bias, "conv2d", 2);
  if (x.rank() == 3) {
    const Shape& s = x.shape();
    const ConvGeometry g = detail::conv_geometry("conv2d", Shape{1, s[0], s[1], s[2]},
                                                 weight.shape(), args, s, weight.shape());
    if (bias.defined()) detail::check_conv_bias("conv2d", weight.shape(), bias.shape(), g.o);
    const Var<T> y = conv2d_forward(reshape(x, Shape{1, s[0], s[1], s[2]}), weight, bias, args);
    return reshape(y, Shape{g.o, g.oh, g.ow});
  }
  const ConvGeometry g =
      detail::conv_geometry("conv2d", x.shape(), weight.shape(), args, x.shape(), weight.shape());
  if (bias.defined()) detail::check_conv_bias("conv2d", weight.shape(), bias.shape(), g.o);
  return convolve(x, weight, bias.defined() ? &bias : nullptr, g);
}

}  // namespace

Var<float> conv2d(const Var<float>& x, const Var<float>& weight, const Var<float>& bias,
                  const Conv2dArgs& args) {
  return conv2d_forward(x, weight, bias, args);
}
Var<double> conv2d(const Var<double>& x, const Var<double>& weight, const Var<double>& bias,
                   const Conv2dArgs& args) {
  return conv2d_forward(x, weight, bias, args);
}

}  // namespace tapegrad
