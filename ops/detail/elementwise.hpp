// The forward of a binary elementwise op (add, sub, mul): out = f(x, y) on the op's output, with
// NumPy broadcasting. Equal shapes, the common case, take a plain loop (one element without the
// loop's set-up); the broadcasting code stays out of line, so that the hot path stays small: on a
// deep tape of scalars this is a tenth of the cost of recording an op.
#pragma once

#include <cstddef>

#include "../../graph/op.hpp"
#include "../broadcast.hpp"

namespace tapegrad::detail {

template <class T, class F>
[[gnu::noinline]] void binary_forward_broadcast(Op<T>& op, const Value<T>& x, const Value<T>& y,
                                                F f) {
  const auto plan = Broadcast::plan(op.name(), x.shape, y.shape);
  T* out = op.output(plan.shape());
  plan.for_each(
      [&](std::size_t i, std::size_t ia, std::size_t ib) { out[i] = f(x.data[ia], y.data[ib]); });
}

// Computes op's output from its two inputs; throws ShapeError naming the op if they cannot be
// broadcast together.
template <class T, class F>
void binary_forward(Op<T>& op, F f) {
  const Value<T>&x = op.input(0), &y = op.input(1);
  if (!(x.shape == y.shape)) {
    binary_forward_broadcast(op, x, y, f);
    return;
  }
  T* out = op.output(x.shape);
  if (const std::size_t n = x.size(); n == 1)
    out[0] = f(x.data[0], y.data[0]);
  else
    for (std::size_t i = 0; i < n; ++i) out[i] = f(x.data[i], y.data[i]);
}

}  // namespace tapegrad::detail
