// nll_loss(log_probs, target): −log_probs[i, target_i] per row, for log-probabilities [n,c] (or
// one row [c]) and class indices [n] (or []), reduced: the mean over the rows whose target is not
// ignore_index (NaN if there are none, as in torch), the sum, or none (ignored rows give 0). Made
// of gather and the arithmetic ops, so its gradient, −1 at each picked log-probability (divided
// by the count for the mean), comes from theirs.
#include <fmt/format.h>

#include "detail/indices.hpp"
#include "detail/losses.hpp"

namespace tapegrad {
namespace {

template <class T>
Var<T> nll_forward(const Var<T>& log_probs, const IndexTensor& target, Reduction reduction,
                   std::int64_t ignore_index) {
  const Shape& s = log_probs.shape();
  const bool one_row = s.rank() == 1;
  if (!((s.rank() == 2 && target.rank() == 1 && target.shape()[0] == s[0]) ||
        (one_row && target.rank() == 0)))
    throw ShapeError(
        fmt::format("nll_loss: log-probabilities {} and targets {}: expected [n,c] "
                    "with [n], or [c] with []",
                    s.str(), target.shape().str()));
  const std::size_t rows = one_row ? 1 : s[0], classes = s[s.rank() - 1];
  detail::check_indices(
      "nll_loss", target, classes, [&] { return fmt::format("the {} classes", classes); },
      ignore_index);
  // Ignored rows pick class 0 and are then weighted 0. The picks and weights are this thread's
  // tensors, reused while the row count stays: gather and the constant copy them onto the tape,
  // so a training step allocates nothing here.
  thread_local IndexTensor picks;
  thread_local Tensor<T> kept;
  if (picks.shape() != Shape{rows, 1}) picks = IndexTensor(Shape{rows, 1});
  if (kept.shape() != Shape{rows}) kept = Tensor<T>(Shape{rows});
  std::size_t counted = 0;
  for (std::size_t r = 0; r < rows; ++r) {
    const bool ignored = target[r] == ignore_index;
    picks[r] = ignored ? 0 : target[r];
    kept[r] = ignored ? T(0) : T(1);
    counted += ignored ? 0 : 1;
  }
  return detail::all_or_nothing<T>([&] {
    const Var<T> table = one_row ? reshape(log_probs, Shape{1, classes}) : log_probs;
    const Var<T> picked = neg(reshape(gather(table, 1, picks), Shape{rows}));
    // Weighted only if a row is ignored: a weight of 1 changes nothing.
    const Var<T> per_row = counted == rows ? picked : mul(picked, Var<T>(kept));
    switch (reduction) {
      case Reduction::kNone:
        return one_row ? reshape(per_row, Shape{}) : per_row;
      case Reduction::kSum:
        return sum(per_row);
      case Reduction::kMean:
        break;
    }
    return div(sum(per_row), static_cast<T>(counted));
  });
}

}  // namespace

Var<float> nll_loss(const Var<float>& log_probs, const IndexTensor& target, Reduction reduction,
                    std::int64_t ignore_index) {
  return nll_forward(log_probs, target, reduction, ignore_index);
}
Var<double> nll_loss(const Var<double>& log_probs, const IndexTensor& target, Reduction reduction,
                     std::int64_t ignore_index) {
  return nll_forward(log_probs, target, reduction, ignore_index);
}

}  // namespace tapegrad
