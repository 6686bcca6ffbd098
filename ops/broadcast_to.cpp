// broadcast_to(a, shape): a repeated along the axes where `shape` is larger (NumPy's rules),
// giving a tensor of `shape`; expand(a, sizes) is torch's spelling, where −1 keeps a size. Each
// output element is one input element (derivative 1), so the gradient is the output's gradient
// summed back to a's shape (sum_to).
#include <fmt/format.h>

#include <array>
#include <cstdint>

#include "../graph/op.hpp"
#include "broadcast.hpp"
#include "ops.hpp"

namespace tapegrad {
namespace {

template <class T>
class BroadcastToNode final : public Node<T> {
 public:
  std::string_view name() const override { return "broadcast_to"; }
  std::string derivative(std::size_t) const override { return "1"; }

  void backward(const BackwardContext<T>& ctx) const override {
    const Value<T>&a = this->input(0), &out = this->output();
    const auto plan = detail::Broadcast::plan("broadcast_to", out.shape, a.shape);
    const T* g = ctx.grad_output();
    T* ga = ctx.input_grad(0, a.shape);
    plan.for_each([&](std::size_t i, std::size_t, std::size_t j) { ga[j] += g[i]; });
  }
  void vjp(const VjpContext<T>& ctx) const override {
    ctx.add_input_grad(0, sum_to(ctx.grad_output(), this->input(0).shape));
  }
};

template <class T>
Var<T> broadcast_to_forward(const Var<T>& a, const Shape& shape) {
  // Nothing to do for the same shape: the value itself (and no node on the tape).
  if (a.defined() && a.shape() == shape) return a;
  Op<T> op("broadcast_to", a);
  const Value<T>& in = op.input(0);
  const auto plan = detail::Broadcast::plan("broadcast_to", shape, in.shape);
  if (!(plan.shape() == shape))
    throw ShapeError(
        fmt::format("broadcast_to: {} does not broadcast to {}", in.shape.str(), shape.str()));
  T* out = op.output(shape);
  plan.for_each([&](std::size_t i, std::size_t, std::size_t j) { out[i] = in.data[j]; });
  return op.template finish<BroadcastToNode<T>>();
}

template <class T>
Var<T> expand_forward(const Var<T>& a, std::initializer_list<std::int64_t> sizes) {
  const Shape& in = a.shape();
  if (sizes.size() < in.rank() || sizes.size() > Shape::kMaxRank)
    throw ShapeError(fmt::format("expand: {} cannot expand to {} sizes", in.str(), sizes.size()));
  std::array<std::size_t, Shape::kMaxRank> dims{};
  const std::size_t lead = sizes.size() - in.rank();
  std::size_t k = 0;
  for (const std::int64_t size : sizes) {
    if (size == -1 && k >= lead)
      dims[k] = in[k - lead];
    else if (size < 0)
      throw ShapeError(
          fmt::format("expand: size {} for axis {} of {} (−1 keeps an existing "
                      "axis's size; new leading axes need a size)",
                      size, k, in.str()));
    else
      dims[k] = static_cast<std::size_t>(size);
    ++k;
  }
  const Shape target(std::span<const std::size_t>(dims.data(), sizes.size()));
  for (std::size_t j = 0; j < in.rank(); ++j)
    if (const std::size_t d = in[j]; d != 1 && d != target[lead + j])
      throw ShapeError(
          fmt::format("expand: {} cannot expand to {}: axis {} has size {}, which only "
                      "a size of 1 could become",
                      in.str(), target.str(), j, d));
  return broadcast_to_forward(a, target);
}

}  // namespace

Var<float> expand(const Var<float>& a, std::initializer_list<std::int64_t> sizes) {
  return expand_forward(a, sizes);
}
Var<double> expand(const Var<double>& a, std::initializer_list<std::int64_t> sizes) {
  return expand_forward(a, sizes);
}

Var<float> broadcast_to(const Var<float>& a, const Shape& shape) {
  return broadcast_to_forward(a, shape);
}
Var<double> broadcast_to(const Var<double>& a, const Shape& shape) {
  return broadcast_to_forward(a, shape);
}

}  // namespace tapegrad
