// The windows of the 2-D poolings (ops/max_pool2d.cpp, ops/avg_pool2d.cpp,
// ops/adaptive_avg_pool2d.cpp): the pooled axes are separable, so a window is a range of input
// rows times a range of input columns, kept per output row and per output column on the tape.
// The averages are one op, linear, whose vjp spreads each output's gradient back evenly over its
// window (the transpose, another op), whose vjp is the average again.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

#include "../../graph/op.hpp"
#include "../conv.hpp"

namespace tapegrad::detail {

struct PoolWindows {
  std::size_t h, w, oh, ow;  // the pooled axes of the input and of the output
  // Three per output row: the first input row of its window, one past the last, and the row
  // count the average divides by (padding included or not); the same per output column.
  const std::size_t* rows;
  const std::size_t* cols;
  // The kernel, stride and padding the windows come from (kernel 0 for adaptive bins) and
  // whether padding counts in the divisor: what oneDNN's pooling needs (pool_onednn.hpp).
  std::array<std::size_t, 2> kernel{}, stride{}, padding{};
  bool count_include_pad = false;
  std::size_t first_row(std::size_t i) const { return rows[3 * i]; }
  std::size_t end_row(std::size_t i) const { return rows[3 * i + 1]; }
  std::size_t first_col(std::size_t j) const { return cols[3 * j]; }
  std::size_t end_col(std::size_t j) const { return cols[3 * j + 1]; }
  std::size_t divisor(std::size_t i, std::size_t j) const {
    return rows[3 * i + 2] * cols[3 * j + 2];
  }
};

// The windows of max_pool2d (average = false: clipped to the input) or avg_pool2d (with torch's
// divisor) for the input of `op`; throws ShapeError naming the op and the sizes if the input is
// not [N, C, H, W] or [C, H, W], a kernel or stride is 0, the padding more than half the kernel,
// or the output would be empty.
template <class T>
PoolWindows pool_windows(Op<T>& op, const Pool2dArgs& args, bool average);
// adaptive_avg_pool2d's bins: ⌊i·H/n⌋ to ⌈(i+1)·H/n⌉.
template <class T>
PoolWindows adaptive_windows(Op<T>& op, std::array<std::size_t, 2> output_size);

// Records op (one input, x) as y = the mean of each window of x, named op.name().
template <class T>
Var<T> average_windows(Op<T>& op, const PoolWindows& windows);

// The leading axes of `shape` with the last two replaced by h, w.
Shape with_plane(const Shape& shape, std::size_t h, std::size_t w);
// The number of planes (the product of all axes but the last two).
std::size_t planes_of(const Shape& shape);

}  // namespace tapegrad::detail
