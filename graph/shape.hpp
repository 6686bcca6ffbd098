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
  // Throws ShapeError for more than kMaxRank dimensions, or a dimension of 2^32 or more.
  Shape(std::initializer_list<std::size_t> dims);
  explicit Shape(std::span<const std::size_t> dims);

  std::size_t rank() const { return rank_; }
  std::size_t operator[](std::size_t axis) const { return dims_[axis]; }
  std::span<const std::uint32_t> dims() const { return {dims_.data(), rank_}; }

  // Number of elements: the product of the dimensions (1 for a scalar), kept from construction.
  std::size_t size() const { return size_; }

  friend bool operator==(const Shape& a, const Shape& b) {
    if (a.rank_ != b.rank_) return false;
    for (std::size_t i = 0; i < a.rank_; ++i)
      if (a.dims_[i] != b.dims_[i]) return false;
    return true;
  }

  // "[2,3]", the form every error message uses.
  std::string str() const;
  // "[1,2]": the index of the element at row-major position `flat`, in the same form.
  std::string index_str(std::size_t flat) const;

 private:
  // NOTE: 32-bit dimensions keep a Shape at 48 bytes; every value on the tape holds one, so this
  // is memory traffic on each recorded op. The element count is 64-bit.
  std::size_t size_ = 1;
  std::array<std::uint32_t, kMaxRank> dims_{};
  std::uint32_t rank_ = 0;
};

}  // namespace tapegrad
