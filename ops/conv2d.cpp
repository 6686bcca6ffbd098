// conv2d(x, W, b): y[n,o] = b[o] + Σ_{c,i,j} W[o,c,i,j] · x[n, c, h·s + i·d − p, w·s + j·d − p],
// by im2col and one GEMM per image and group (ops/detail/conv.hpp), or in float by oneDNN's
// convolution primitives (ops/detail/conv_onednn.hpp). The convolution is bilinear
// in x and W, ⟨y − b, G⟩ = B(x, W, G), so its gradients are two more ops, each linear in both of
// its arguments: dx = conv2d_input_grad(G, W) = ∂B/∂x (a transposed convolution, col2im) and
// dW = conv2d_weight_grad(x, G) = ∂B/∂W; db = Σ_{n,h,w} G. Their own vjps are conv2d and each
// other, read off the same form B, so double backward and forward mode follow from the rule.
#include <fmt/format.h>

#include <type_traits>

#include "../graph/op.hpp"
#include "conv.hpp"
#include "detail/conv.hpp"
#include "detail/conv_onednn.hpp"
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
    static const Axes kAllButChannels{0, 2, 3};      // made once: steps allocate nothing
    if (ctx.num_inputs() == 3 && ctx.needs_grad(2))  // db[o] = Σ_{n,h,w} G[n,o,h,w]
      ctx.add_input_grad(2, sum(grad, kAllButChannels));
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

// The forward computations of the three ops: oneDNN's primitive where
// detail::conv_uses_onednn says so (float only), else im2col + GEMM with its scratch on the tape.
template <class T>
void forward_pass(Op<T>& op, const ConvGeometry& g, const T* x, const T* w, const T* b, T* y) {
  if constexpr (std::is_same_v<T, float>)
    if (detail::conv_uses_onednn(detail::ConvPass::kForward, g))
      return detail::onednn_conv_forward(g, x, w, b, y);
  detail::im2col_conv_forward(g, x, w, b, y, col_scratch(op, g));
}
template <class T>
void backward_data_pass(Op<T>& op, const ConvGeometry& g, const T* gy, const T* w, T* dx) {
  if constexpr (std::is_same_v<T, float>)
    if (detail::conv_uses_onednn(detail::ConvPass::kBackwardData, g))
      return detail::onednn_conv_backward_data(g, gy, w, dx);
  detail::im2col_conv_backward_data(g, gy, w, dx, col_scratch(op, g));
}
template <class T>
void backward_weights_pass(Op<T>& op, const ConvGeometry& g, const T* x, const T* gy, T* dw) {
  if constexpr (std::is_same_v<T, float>)
    if (detail::conv_uses_onednn(detail::ConvPass::kBackwardWeights, g))
      return detail::onednn_conv_backward_weights(g, x, gy, dw);
  detail::im2col_conv_backward_weights(g, x, gy, dw, col_scratch(op, g));
}

template <class T>
Var<T> convolve(const Var<T>& x, const Var<T>& weight, const Var<T>* bias, const ConvGeometry& g) {
  if (bias != nullptr) {
    Op<T> op("conv2d", x, weight, *bias);
    forward_pass(op, g, op.input(0).data, op.input(1).data, op.input(2).data,
                 op.output(g.output_shape()));
    return op.template finish<Conv2dNode<T>>(g);
  }
  Op<T> op("conv2d", x, weight);
  forward_pass<T>(op, g, op.input(0).data, op.input(1).data, nullptr, op.output(g.output_shape()));
  return op.template finish<Conv2dNode<T>>(g);
}

// dx = ∂B(x, W, G)/∂x: per image and group col2im(W_gᵀ·G_{n,g}), oneDNN's backward data.
template <class T>
Var<T> conv2d_input_grad(const Var<T>& grad, const Var<T>& weight, const ConvGeometry& g) {
  Op<T> op("conv2d_input_grad", grad, weight);
  backward_data_pass(op, g, op.input(0).data, op.input(1).data, op.output(g.input_shape()));
  return op.template finish<Conv2dInputGradNode<T>>(g);
}

// dW = ∂B(x, W, G)/∂W: per group Σ_n G_{n,g}·col(x_{n,g})ᵀ, oneDNN's backward weights.
template <class T>
Var<T> conv2d_weight_grad(const Var<T>& x, const Var<T>& grad, const ConvGeometry& g) {
  Op<T> op("conv2d_weight_grad", x, grad);
  backward_weights_pass(op, g, op.input(0).data, op.input(1).data, op.output(g.weight_shape()));
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
