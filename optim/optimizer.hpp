// Optimizer<T>: the base of the optimizers. It holds the Parameters it updates (copies share
// storage with the model's, see graph/parameter.hpp); step() applies one update from their
// accumulated gradients and zero_grad() clears those gradients for the next backward.
//
//   SGD<double> optimizer(model.parameters(), SGDOptions(0.1).momentum(0.9));
//   for (...) { optimizer.zero_grad(); model.loss(x, y).backward(); optimizer.step(); }
#pragma once

#include <vector>

#include "../graph/parameter.hpp"

namespace tapegrad {

template <class T>
class Optimizer {
 public:
  // Throws Error if a parameter is undefined (default-constructed).
  explicit Optimizer(std::vector<Parameter<T>> parameters);
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // One update of every parameter that requires grad; frozen parameters are left alone.
  virtual void step() = 0;
  // Sets every parameter's gradient to zero: lazily, writing nothing now (Parameter::zero_grad);
  // the next backward pass writes the gradients instead of adding to them.
  void zero_grad();

  const std::vector<Parameter<T>>& parameters() const { return parameters_; }

 protected:
  std::vector<Parameter<T>> parameters_;
};

extern template class Optimizer<float>;
extern template class Optimizer<double>;

}  // namespace tapegrad
