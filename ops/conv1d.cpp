// conv1d(x, W, b): y[n,o,l] = b[o] + Σ_{c,k} W[o,c,k] · x[n, c, l·s + k·d − p], as conv2d on
// images one row high ([N, C, 1, L] with a [O, C/groups, 1, K] kernel), so that its gradients,
// double backward and forward mode are conv2d's (ops/conv2d.cpp) seen through two reshapes.
#include "../graph/op.hpp"
#include "conv.hpp"
#include "detail/conv.hpp"
#include "ops.hpp"

namespace tapegrad {
namespace {

template <class T>
Var<T> conv1d_forward(const Var<T>& x, const Var<T>& weight, const Var<T>& bias,
                      const Conv1dArgs& args) {
  Tape<T>& tape = Tape<T>::current();
  tape.check_input(x, "conv1d", 0);
  tape.check_input(weight, "conv1d", 1);
  if (bias.defined()) tape.check_input(bias, "conv1d", 2);
  const Shape &sx = x.shape(), &sw = weight.shape();
  const bool batched = sx.rank() == 3;
  // As images of one row; a rank that does not fit becomes [], for the check to name it.
  const Shape x2 = batched          ? Shape{sx[0], sx[1], 1, sx[2]}
                   : sx.rank() == 2 ? Shape{1, sx[0], 1, sx[1]}
                                    : Shape{};
  const Shape w2 = sw.rank() == 3 ? Shape{sw[0], sw[1], 1, sw[2]} : Shape{};
  const Conv2dArgs args2{.stride = {1, args.stride},
                         .padding = {0, args.padding},
                         .dilation = {1, args.dilation},
                         .groups = args.groups};
  // Checked before the reshapes, so that a failed call records nothing.
  const detail::ConvGeometry g = detail::conv_geometry("conv1d", x2, w2, args2, sx, sw);
  if (bias.defined()) detail::check_conv_bias("conv1d", sw, bias.shape(), g.o);
  const Var<T> y = conv2d(reshape(x, x2), reshape(weight, w2), bias, args2);
  return reshape(y, batched ? Shape{g.n, g.o, g.ow} : Shape{g.o, g.ow});
}

}  // namespace

Var<float> conv1d(const Var<float>& x, const Var<float>& weight, const Var<float>& bias,
                  const Conv1dArgs& args) {
  return conv1d_forward(x, weight, bias, args);
}
Var<double> conv1d(const Var<double>& x, const Var<double>& weight, const Var<double>& bias,
                   const Conv1dArgs& args) {
  return conv1d_forward(x, weight, bias, args);
}

}  // namespace tapegrad
