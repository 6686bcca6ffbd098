// avg_pool2d(x): the mean of each kernel-sized window, with torch's rules: stride defaults to the
// kernel, padding (at most half the kernel) is zeros that count in the divisor unless
// count_include_pad is false, and in ceil mode a window may run into the right padding (counted
// as far as the padding goes) but none starts there. The op is linear: its gradient spreads each
// output's gradient evenly over its window (ops/detail/pool.hpp).
#include "../graph/op.hpp"
#include "conv.hpp"
#include "detail/pool.hpp"

namespace tapegrad {
namespace {

template <class T>
Var<T> avg_pool2d_forward(const Var<T>& x, const Pool2dArgs& args) {
  Op<T> op("avg_pool2d", x);
  const detail::PoolWindows windows = detail::pool_windows(op, args, true);
  return detail::average_windows(op, windows);
}

}  // namespace

Var<float> avg_pool2d(const Var<float>& x, const Pool2dArgs& args) {
  return avg_pool2d_forward(x, args);
}
Var<double> avg_pool2d(const Var<double>& x, const Pool2dArgs& args) {
  return avg_pool2d_forward(x, args);
}

}  // namespace tapegrad
