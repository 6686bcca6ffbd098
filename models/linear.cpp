#include "linear.hpp"

#include <fmt/format.h>

#include <cmath>

#include "../graph/errors.hpp"
#include "../graph/hot.hpp"
#include "../ops/ops.hpp"

namespace tapegrad {

template <class T>
Linear<T>::Linear(const LinearOptions& options)
    : in_features_(options.in_features()), out_features_(options.out_features()) {
  if (in_features_ == 0 || out_features_ == 0)
    throw Error(fmt::format("Linear: in_features and out_features must be > 0, got ({}, {})",
                            in_features_, out_features_));
  weight = Parameter<T>(Tensor<T>(Shape{out_features_, in_features_}), "weight");
  this->register_parameter("weight", weight);
  if (options.bias()) {
    bias = Parameter<T>(Tensor<T>(Shape{out_features_}), "bias");
    this->register_parameter("bias", bias);
  }
  reset_parameters(options.generator() ? *options.generator() : default_generator());
}

template <class T>
void Linear<T>::reset_parameters(Generator& generator) {
  // PyTorch's default (kaiming_uniform with a = √5, and the bias rule) reduces to U(−k, k)
  // with k = 1/√in for both.
  const double bound = 1.0 / std::sqrt(static_cast<double>(in_features_));
  weight.assign(uniform_tensor(weight.shape(), T(-bound), T(bound), generator));
  if (bias.defined()) bias.assign(uniform_tensor(bias.shape(), T(-bound), T(bound), generator));
}

template <class T>
TAPEGRAD_HOT Var<T> Linear<T>::forward(const Var<T>& x) {
  return bias.defined() ? linear(x, weight, bias) : linear(x, weight);
}

template class Linear<float>;
template class Linear<double>;

}  // namespace tapegrad
