#include "factories.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "errors.hpp"

namespace tapegrad {

template <class T>
Tensor<T> arange(double start, double end, double step) {
  if (step == 0 || !std::isfinite(start) || !std::isfinite(end) || !std::isfinite(step))
    throw Error(fmt::format("arange({}, {}, {}): the bounds must be finite and the step non-zero",
                            start, end, step));
  if ((end - start) * step < 0)
    throw Error(fmt::format("arange({}, {}, {}): a step of that sign never reaches the end", start,
                            end, step));
  const double count = std::ceil((end - start) / step);
  if (count > static_cast<double>(std::size_t{1} << 40))
    throw Error(fmt::format("arange({}, {}, {}): {} values is too many", start, end, step, count));
  Tensor<T> t(Shape{static_cast<std::size_t>(count)});
  for (std::size_t i = 0; i < t.size(); ++i)
    t[i] = static_cast<T>(start + static_cast<double>(i) * step);
  return t;
}

template <class T>
Tensor<T> linspace(double start, double end, std::size_t steps) {
  Tensor<T> t(Shape{steps});
  if (steps == 1) t[0] = static_cast<T>(start);
  const double step = steps > 1 ? (end - start) / static_cast<double>(steps - 1) : 0;
  // NOTE: as torch, the second half counts back from `end`, so that end is hit exactly.
  for (std::size_t i = 0; i < steps && steps > 1; ++i)
    t[i] = static_cast<T>(i < steps / 2 ? start + step * static_cast<double>(i)
                                        : end - step * static_cast<double>(steps - 1 - i));
  return t;
}

template <class T>
Tensor<T> eye(std::size_t n, std::size_t m) {
  if (m == 0) m = n;
  Tensor<T> t(Shape{n, m});
  for (std::size_t i = 0; i < std::min(n, m); ++i) t[i * m + i] = T(1);
  return t;
}

template <class T>
Tensor<T> rand(const Shape& shape, Generator& generator) {
  Tensor<T> t(shape);
  // NOTE: a double just below 1 may round to 1 in float; torch.rand's range excludes 1.
  const T below_one = std::nextafter(T(1), T(0));
  for (T& v : t.values()) v = std::min(static_cast<T>(generator.uniform()), below_one);
  return t;
}

template <class T>
Tensor<T> randn(const Shape& shape, Generator& generator) {
  Tensor<T> t(shape);
  for (T& v : t.values()) v = static_cast<T>(generator.normal());
  return t;
}

template Tensor<float> arange(double, double, double);
template Tensor<double> arange(double, double, double);
template Tensor<std::int64_t> arange(double, double, double);
template Tensor<float> linspace(double, double, std::size_t);
template Tensor<double> linspace(double, double, std::size_t);
template Tensor<float> eye(std::size_t, std::size_t);
template Tensor<double> eye(std::size_t, std::size_t);
template Tensor<float> rand(const Shape&, Generator&);
template Tensor<double> rand(const Shape&, Generator&);
template Tensor<float> randn(const Shape&, Generator&);
template Tensor<double> randn(const Shape&, Generator&);

}  // namespace tapegrad
