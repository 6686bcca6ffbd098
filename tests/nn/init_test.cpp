// nn::init against torch.nn.init's formulas: the gains of calculate_gain, the fans, the bounds of
// the uniform initialisers and the standard deviations of the normal ones (checked on the
// sample statistics of large draws), reproducibility from a seed, and the constant fills.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <functional>

#include "tapegrad.hpp"

namespace file_nn_init_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad;
using namespace tapegrad::nn::init;
using Catch::Matchers::Contains;

struct Moments {
  double mean, std, smallest, largest;
};

template <class X>
Moments moments_of(X& x) {
  double total = 0, squares = 0, smallest = INFINITY, largest = -INFINITY;
  for (const auto v : x.values()) {
    total += v;
    squares += double(v) * v;
    smallest = std::min<double>(smallest, v);
    largest = std::max<double>(largest, v);
  }
  const double n = static_cast<double>(x.values().size()), mean = total / n;
  return {mean, std::sqrt(squares / n - mean * mean), smallest, largest};
}

TEST_CASE("calculate_gain gives torch's documented gains", "[nn][init]") {
  // The table of torch.nn.init.calculate_gain (PyTorch docs, torch.nn.init): Linear / Identity 1,
  // Conv{1,2,3}D 1, Sigmoid 1, Tanh 5/3, ReLU √2, Leaky ReLU √(2/(1 + negative_slope²)),
  // SELU 3/4.
  CHECK(calculate_gain(Nonlinearity::kLinear) == 1.0);
  CHECK(calculate_gain(Nonlinearity::kConv2d) == 1.0);
  CHECK(calculate_gain(Nonlinearity::kSigmoid) == 1.0);
  CHECK(calculate_gain(Nonlinearity::kTanh) == Approx(5.0 / 3.0).epsilon(1e-15));
  CHECK(calculate_gain(Nonlinearity::kReLU) == Approx(1.4142135623730951).epsilon(1e-15));
  // torch.nn.init.calculate_gain('leaky_relu') = 1.4141428569978354 (default slope 0.01)
  CHECK(calculate_gain(Nonlinearity::kLeakyReLU) == Approx(1.4141428569978354).epsilon(1e-15));
  CHECK(calculate_gain(Nonlinearity::kLeakyReLU, 0.2) == Approx(std::sqrt(2 / 1.04)));
  CHECK(calculate_gain(Nonlinearity::kSELU) == 0.75);
}

TEST_CASE("fans are in·Πk and out·Πk of a weight [out, in, k...]", "[nn][init]") {
  CHECK(fan_in_and_fan_out(Shape{7, 3}).fan_in == 3);
  CHECK(fan_in_and_fan_out(Shape{7, 3}).fan_out == 7);
  CHECK(fan_in_and_fan_out(Shape{8, 4, 3, 5}).fan_in == 60);
  CHECK(fan_in_and_fan_out(Shape{8, 4, 3, 5}).fan_out == 120);
  Tensor<double> vector(Shape{5});
  CHECK_THROWS_WITH(xavier_uniform_(vector), Contains("at least 2 dimensions"));
}

