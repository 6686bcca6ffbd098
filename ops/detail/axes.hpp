// Axes for the reductions, shape ops and indexing: torch's negative axes, the shape a reduction
// leaves with and without its reduced axes, and a walk over a tensor's elements that finds the
// element of the reduced tensor each one goes to.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

#include "../../graph/shape.hpp"
#include "../broadcast.hpp"
#include "../ops.hpp"

namespace tapegrad::detail {

// `axis` for a tensor of `shape` (−1 is the last axis); throws ShapeError naming the op, the
// axis and the shape if it is out of range. A scalar has no axis.
std::size_t normalize_axis(std::string_view op, int axis, const Shape& shape);
// The same for an axis of a result of rank `rank` (unsqueeze's new axis may be one past the end).
std::size_t normalize_axis(std::string_view op, int axis, const Shape& shape, std::size_t rank);

// A reduction of `in` over some of its axes.
class AxisReduction {
 public:
  // Throws ShapeError naming the op for an axis out of range or given twice.
  AxisReduction(std::string_view op, const Shape& in, const Axes& dims, bool keepdim);

  const Shape& in() const { return in_; }
  // The result: reduced axes dropped, or kept as 1 with keepdim.
  const Shape& out() const { return keepdim_ ? kept_ : out_; }
  // The result with the reduced axes kept as 1, which broadcasts back to in().
  const Shape& kept() const { return kept_; }
  std::size_t count() const { return count_; }  // elements reduced into each result element
  bool reduced(std::size_t axis) const { return reduced_[axis]; }

  // Calls f(i, j) for each element i of in(), in order, with j its result element.
  template <class F>
  void for_each(F&& f) const {
    for_each_broadcast<1>(in_, {&kept_}, [&](std::size_t i, const auto& at) { f(i, at[0]); });
  }

 private:
  Shape in_, out_, kept_;
  std::array<bool, Shape::kMaxRank> reduced_{};
  std::size_t count_ = 1;
  bool keepdim_;
};

// The mean (into `mean`) and the variance Σ(a_i − mean)²/(N − correction) (into `out`) over r's
// axes, r.out().size() values each (ops/var.cpp; std uses it too).
template <class T>
void variance(const AxisReduction& r, const T* a, double correction, T* mean, T* out);

}  // namespace tapegrad::detail
