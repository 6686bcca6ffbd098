#include "shape.hpp"

#include <fmt/format.h>

#include <limits>

#include "errors.hpp"
#include "hot.hpp"

namespace tapegrad {

TAPEGRAD_HOT Shape::Shape(std::initializer_list<std::size_t> dims)
    : Shape(std::span<const std::size_t>(dims.begin(), dims.size())) {}

TAPEGRAD_HOT Shape::Shape(std::span<const std::size_t> dims) {
  if (dims.size() > kMaxRank)
    throw ShapeError(
        fmt::format("shape of rank {} exceeds the maximum rank {}", dims.size(), kMaxRank));
  std::size_t size = 1;
  for (std::size_t i = 0; i < dims.size(); ++i) {
    if (dims[i] > std::numeric_limits<std::uint32_t>::max())
      throw ShapeError(fmt::format("shape [{}]: dimension {} is {}; dimensions must be below 2^32",
                                   fmt::join(dims, ","), i, dims[i]));
    dims_[i] = static_cast<std::uint32_t>(dims[i]);
    if (__builtin_mul_overflow(size, dims[i], &size))
      throw ShapeError(
          fmt::format("shape [{}] has more elements than fit in 64 bits", fmt::join(dims, ",")));
  }
  if (size > kMaxSize)
    throw ShapeError(fmt::format(
        "shape [{}] has 2^56 elements or more, more than a tensor can have", fmt::join(dims, ",")));
  size_rank_ = size << kRankBits | dims.size();
}

std::string Shape::str() const {
  return fmt::format("[{}]", fmt::join(dims(), ","));
}

std::string Shape::index_str(std::size_t flat) const {
  std::array<std::size_t, kMaxRank> index{};
  for (std::size_t axis = rank(); axis-- > 0;) {
    index[axis] = flat % dims_[axis];
    flat /= dims_[axis];
  }
  return fmt::format("[{}]", fmt::join(index.begin(), index.begin() + rank(), ","));
}

}  // namespace tapegrad