TEMPLATE_TEST_CASE("the uniform initialisers stay within torch's bounds and fill them",
                   "[nn][init]", float, double) {
  const std::size_t out = 200, in = 300;
  Generator generator(4);
  Tensor<TestType> w(Shape{out, in});
  const auto check_bound = [&](double bound) {
    const Moments m = moments_of(w);
    CHECK(m.largest <= bound);
    CHECK(m.smallest >= -bound);
    CHECK(m.largest > 0.999 * bound);
    CHECK(m.smallest < -0.999 * bound);
    CHECK(m.std == Approx(bound / std::sqrt(3.0)).epsilon(0.01));  // Var U(−b, b) = b²/3
  };
  SECTION("uniform_") {
    uniform_(w, -0.5, 2.0, generator);
    const Moments m = moments_of(w);
    CHECK(m.smallest >= -0.5);
    CHECK(m.largest < 2.0);
    CHECK(m.mean == Approx(0.75).margin(0.01));
  }
  SECTION("xavier_uniform_: b = gain·√(6/(in + out))") {
    xavier_uniform_(w, 2.0, generator);
    check_bound(2.0 * std::sqrt(6.0 / (in + out)));
  }
  SECTION("kaiming_uniform_: b = gain·√(3/fan), leaky_relu(a) by default") {
    kaiming_uniform_(w, 0.0, FanMode::kFanIn, Nonlinearity::kLeakyReLU, generator);
    check_bound(std::sqrt(2.0) * std::sqrt(3.0 / in));
  }
  SECTION("kaiming_uniform_ with a = √5 is torch Linear's default: b = 1/√in") {
    kaiming_uniform_(w, std::sqrt(5.0), FanMode::kFanIn, Nonlinearity::kLeakyReLU, generator);
    check_bound(1.0 / std::sqrt(double(in)));
  }
  SECTION("kaiming_uniform_ on fan_out for tanh") {
    kaiming_uniform_(w, 0.0, FanMode::kFanOut, Nonlinearity::kTanh, generator);
    check_bound(5.0 / 3.0 * std::sqrt(3.0 / out));
  }
}

TEMPLATE_TEST_CASE("the normal initialisers have torch's standard deviations", "[nn][init]", float,
                   double) {
  const std::size_t out = 300, in = 200;
  Generator generator(8);
  Parameter<TestType> w(Tensor<TestType>(Shape{out, in}));
  const auto check_std = [&](double mean, double std) {
    const Moments m = moments_of(w);
    // 60000 draws: the sample mean is within 5 standard errors, the deviation within 1.5%.
    CHECK(std::abs(m.mean - mean) < 5 * std / std::sqrt(60000.0));
    CHECK(m.std == Approx(std).epsilon(0.015));
  };
  SECTION("normal_") {
    normal_(w, 3.0, 0.5, generator);
    check_std(3.0, 0.5);
  }
  SECTION("xavier_normal_: σ = gain·√(2/(in + out))") {
    xavier_normal_(w, 1.0, generator);
    check_std(0.0, std::sqrt(2.0 / (in + out)));
  }
  SECTION("kaiming_normal_: σ = gain/√fan") {
    kaiming_normal_(w, 0.0, FanMode::kFanIn, Nonlinearity::kReLU, generator);
    check_std(0.0, std::sqrt(2.0 / in));
    kaiming_normal_(w, 0.0, FanMode::kFanOut, Nonlinearity::kReLU, generator);
    check_std(0.0, std::sqrt(2.0 / out));
  }
}

TEST_CASE("the initialisers are reproducible from a seed and the default generator", "[nn][init]") {
  Tensor<double> a(Shape{4, 5}), b(Shape{4, 5}), c(Shape{4, 5});
  Generator first(11), second(11);
  xavier_normal_(a, 1.0, first);
  xavier_normal_(b, 1.0, second);
  CHECK(std::equal(a.values().begin(), a.values().end(), b.values().begin()));
  // Element by element, row-major, one draw each.
  Generator reference(11);
  const double bound = std::sqrt(6.0 / 9.0);
  xavier_uniform_(c, 1.0, reference);
  Generator again(11);
  for (std::size_t i = 0; i < c.size(); ++i) CHECK(c[i] == again.uniform(-bound, bound));
  manual_seed(5);
  kaiming_uniform_(a);
  manual_seed(5);
  kaiming_uniform_(b);
  CHECK(std::equal(a.values().begin(), a.values().end(), b.values().begin()));
}

TEST_CASE("constant_, zeros_ and ones_ fill tensors, parameters and buffers", "[nn][init]") {
  Tensor<float> t(Shape{2, 2});
  constant_(t, 2.5);
  CHECK(t[3] == 2.5f);
  Parameter<double> p(Tensor<double>(Shape{3}, {1, 2, 3}));
  zeros_(p);
  CHECK(p.value()[2] == 0.0);
  Buffer<double> b(Tensor<double>(Shape{2}));
  ones_(b);
  CHECK(b.value()[1] == 1.0);
}

}  // namespace file_nn_init_test
