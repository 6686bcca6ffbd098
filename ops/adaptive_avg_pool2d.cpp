// adaptive_avg_pool2d(x, {oh, ow}): the mean over oh × ow bins that cover the input, torch's: bin
// i of n over H rows spans rows ⌊i·H/n⌋ to ⌈(i+1)·H/n⌉ (exclusive), so bins may overlap when H is
// not a multiple of n; {1, 1} is the global average. Linear, with the gradient of avg_pool2d
// (ops/detail/pool.hpp).
#include "../graph/op.hpp"
#include "conv.hpp"
#include "detail/pool.hpp"

namespace tapegrad {
namespace {

template <class T>
Var<T> adaptive_avg_pool2d_forward(const Var<T>& x, std::array<std::size_t, 2> output_size) {
  Op<T> op("adaptive_avg_pool2d", x);
  const detail::PoolWindows windows = detail::adaptive_windows(op, output_size);
  return detail::average_windows(op, windows);
}

}  // namespace

Var<float> adaptive_avg_pool2d(const Var<float>& x, std::array<std::size_t, 2> output_size) {
  return adaptive_avg_pool2d_forward(x, output_size);
}
Var<double> adaptive_avg_pool2d(const Var<double>& x, std::array<std::size_t, 2> output_size) {
  return adaptive_avg_pool2d_forward(x, output_size);
}

}  // namespace tapegrad
