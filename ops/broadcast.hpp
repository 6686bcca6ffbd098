// NumPy-style broadcasting for elementwise ops: the output shape, and a loop that visits every
// output element with the offsets of the input elements it reads. For two operands the common
// cases (same shape, a scalar, a bias row added to a batch) get straight loops; any number of
// operands (where's three) take for_each_broadcast.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

#include "../graph/shape.hpp"

namespace tapegrad::detail {

class Broadcast {
 public:
  // Throws ShapeError naming the op and both shapes if they cannot be broadcast together. The
  // plan refers to `a` and `b`, which must outlive it.
  static Broadcast plan(std::string_view op, const Shape& a, const Shape& b) {
    if (a == b) return Broadcast(a, b);  // the common case, inline: nothing to work out or copy
    return plan_broadcast(op, a, b);
  }

  const Shape& shape() const { return kind_ == Kind::kSame ? *a_ : out_.shape; }

  // Calls f(i, ia, ib) for each output element i, in order, with the input offsets it reads.
  template <class F>
  void for_each(F&& f) const {
    const std::size_t n = shape().size();
    if (n == 1) {  // NOTE: one element reads offset 0 of both inputs whatever the kind; scalar
      f(std::size_t{0}, std::size_t{0}, std::size_t{0});  // ops skip the loops' set-up
      return;
    }
    switch (kind_) {
      case Kind::kSame:
        for (std::size_t i = 0; i < n; ++i) f(i, i, i);
        return;
      case Kind::kScalarB:
        for (std::size_t i = 0; i < n; ++i) f(i, i, std::size_t{0});
        return;
      case Kind::kScalarA:
        for (std::size_t i = 0; i < n; ++i) f(i, std::size_t{0}, i);
        return;
      case Kind::kTrailingB:  // b repeats along a's leading axes: a bias row on a batch
        for (std::size_t i = 0; i < n; i += inner_)
          for (std::size_t j = 0; j < inner_; ++j) f(i + j, i + j, j);
        return;
      case Kind::kTrailingA:
        for (std::size_t i = 0; i < n; i += inner_)
          for (std::size_t j = 0; j < inner_; ++j) f(i + j, j, i + j);
        return;
      case Kind::kGeneral:
        general(f);
        return;
    }
  }

 private:
  enum class Kind { kSame, kScalarA, kScalarB, kTrailingA, kTrailingB, kGeneral };

  Broadcast() = default;
  Broadcast(const Shape& a, const Shape& b) : kind_(Kind::kSame), a_(&a), b_(&b) {}
  static Broadcast plan_broadcast(std::string_view op, const Shape& a, const Shape& b);

  template <class F>
  void general(F& f) const {
    std::array<std::size_t, Shape::kMaxRank> index{}, stride_a{}, stride_b{};
    strides_over(*a_, out_.shape.rank(), stride_a);
    strides_over(*b_, out_.shape.rank(), stride_b);
    std::size_t ia = 0, ib = 0;
    const std::size_t rank = out_.shape.rank(), n = out_.shape.size();
    for (std::size_t i = 0; i < n; ++i) {
      f(i, ia, ib);
      // Advance the multi-index like an odometer, moving the input offsets along.
      for (std::size_t axis = rank; axis-- > 0;) {
        ia += stride_a[axis];
        ib += stride_b[axis];
        if (++index[axis] < out_.shape[axis]) break;
        ia -= stride_a[axis] * out_.shape[axis];
        ib -= stride_b[axis] * out_.shape[axis];
        index[axis] = 0;
      }
    }
  }
  // Strides of `in` over an output of rank `rank`, aligned at the right; 0 where in has size 1.
  static void strides_over(const Shape& in, std::size_t rank,
                           std::array<std::size_t, Shape::kMaxRank>& strides);

  // The output's shape, except for kSame, where it is a's. NOTE: a union, so that the inline
  // same-shape plan does not pay for initialising a Shape it never uses.
  union OutputShape {
    OutputShape() {}
    Shape shape;
  } out_;
  Kind kind_ = Kind::kGeneral;
  std::size_t inner_ = 1;  // size of the smaller operand for the kTrailing cases
  // The operands' shapes; a plan lives no longer than they do.
  const Shape* a_ = nullptr;
  const Shape* b_ = nullptr;
};

// The shape `a` and `b` broadcast to; throws ShapeError naming the op and both shapes if they
// do not.
Shape broadcast_shapes(std::string_view op, const Shape& a, const Shape& b);

// Calls f(i, offsets) for each element i of `out`, in order, with offsets[k] the element of
// ins[k] it reads; each ins[k] must broadcast to `out`.
template <std::size_t N, class F>
void for_each_broadcast(const Shape& out, const std::array<const Shape*, N>& ins, F&& f) {
  using Strides = std::array<std::size_t, Shape::kMaxRank>;
  std::array<Strides, N> strides{};
  const std::size_t rank = out.rank();
  for (std::size_t k = 0; k < N; ++k) {
    std::size_t stride = 1;
    for (std::size_t j = 0; j < ins[k]->rank(); ++j) {
      const std::size_t axis_in = ins[k]->rank() - 1 - j, axis_out = rank - 1 - j;
      strides[k][axis_out] = (*ins[k])[axis_in] == 1 ? 0 : stride;
      stride *= (*ins[k])[axis_in];
    }
  }
  std::array<std::size_t, Shape::kMaxRank> index{};
  std::array<std::size_t, N> offsets{};
  for (std::size_t i = 0, n = out.size(); i < n; ++i) {
    f(i, offsets);
    for (std::size_t axis = rank; axis-- > 0;) {  // an odometer over the output's axes
      for (std::size_t k = 0; k < N; ++k) offsets[k] += strides[k][axis];
      if (++index[axis] < out[axis]) break;
      for (std::size_t k = 0; k < N; ++k) offsets[k] -= strides[k][axis] * out[axis];
      index[axis] = 0;
    }
  }
}

}  // namespace tapegrad::detail
