#include "axes.hpp"

#include <fmt/format.h>

#include <array>

#include "../../graph/errors.hpp"

namespace tapegrad::detail {

std::size_t normalize_axis(std::string_view op, int axis, const Shape& shape) {
  return normalize_axis(op, axis, shape, shape.rank());
}

std::size_t normalize_axis(std::string_view op, int axis, const Shape& shape, std::size_t rank) {
  const auto r = static_cast<long>(rank);
  if (rank == 0 || axis < -r || axis >= r)
    throw ShapeError(fmt::format(
        "{}: axis {} is out of range for {} (rank {}{})", op, axis, shape.str(), shape.rank(),
        rank == 0 ? ": a scalar has no axis" : fmt::format("; axes run from {} to {}", -r, r - 1)));
  return static_cast<std::size_t>(axis < 0 ? axis + r : axis);
}

AxisReduction::AxisReduction(std::string_view op, const Shape& in, const Axes& dims, bool keepdim)
    : in_(in), keepdim_(keepdim) {
  if (dims.all()) {
    reduced_.fill(true);
  } else {
    for (int axis : dims.list()) {
      const std::size_t a = normalize_axis(op, axis, in);
      if (reduced_[a])
        throw ShapeError(fmt::format("{}: axis {} of {} is given twice", op, axis, in.str()));
      reduced_[a] = true;
    }
  }
  // Fixed arrays, not vectors: a steady-state step reduces without heap allocations.
  std::array<std::size_t, Shape::kMaxRank> out{}, kept{};
  std::size_t out_rank = 0;
  for (std::size_t axis = 0; axis < in.rank(); ++axis) {
    if (reduced_[axis]) {
      count_ *= in[axis];
      kept[axis] = 1;
    } else {
      out[out_rank++] = in[axis];
      kept[axis] = in[axis];
    }
  }
  out_ = Shape(std::span<const std::size_t>(out.data(), out_rank));
  kept_ = Shape(std::span<const std::size_t>(kept.data(), in.rank()));
}

}  // namespace tapegrad::detail
