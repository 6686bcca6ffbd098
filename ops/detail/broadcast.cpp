#include "../broadcast.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <new>

#include "../../graph/errors.hpp"

namespace tapegrad::detail {

namespace {

// True if `small`, without its leading 1s, equals the trailing axes of `big`.
bool is_trailing(const Shape& small, const Shape& big) {
  std::size_t first = 0;
  while (first < small.rank() && small[first] == 1) ++first;
  const std::size_t rank = small.rank() - first;
  if (rank > big.rank()) return false;
  for (std::size_t k = 0; k < rank; ++k)
    if (small[first + k] != big[big.rank() - rank + k]) return false;
  return true;
}

}  // namespace

void Broadcast::strides_over(const Shape& in, std::size_t rank,
                             std::array<std::size_t, Shape::kMaxRank>& strides) {
  std::size_t stride = 1;
  for (std::size_t k = 0; k < in.rank(); ++k) {
    const std::size_t axis_in = in.rank() - 1 - k, axis_out = rank - 1 - k;
    strides[axis_out] = in[axis_in] == 1 ? 0 : stride;
    stride *= in[axis_in];
  }
}

Broadcast Broadcast::plan_broadcast(std::string_view op, const Shape& a, const Shape& b) {
  Broadcast plan;
  plan.a_ = &a;
  plan.b_ = &b;
  const std::size_t rank = std::max(a.rank(), b.rank());
  std::array<std::size_t, Shape::kMaxRank> dims{};
  for (std::size_t k = 0; k < rank; ++k) {
    const std::size_t da = k < a.rank() ? a[a.rank() - 1 - k] : 1;
    const std::size_t db = k < b.rank() ? b[b.rank() - 1 - k] : 1;
    if (da != db && da != 1 && db != 1)
      throw ShapeError(fmt::format(
          "{}: {} and {} cannot be broadcast together: sizes {} and {} differ on axis {} from the "
          "right and neither is 1",
          op, a.str(), b.str(), da, db, k));
    dims[rank - 1 - k] = da == 1 ? db : da;  // NumPy: a size of 1 goes to the other, 0 too
  }
  ::new (&plan.out_.shape) Shape(std::span<const std::size_t>(dims.data(), rank));

  if (b.size() == 1 && a == plan.out_.shape) {
    plan.kind_ = Kind::kScalarB;
  } else if (a.size() == 1 && b == plan.out_.shape) {
    plan.kind_ = Kind::kScalarA;
  } else if (a == plan.out_.shape && is_trailing(b, a)) {
    plan.kind_ = Kind::kTrailingB;
    plan.inner_ = b.size();
  } else if (b == plan.out_.shape && is_trailing(a, b)) {
    plan.kind_ = Kind::kTrailingA;
    plan.inner_ = a.size();
  }
  // A zero-size trailing operand cannot drive the blocked loops; the general loop handles it.
  if (plan.inner_ == 0) plan.kind_ = Kind::kGeneral;
  return plan;
}

Shape broadcast_shapes(std::string_view op, const Shape& a, const Shape& b) {
  if (a == b) return a;
  return Broadcast::plan(op, a, b).shape();
}

}  // namespace tapegrad::detail
