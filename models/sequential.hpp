// Sequential<T>: single-input modules applied in order, as torch::nn::Sequential. Its children
// are named by position counting every module, activations included, so that its state dict
// has torch's names ("0.weight", "2.weight" for Linear, ReLU, Linear). Models with several
// inputs or states are user modules.
//
//   Sequential<float> net{std::make_shared<Linear<float>>(4, 8), std::make_shared<ReLU<float>>(),
//                         std::make_shared<Linear<float>>(8, 3)};
//   Var<float> y = net.forward(x);
#pragma once

#include "module_list.hpp"

namespace tapegrad {

template <class T>
class Sequential : public ModuleList<T> {
 public:
  using ModuleList<T>::ModuleList;

  // Each child's forward on the previous one's output, first to last (x itself if empty).
  Var<T> forward(const Var<T>& x) override;
};

extern template class Sequential<float>;
extern template class Sequential<double>;

}  // namespace tapegrad
