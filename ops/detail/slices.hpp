// A tensor seen as slices along one axis: outer × length × inner, where element (o, k, i) is at
// (o·length + k)·inner + i. Softmax, log softmax, cat, slice and the indexing ops walk it.
#pragma once

#include <array>
#include <cstddef>
#include <span>

#include "../../graph/shape.hpp"

namespace tapegrad::detail {

struct AxisSlices {
  std::size_t outer = 1, length = 1, inner = 1;

  AxisSlices(const Shape& shape, std::size_t axis) {
    for (std::size_t k = 0; k < axis; ++k) outer *= shape[k];
    length = shape[axis];
    for (std::size_t k = axis + 1; k < shape.rank(); ++k) inner *= shape[k];
  }
  std::size_t at(std::size_t o, std::size_t k, std::size_t i) const {
    return (o * length + k) * inner + i;
  }
};

// The shape with axis `axis` set to `size` (1: the shape of a reduction over it, kept).
inline Shape with_axis(const Shape& shape, std::size_t axis, std::size_t size) {
  std::array<std::size_t, Shape::kMaxRank> dims{};
  for (std::size_t k = 0; k < shape.rank(); ++k) dims[k] = k == axis ? size : shape[k];
  return Shape(std::span<const std::size_t>(dims.data(), shape.rank()));
}

}  // namespace tapegrad::detail
