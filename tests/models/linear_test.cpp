// Linear: shapes, PyTorch's default initialisation U(−1/√in, 1/√in), parameter names and order,
// and forward = x·Wᵀ + b.
#include <catch2/catch.hpp>

#include <cmath>

#include "tapegrad.hpp"

namespace file_models_linear_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad;
using Catch::Matchers::Contains;

TEST_CASE("Linear has weight of shape out×in and bias of shape out", "[models][linear]") {
  Linear<double> layer(LinearOptions(3, 2));
  CHECK(layer.weight.shape() == Shape{2, 3});
  REQUIRE(layer.bias.defined());
  CHECK(layer.bias.shape() == Shape{2});
  CHECK(layer.in_features() == 3);
  CHECK(layer.out_features() == 2);
}

TEST_CASE("Linear initialises weight and bias uniformly within ±1/√in", "[models][linear]") {
  const std::size_t in = 7, out = 40;
  Generator generator(1);
  Linear<double> layer(LinearOptions(in, out).generator(&generator));
  const double bound = 1.0 / std::sqrt(static_cast<double>(in));
  double smallest = 1.0, largest = -1.0;
  for (const Parameter<double>& p : layer.parameters())
    for (double w : p.value().values()) {
      CHECK(std::abs(w) <= bound);
      smallest = std::min(smallest, w);
      largest = std::max(largest, w);
    }
  // 320 draws spread over the whole interval, not a narrower one.
  CHECK(smallest < -0.9 * bound);
  CHECK(largest > 0.9 * bound);
}

TEST_CASE("Linear draws the weight row-major and then the bias from its generator",
          "[models][linear]") {
  Generator generator(5), reference(5);
  Linear<double> layer(LinearOptions(2, 3).generator(&generator));
  const double bound = 1.0 / std::sqrt(2.0);
  for (std::size_t i = 0; i < 6; ++i)
    CHECK(layer.weight.value()[i] == reference.uniform(-bound, bound));
  for (std::size_t i = 0; i < 3; ++i)
    CHECK(layer.bias.value()[i] == reference.uniform(-bound, bound));
}

TEST_CASE("Linear without a generator is reproducible under manual_seed", "[models][linear]") {
  manual_seed(123);
  Linear<double> a(LinearOptions(4, 3));
  manual_seed(123);
  Linear<double> b(LinearOptions(4, 3));
  Linear<double> c(LinearOptions(4, 3));  // later draws: different values
  for (std::size_t i = 0; i < a.weight.size(); ++i)
    CHECK(a.weight.value()[i] == b.weight.value()[i]);
  CHECK(c.weight.value()[0] != b.weight.value()[0]);
}

TEST_CASE("Linear with bias(false) has no bias parameter", "[models][linear]") {
  Linear<double> layer(LinearOptions(3, 2).bias(false));
  CHECK_FALSE(layer.bias.defined());
  const auto named = layer.named_parameters();
  REQUIRE(named.size() == 1);
  CHECK(named[0].first == "weight");
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  const Var<double> y = layer.forward(Tensor<double>({3}, {1.0, 2.0, 3.0}));
  const Tensor<double>& w = layer.weight.value();
  CHECK(y.data()[0] == Approx(w[0] * 1.0 + w[1] * 2.0 + w[2] * 3.0).epsilon(1e-15));
}

TEST_CASE("Linear lists its parameters as weight then bias", "[models][linear]") {
  Linear<float> layer(LinearOptions(4, 5));
  const auto named = layer.named_parameters();
  REQUIRE(named.size() == 2);
  CHECK(named[0].first == "weight");
  CHECK(named[1].first == "bias");
  CHECK(named[0].second == layer.weight);
  CHECK(named[1].second == layer.bias);
  const auto plain = layer.parameters();
  REQUIRE(plain.size() == 2);
  CHECK(plain[0] == layer.weight);
  CHECK(plain[1] == layer.bias);
}

TEST_CASE("Linear forward is x·Wᵀ + b for one example and for a batch", "[models][linear]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  Linear<double> layer(LinearOptions(3, 2));
  layer.weight.assign(Tensor<double>({2, 3}, {1.0, -2.0, 0.5, 0.25, 3.0, -1.0}));
  layer.bias.assign(Tensor<double>({2}, {0.1, -0.2}));
  const Tensor<double> x({2, 3}, {1.0, 2.0, 3.0, -1.0, 0.5, 4.0});
  const Var<double> batch = layer.forward(x);
  REQUIRE(batch.shape() == Shape{2, 2});
  for (std::size_t r = 0; r < 2; ++r)
    for (std::size_t o = 0; o < 2; ++o) {
      double expected = layer.bias.value()[o];
      for (std::size_t i = 0; i < 3; ++i)
        expected += x[r * 3 + i] * layer.weight.value()[o * 3 + i];
      CHECK(batch.data()[r * 2 + o] == Approx(expected).epsilon(1e-15));
    }
  const Var<double> single = layer(Tensor<double>({3}, {1.0, 2.0, 3.0}));
  REQUIRE(single.shape() == Shape{2});
  CHECK(single.data()[0] == Approx(1.0 - 4.0 + 1.5 + 0.1).epsilon(1e-15));
  CHECK(single.data()[1] == Approx(0.25 + 6.0 - 3.0 - 0.2).epsilon(1e-15));
}

TEST_CASE("Linear rejects zero sizes", "[models][linear][errors]") {
  CHECK_THROWS_WITH(Linear<double>(LinearOptions(0, 3)), Contains("must be > 0"));
  CHECK_THROWS_WITH(Linear<double>(LinearOptions(3, 0)), Contains("must be > 0"));
}

TEST_CASE("after Module zero_grad every parameter's gradient reads as 0", "[models][zero_grad]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  Linear<double> layer(LinearOptions(2, 2));
  sum(layer.forward(Tensor<double>({2}, {1.0, 2.0}))).backward();
  REQUIRE(layer.bias.grad()[0] == 1.0);  // ∂(Σy)/∂b_o = 1: the gradient arrived
  layer.zero_grad();
  for (const Parameter<double>& p : layer.parameters())
    for (double g : p.grad().values()) CHECK(g == 0.0);
}

}  // namespace file_models_linear_test
