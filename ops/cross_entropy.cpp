// cross_entropy(logits, target) = nll_loss(log_softmax(logits), target): cross entropy with
// class indices, for logits [n,c] (or [c]) and targets [n] (or []), reduced as nll_loss is. Its
// gradient, softmax − one-hot per row, comes from the two ops'.
#include "detail/losses.hpp"

namespace tapegrad {
namespace {

template <class T>
Var<T> cross_entropy_forward(const Var<T>& logits, const IndexTensor& target, Reduction reduction,
                             std::int64_t ignore_index) {
  return detail::all_or_nothing<T>(
      [&] { return nll_loss(log_softmax(logits, -1), target, reduction, ignore_index); });
}

}  // namespace

Var<float> cross_entropy(const Var<float>& logits, const IndexTensor& target, Reduction reduction,
                         std::int64_t ignore_index) {
  return cross_entropy_forward(logits, target, reduction, ignore_index);
}
Var<double> cross_entropy(const Var<double>& logits, const IndexTensor& target, Reduction reduction,
                          std::int64_t ignore_index) {
  return cross_entropy_forward(logits, target, reduction, ignore_index);
}

}  // namespace tapegrad
