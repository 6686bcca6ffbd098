// index_select(a, dim, index): the entries of a at the positions `index` (1-D) along one axis;
// an index may repeat. Each output element is one input element, so the gradient adds the
// output's gradient into the entries picked, once per pick: an index_add into zeros, itself an op
// whose gradient is the index_select again.
#include <fmt/format.h>

#include <algorithm>

#include "../graph/op.hpp"
#include "detail/axes.hpp"
#include "detail/indices.hpp"
#include "detail/slices.hpp"
#include "ops.hpp"

namespace tapegrad {
namespace {

struct IndexSpec {
  std::size_t axis, count;
  const std::int64_t* index;  // on the tape
};

// Calls f(i, j) for element i of the selection and element j of the whole tensor.
template <class F>
void for_each_selected(const Shape& whole, const IndexSpec& s, F&& f) {
  const detail::AxisSlices w(whole, s.axis);
  std::size_t i = 0;
  for (std::size_t o = 0; o < w.outer; ++o)
    for (std::size_t k = 0; k < s.count; ++k)
      for (std::size_t in = 0; in < w.inner; ++in)
        f(i++, w.at(o, static_cast<std::size_t>(s.index[k]), in));
}

template <class T>
IndexTensor index_tensor(const IndexSpec& s) {
  return IndexTensor(Shape{s.count}, std::vector<std::int64_t>(s.index, s.index + s.count));
}

template <class T>
Var<T> index_add(const Var<T>& g, const Shape& whole, const IndexSpec& s);

template <class T>
class IndexSelectNode final : public Node<T> {
 public:
  explicit IndexSelectNode(const IndexSpec& s) : s_(s) {}
  std::string_view name() const override { return "index_select"; }
  std::string derivative(std::size_t) const override { return "1"; }
  void backward(const BackwardContext<T>& ctx) const override {
    const Value<T>& a = this->input(0);
    T* ga = ctx.input_grad(0, a.shape);
    const T* g = ctx.grad_output();
    for_each_selected(a.shape, s_, [&](std::size_t i, std::size_t j) { ga[j] += g[i]; });
  }
  void vjp(const VjpContext<T>& ctx) const override {  // added back at the picked entries
    ctx.add_input_grad(0, index_add(ctx.grad_output(), this->input(0).shape, s_));
  }

 private:
  IndexSpec s_;
};

template <class T>
class IndexAddNode final : public Node<T> {
 public:
  explicit IndexAddNode(const IndexSpec& s) : s_(s) {}
  std::string_view name() const override { return "index_add"; }
  std::string derivative(std::size_t) const override { return "1"; }
  void vjp(const VjpContext<T>& ctx) const override {  // the entries picked, again
    ctx.add_input_grad(
        0, index_select(ctx.grad_output(), static_cast<int>(s_.axis), index_tensor<T>(s_)));
  }

 private:
  IndexSpec s_;
};

template <class T>
Var<T> index_add(const Var<T>& g, const Shape& whole, const IndexSpec& s) {
  Op<T> op("index_add", g);
  const Value<T>& in = op.input(0);
  T* out = op.output(whole);
  std::fill_n(out, whole.size(), T(0));
  for_each_selected(whole, s, [&](std::size_t i, std::size_t j) { out[j] += in.data[i]; });
  return op.template finish<IndexAddNode<T>>(s);
}

template <class T>
Var<T> index_select_forward(const Var<T>& a, int dim, const IndexTensor& index) {
  Op<T> op("index_select", a);
  const Value<T>& in = op.input(0);
  const std::size_t axis = detail::normalize_axis("index_select", dim, in.shape);
  if (index.rank() != 1)
    throw ShapeError(
        fmt::format("index_select: the indices must be 1-D, got shape {}", index.shape().str()));
  detail::check_indices("index_select", index, in.shape[axis],
                        [&] { return fmt::format("axis {} of {}", dim, in.shape.str()); });
  const IndexSpec s{axis, index.size(), detail::save_indices(op, index)};
  T* out = op.output(detail::with_axis(in.shape, axis, s.count));
  for_each_selected(in.shape, s, [&](std::size_t i, std::size_t j) { out[i] = in.data[j]; });
  return op.template finish<IndexSelectNode<T>>(s);
}

}  // namespace

Var<float> index_select(const Var<float>& a, int dim, const IndexTensor& index) {
  return index_select_forward(a, dim, index);
}
Var<double> index_select(const Var<double>& a, int dim, const IndexTensor& index) {
  return index_select_forward(a, dim, index);
}

}  // namespace tapegrad
