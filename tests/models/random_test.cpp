// graph/random: the generator is std::mt19937_64 and its uniform and normal values are computed
// from the raw bits by fixed formulas, so the same seed gives the same numbers everywhere.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include "tapegrad.hpp"

namespace file_models_random_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad;

TEST_CASE("Generator's bits are std::mt19937_64's", "[random]") {
  // The standard fixes the 10000th output of a default-seeded mt19937_64.
  Generator generator;
  for (int i = 1; i < 10000; ++i) generator.bits();
  CHECK(generator.bits() == 9981545732273789042ull);
}

TEST_CASE("Generator uniform() is the top 53 bits times 2^-53", "[random]") {
  std::mt19937_64 engine(99);
  Generator generator(99);
  for (int i = 0; i < 100; ++i) {
    const double expected = std::ldexp(static_cast<double>(engine() >> 11), -53);
    CHECK(generator.uniform() == expected);
  }
}

TEST_CASE("Generator uniform between lo and hi stays below hi and fills the range", "[random]") {
  Generator generator(3);
  double smallest = 10.0, largest = -10.0;
  for (int i = 0; i < 10000; ++i) {
    const double u = generator.uniform(-2.0, 3.0);
    REQUIRE(u >= -2.0);
    REQUIRE(u < 3.0);
    smallest = std::min(smallest, u);
    largest = std::max(largest, u);
  }
  CHECK(smallest < -1.99);
  CHECK(largest > 2.99);
}

TEST_CASE("Generator normal() has the requested mean and standard deviation", "[random]") {
  Generator generator(5);
  const int n = 40000;
  double sum = 0.0, sum_squares = 0.0;
  for (int i = 0; i < n; ++i) {
    const double x = generator.normal(1.5, 2.0);
    sum += x;
    sum_squares += x * x;
  }
  const double mean = sum / n, variance = sum_squares / n - mean * mean;
  // Standard errors: 2/√n ≈ 0.01 for the mean, about 0.007 for the standard deviation.
  CHECK(mean == Approx(1.5).margin(0.05));
  CHECK(std::sqrt(variance) == Approx(2.0).margin(0.05));
}

TEST_CASE("Generator with the same seed repeats its sequence", "[random]") {
  Generator a(2024), b(2024), c(2025);
  bool differs_from_other_seed = false;
  for (int i = 0; i < 20; ++i) {
    const double x = a.normal();
    CHECK(x == b.normal());
    differs_from_other_seed = differs_from_other_seed || x != c.normal();
  }
  CHECK(differs_from_other_seed);
  a.seed(7);
  b.seed(7);
  CHECK(a.bits() == b.bits());
}

TEST_CASE("manual_seed restarts the default generator", "[random]") {
  manual_seed(42);
  const double first = default_generator().uniform();
  const Tensor<double> tensor = uniform_tensor({3}, -1.0, 1.0);
  manual_seed(42);
  CHECK(default_generator().uniform() == first);
  const Tensor<double> again = uniform_tensor({3}, -1.0, 1.0);
  for (std::size_t i = 0; i < 3; ++i) CHECK(again[i] == tensor[i]);
}

TEST_CASE("uniform_tensor draws row-major from the generator", "[random]") {
  Generator generator(8), reference(8);
  const Tensor<double> t = uniform_tensor({2, 3}, -0.5, 0.5, generator);
  REQUIRE(t.shape() == Shape{2, 3});
  for (std::size_t i = 0; i < t.size(); ++i) CHECK(t[i] == reference.uniform(-0.5, 0.5));
}

}  // namespace file_models_random_test
