// Tensor factories as torch names them: zeros, ones, full, arange, linspace, eye, rand, randn,
// and the *_like forms that take another tensor's shape. The element type is the template
// argument (double if none): zeros<float>({2, 3}). rand and randn draw from this thread's default
// generator (manual_seed reseeds it) unless given one.
#pragma once

#include <cstdint>

#include "random.hpp"
#include "shape.hpp"
#include "tensor.hpp"

namespace tapegrad {

template <class T = double>
Tensor<T> zeros(const Shape& shape) {
  return Tensor<T>(shape);
}
template <class T = double>
Tensor<T> ones(const Shape& shape) {
  return Tensor<T>::full(shape, T(1));
}
template <class T = double>
Tensor<T> full(const Shape& shape, T value) {
  return Tensor<T>::full(shape, value);
}
// start, start + step, ... up to but not including end (step ≠ 0, either sign), as torch.arange.
// Throws Error for a step of 0 or of the wrong sign.
template <class T = double>
Tensor<T> arange(double start, double end, double step = 1);
template <class T = double>
Tensor<T> arange(double end) {
  return arange<T>(0, end, 1);
}
// `steps` values from start to end, both included (torch.linspace); one value is start.
template <class T = double>
Tensor<T> linspace(double start, double end, std::size_t steps);
// The n × m identity (m = n if not given).
template <class T = double>
Tensor<T> eye(std::size_t n, std::size_t m = 0);
// U[0, 1) and N(0, 1) draws.
template <class T = double>
Tensor<T> rand(const Shape& shape, Generator& generator = default_generator());
template <class T = double>
Tensor<T> randn(const Shape& shape, Generator& generator = default_generator());

template <class T>
Tensor<T> zeros_like(const Tensor<T>& t) {
  return zeros<T>(t.shape());
}
template <class T>
Tensor<T> ones_like(const Tensor<T>& t) {
  return ones<T>(t.shape());
}
template <class T>
Tensor<T> full_like(const Tensor<T>& t, T value) {
  return full<T>(t.shape(), value);
}
template <class T>
Tensor<T> rand_like(const Tensor<T>& t, Generator& generator = default_generator()) {
  return rand<T>(t.shape(), generator);
}
template <class T>
Tensor<T> randn_like(const Tensor<T>& t, Generator& generator = default_generator()) {
  return randn<T>(t.shape(), generator);
}

extern template Tensor<float> arange(double, double, double);
extern template Tensor<double> arange(double, double, double);
extern template Tensor<std::int64_t> arange(double, double, double);
extern template Tensor<float> linspace(double, double, std::size_t);
extern template Tensor<double> linspace(double, double, std::size_t);
extern template Tensor<float> eye(std::size_t, std::size_t);
extern template Tensor<double> eye(std::size_t, std::size_t);
extern template Tensor<float> rand(const Shape&, Generator&);
extern template Tensor<double> rand(const Shape&, Generator&);
extern template Tensor<float> randn(const Shape&, Generator&);
extern template Tensor<double> randn(const Shape&, Generator&);

}  // namespace tapegrad
