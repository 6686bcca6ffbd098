#include "tapegrad/graph/shape.hpp"

#include <fmt/format.h>

#include "tapegrad/graph/errors.hpp"

namespace tapegrad {

Shape::Shape(std::initializer_list<std::size_t> dims)
    : Shape(std::span<const std::size_t>(dims.begin(), dims.size())) {}

Shape::Shape(std::span<const std::size_t> dims) {
  if (dims.size() > kMaxRank)
    throw ShapeError(
        fmt::format("shape of rank {} exceeds the maximum rank {}", dims.size(), kMaxRank));
  rank_ = dims.size();
  for (std::size_t i = 0; i < rank_; ++i) dims_[i] = dims[i];
}

std::string Shape::str() const {
  return fmt::format("[{}]", fmt::join(dims(), ","));
}

}  // namespace tapegrad
