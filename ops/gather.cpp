// gather(a, dim, index): out[i][j][k] = a[index[i][j][k]][j][k] for dim 0 (likewise for the
// other axes), torch's gather: index has a's rank and, off dim, no axis longer than a's. Each
// output element is one input element, so the gradient is a scatter-add of the output's gradient
// into zeros: an op of its own, whose gradient is the gather again.
#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "../graph/op.hpp"
#include "detail/axes.hpp"
#include "detail/indices.hpp"
#include "ops.hpp"

namespace tapegrad {
namespace {

struct GatherSpec {
  std::size_t axis;
  Shape index_shape;
  const std::int64_t* index;  // on the tape
};

// Calls f(i, j) for element i of the gather (of the index's shape) and element j of `whole`.
template <class F>
void for_each_gathered(const Shape& whole, const GatherSpec& s, F&& f) {
  const std::size_t rank = whole.rank();
  std::array<std::size_t, Shape::kMaxRank> stride{}, index{};
  for (std::size_t k = rank, st = 1; k-- > 0;) {
    stride[k] = st;
    st *= whole[k];
  }
  for (std::size_t i = 0, n = s.index_shape.size(); i < n; ++i) {
    std::size_t j = 0;
    for (std::size_t k = 0; k < rank; ++k)
      j += (k == s.axis ? static_cast<std::size_t>(s.index[i]) : index[k]) * stride[k];
    f(i, j);
    for (std::size_t axis = rank; axis-- > 0;) {  // an odometer over the index's axes
      if (++index[axis] < s.index_shape[axis]) break;
      index[axis] = 0;
    }
  }
}

template <class T>
Var<T> scatter_add(const Var<T>& g, const Shape& whole, const GatherSpec& s);

template <class T>
class GatherNode final : public Node<T> {
 public:
  explicit GatherNode(const GatherSpec& s) : s_(s) {}
  std::string_view name() const override { return "gather"; }
  std::string derivative(std::size_t) const override { return "1"; }
  void backward(const BackwardContext<T>& ctx) const override {
    const Value<T>& a = this->input(0);
    T* ga = ctx.input_grad(0, a.shape);
    const T* g = ctx.grad_output();
    for_each_gathered(a.shape, s_, [&](std::size_t i, std::size_t j) { ga[j] += g[i]; });
  }
  void vjp(const VjpContext<T>& ctx) const override {  // scattered back, added where repeated
    ctx.add_input_grad(0, scatter_add(ctx.grad_output(), this->input(0).shape, s_));
  }

 private:
  GatherSpec s_;
};

template <class T>
class ScatterAddNode final : public Node<T> {
 public:
  explicit ScatterAddNode(const GatherSpec& s) : s_(s) {}
  std::string_view name() const override { return "scatter_add"; }
  std::string derivative(std::size_t) const override { return "1"; }
  void vjp(const VjpContext<T>& ctx) const override {  // gathered again
    const IndexTensor index(s_.index_shape,
                            std::vector<std::int64_t>(s_.index, s_.index + s_.index_shape.size()));
    ctx.add_input_grad(0, gather(ctx.grad_output(), static_cast<int>(s_.axis), index));
  }

 private:
  GatherSpec s_;
};

template <class T>
Var<T> scatter_add(const Var<T>& g, const Shape& whole, const GatherSpec& s) {
  Op<T> op("scatter_add", g);
  const Value<T>& in = op.input(0);
  T* out = op.output(whole);
  std::fill_n(out, whole.size(), T(0));
  for_each_gathered(whole, s, [&](std::size_t i, std::size_t j) { out[j] += in.data[i]; });
  return op.template finish<ScatterAddNode<T>>(s);
}

template <class T>
Var<T> gather_forward(const Var<T>& a, int dim, const IndexTensor& index) {
  Op<T> op("gather", a);
  const Value<T>& in = op.input(0);
  const std::size_t axis = detail::normalize_axis("gather", dim, in.shape);
  if (index.rank() != in.shape.rank())
    throw ShapeError(fmt::format("gather: the indices {} must have the rank of {}",
                                 index.shape().str(), in.shape.str()));
  for (std::size_t k = 0; k < in.shape.rank(); ++k)
    if (k != axis && index.shape()[k] > in.shape[k])
      throw ShapeError(fmt::format("gather: the indices {} are longer than {} on axis {}",
                                   index.shape().str(), in.shape.str(), k));
  detail::check_indices("gather", index, in.shape[axis],
                        [&] { return fmt::format("axis {} of {}", dim, in.shape.str()); });
  const GatherSpec s{axis, index.shape(), detail::save_indices(op, index)};
  T* out = op.output(index.shape());
  for_each_gathered(in.shape, s, [&](std::size_t i, std::size_t j) { out[i] = in.data[j]; });
  return op.template finish<GatherNode<T>>(s);
}

}  // namespace

Var<float> gather(const Var<float>& a, int dim, const IndexTensor& index) {
  return gather_forward(a, dim, index);
}
Var<double> gather(const Var<double>& a, int dim, const IndexTensor& index) {
  return gather_forward(a, dim, index);
}

}  // namespace tapegrad
