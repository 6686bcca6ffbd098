// Shape of a dense row-major tensor: up to kMaxRank dimensions kept inline, so that recording
// an op never touches the heap. Rank 0 is a scalar (one element).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>

namespace tapegrad {

class Shape {
 public:
  static constexpr std::size_t kMaxRank = 8;

  Shape() = default;  // rank 0: a scalar
  // Throws ShapeError for more than kMaxRank dimensions, a dimension of 2^32 or more, a product
  // of the dimensions in order that passes 2^64 on the way, or 2^56 elements or more.
  Shape(std::initializer_list<std::size_t> dims);
  explicit Shape(std::span<const std::size_t> dims);

  std::size_t rank() const { return size_rank_ & kRankMask; }
  std::size_t operator[](std::size_t axis) const { return dims_[axis]; }
  std::span<const std::uint32_t> dims() const { return {dims_.data(), rank()}; }

  // Number of elements: the product of the dimensions (1 for a scalar), kept from construction.
  std::size_t size() const { return size_rank_ >> kRankBits; }

  friend bool operator==(const Shape& a, const Shape& b) {
    // Equal ranks and sizes, then the dimensions.
    if (a.size_rank_ != b.size_rank_) return false;
    for (std::size_t i = 0; i < a.rank(); ++i)
      if (a.dims_[i] != b.dims_[i]) return false;
    return true;
  }

  // "[2,3]", the form every error message uses.
  std::string str() const;
  // "[1,2]": the index of the element at row-major position `flat`, in the same form.
  std::string index_str(std::size_t flat) const;

 private:
  // NOTE: 32-bit dimensions, and the rank in the low byte of the element count, keep a Shape at
  // 40 bytes; every value on the tape holds one, so this is memory traffic on each recorded op.
  // The count is read with one shift: size() is on every op's path.
  static constexpr unsigned kRankBits = 8;
  static constexpr std::uint64_t kRankMask = (std::uint64_t{1} << kRankBits) - 1;
  static constexpr std::uint64_t kMaxSize = (std::uint64_t{1} << (64 - kRankBits)) - 1;
  std::uint64_t size_rank_ = std::uint64_t{1} << kRankBits;  // element count << 8 | rank
  std::array<std::uint32_t, kMaxRank> dims_{};
};

}  // namespace tapegrad
