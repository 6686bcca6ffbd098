#include "random.hpp"

#include <cmath>
#include <numbers>

namespace tapegrad {

double Generator::normal(double mean, double std) {
  // Box–Muller: for u1 in (0, 1] and u2 in [0, 1), √(−2 ln u1)·cos(2π u2) is N(0, 1).
  // NOTE: u1 = 1 − uniform() lies in (0, 1], so the logarithm is always finite.
  const double u1 = 1.0 - uniform();
  const double u2 = uniform();
  return mean + std * std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

Generator& default_generator() {
  thread_local Generator generator;
  return generator;
}

void manual_seed(std::uint64_t seed) {
  default_generator().seed(seed);
}

namespace {

template <class T, class Draw>
Tensor<T> draw_tensor(const Shape& shape, Draw draw) {
  Tensor<T> tensor(shape);
  for (T& value : tensor.values()) value = static_cast<T>(draw());
  return tensor;
}

}  // namespace

Tensor<float> uniform_tensor(const Shape& shape, float lo, float hi, Generator& generator) {
  return draw_tensor<float>(shape, [&] { return generator.uniform(lo, hi); });
}
Tensor<double> uniform_tensor(const Shape& shape, double lo, double hi, Generator& generator) {
  return draw_tensor<double>(shape, [&] { return generator.uniform(lo, hi); });
}
Tensor<float> normal_tensor(const Shape& shape, float mean, float std, Generator& generator) {
  return draw_tensor<float>(shape, [&] { return generator.normal(mean, std); });
}
Tensor<double> normal_tensor(const Shape& shape, double mean, double std, Generator& generator) {
  return draw_tensor<double>(shape, [&] { return generator.normal(mean, std); });
}

}  // namespace tapegrad
