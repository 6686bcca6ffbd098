#include "axes.hpp"

#include <fmt/format.h>

#include <vector>

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
  std::vector<std::size_t> out, kept;
  for (std::size_t axis = 0; axis < in.rank(); ++axis) {
    if (reduced_[axis]) {
      count_ *= in[axis];
      kept.push_back(1);
    } else {
      out.push_back(in[axis]);
      kept.push_back(in[axis]);
    }
  }
  out_ = Shape(std::span<const std::size_t>(out));
  kept_ = Shape(std::span<const std::size_t>(kept));
}

}  // namespace tapegrad::detail
