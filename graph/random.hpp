// Random numbers for initialising weights and generating data, reproducible across platforms:
// the engine is std::mt19937_64 (its output is fixed by the standard), and uniform and normal
// values are computed here from its raw bits rather than by the standard library's
// distributions, whose algorithms differ between implementations.
#pragma once

#include <cstdint>
#include <random>

#include "shape.hpp"
#include "tensor.hpp"

namespace tapegrad {

class Generator {
 public:
  static constexpr std::uint64_t kDefaultSeed = 5489;  // std::mt19937_64's own default

  explicit Generator(std::uint64_t seed = kDefaultSeed) : engine_(seed) {}

  // Restart the sequence from `seed`.
  void seed(std::uint64_t seed) { engine_.seed(seed); }
  // The next 64 raw bits.
  std::uint64_t bits() { return engine_(); }
  // Uniform in [0, 1): the top 53 bits scaled by 2^-53, so every value is a multiple of 2^-53.
  double uniform() { return static_cast<double>(bits() >> 11) * 0x1.0p-53; }
  // Uniform in [lo, hi).
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // Normal with the given mean and standard deviation, by the Box–Muller transform. Each call
  // draws two uniforms and uses one of the pair, so the sequence does not depend on history.
  double normal(double mean = 0.0, double std = 1.0);

 private:
  std::mt19937_64 engine_;
};

// This thread's default generator, used wherever no Generator is passed (like torch's).
Generator& default_generator();
// Reseed this thread's default generator, as torch::manual_seed does.
void manual_seed(std::uint64_t seed);

// A tensor of independent draws from U(lo, hi) or N(mean, std²), in row-major order. Draws are
// made in double and rounded to T, so a float draw from U(lo, hi) may round to hi itself.
Tensor<float> uniform_tensor(const Shape& shape, float lo, float hi,
                             Generator& generator = default_generator());
Tensor<double> uniform_tensor(const Shape& shape, double lo, double hi,
                              Generator& generator = default_generator());
Tensor<float> normal_tensor(const Shape& shape, float mean, float std,
                            Generator& generator = default_generator());
Tensor<double> normal_tensor(const Shape& shape, double mean, double std,
                             Generator& generator = default_generator());

}  // namespace tapegrad
