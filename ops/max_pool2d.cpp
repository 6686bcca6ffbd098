// max_pool2d(x): the largest element of each window, padding counting as −∞ (torch's rules for
// stride, padding and ceil mode, as avg_pool2d). The forward saves where each maximum was, and
// the output is a gather of x at those positions, so the gradient goes to them: a scatter-add
// into zeros (linear in the gradient), whose own vjp is the gather again. Ties: the first maximum
// in row-major window order takes the gradient, as in torch's CPU kernel; a NaN counts as larger
// than any number (the first NaN wins).
#include <algorithm>
#include <cmath>
#include <limits>

#include "../graph/op.hpp"
#include "conv.hpp"
#include "detail/pool.hpp"

namespace tapegrad {
namespace {

struct Picks {
  const std::size_t* at;  // at[k]: the flat index in x of output k's maximum, on the tape
  std::size_t h, w, oh, ow;
};

template <class T>
Var<T> scatter_picks(const Var<T>& grad, const Picks& p);
template <class T>
Var<T> gather_picks(const Var<T>& u, const Picks& p, std::string_view name);

// max_pool2d itself and the gather in its double backward: y[k] = x[at[k]].
template <class T>
class PickNode final : public Node<T> {
 public:
  PickNode(const Picks& p, std::string_view name) : p_(p), name_(name) {}
  std::string_view name() const override { return name_; }
  std::string derivative(std::size_t) const override { return "[x = max]"; }
  void vjp(const VjpContext<T>& ctx) const override {  // dx[at[k]] += G[k]
    ctx.add_input_grad(0, scatter_picks(ctx.grad_output(), p_));
  }

 private:
  Picks p_;
  std::string_view name_;
};

template <class T>
class ScatterNode final : public Node<T> {
 public:
  explicit ScatterNode(const Picks& p) : p_(p) {}
  std::string_view name() const override { return "max_pool2d_scatter"; }
  std::string derivative(std::size_t) const override { return "[x = max]"; }
  void vjp(const VjpContext<T>& ctx) const override {  // du[k] = U[at[k]]: the gather
    ctx.add_input_grad(0, gather_picks(ctx.grad_output(), p_, "max_pool2d_gather"));
  }

 private:
  Picks p_;
};

template <class T>
Var<T> scatter_picks(const Var<T>& grad, const Picks& p) {
  Op<T> op("max_pool2d_scatter", grad);
  const Value<T>& g = op.input(0);
  const Shape shape = detail::with_plane(g.shape, p.h, p.w);
  T* dx = op.output(shape);
  std::fill_n(dx, shape.size(), T(0));
  for (std::size_t k = 0; k < g.size(); ++k) dx[p.at[k]] += g.data[k];  // ∂y_k/∂x_at[k] = 1
  return op.template finish<ScatterNode<T>>(p);
}

template <class T>
Var<T> gather_picks(const Var<T>& u, const Picks& p, std::string_view name) {
  Op<T> op(name, u);
  const Value<T>& in = op.input(0);
  const Shape shape = detail::with_plane(in.shape, p.oh, p.ow);
  T* y = op.output(shape);
  for (std::size_t k = 0; k < shape.size(); ++k) y[k] = in.data[p.at[k]];
  return op.template finish<PickNode<T>>(p, name);
}

// The position of the maximum of window (i, j) of one plane: the first one, NaN above all.
template <class T>
std::size_t argmax(const T* plane, const detail::PoolWindows& p, std::size_t i, std::size_t j) {
  std::size_t best = p.first_row(i) * p.w + p.first_col(j);
  T top = -std::numeric_limits<T>::infinity();
  for (std::size_t r = p.first_row(i); r < p.end_row(i); ++r)
    for (std::size_t c = p.first_col(j); c < p.end_col(j); ++c) {
      const T v = plane[r * p.w + c];
      if (v > top || (std::isnan(v) && !std::isnan(top))) {
        top = v;
        best = r * p.w + c;
      }
    }
  return best;
}

template <class T>
Var<T> max_pool2d_forward(const Var<T>& x, const Pool2dArgs& args) {
  Op<T> op("max_pool2d", x);
  const Value<T>& in = op.input(0);
  const detail::PoolWindows windows = detail::pool_windows(op, args, false);
  const Shape shape = detail::with_plane(in.shape, windows.oh, windows.ow);
  std::size_t* at = op.template save_array<std::size_t>(shape.size());
  T* y = op.output(shape);
  const std::size_t plane = windows.h * windows.w;
  std::size_t k = 0;
  for (std::size_t n = 0; n < detail::planes_of(in.shape); ++n)
    for (std::size_t i = 0; i < windows.oh; ++i)
      for (std::size_t j = 0; j < windows.ow; ++j, ++k) {
        at[k] = n * plane + argmax(in.data + n * plane, windows, i, j);
        y[k] = in.data[at[k]];
      }
  return op.template finish<PickNode<T>>(Picks{at, windows.h, windows.w, windows.oh, windows.ow},
                                         "max_pool2d");
}

}  // namespace

Var<float> max_pool2d(const Var<float>& x, const Pool2dArgs& args) {
  return max_pool2d_forward(x, args);
}
Var<double> max_pool2d(const Var<double>& x, const Pool2dArgs& args) {
  return max_pool2d_forward(x, args);
}

}  // namespace tapegrad
