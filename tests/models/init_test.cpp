// Initialisation by activation: He uniform for relu layers, Glorot uniform for the others, zero
// biases, reproducible from the generator's seed.
#include <catch2/catch.hpp>

#include <cmath>

#include "tapegrad.hpp"

namespace file_models_init_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad;

TEST_CASE("init bounds are √(6/in) for He and √(6/(in+out)) for Glorot", "[models][init]") {
  CHECK(init_bound(InitScheme::kHeUniform, 24, 7) == Approx(std::sqrt(6.0 / 24)));
  CHECK(init_bound(InitScheme::kGlorotUniform, 24, 7) == Approx(std::sqrt(6.0 / 31)));
  CHECK(init_scheme(Activation::kRelu) == InitScheme::kHeUniform);
  for (Activation a : {Activation::kIdentity, Activation::kSigmoid, Activation::kTanh})
    CHECK(init_scheme(a) == InitScheme::kGlorotUniform);
  CHECK(to_string(InitScheme::kHeUniform) == "he_uniform");
}

TEMPLATE_TEST_CASE("initialize_by_activation draws each layer within its bound with zero biases",
                   "[models][init]", float, double) {
  MLP<TestType> net(MLPOptions(50)
                        .layer(40, Activation::kRelu)
                        .layer(30, Activation::kTanh)
                        .layer(2, Activation::kIdentity));
  Generator generator(9);
  initialize_by_activation(net, generator);
  for (std::size_t k = 0; k < 3; ++k) {
    const Linear<TestType>& layer = *net.layers()[k];
    const double bound =
        init_bound(init_scheme(net.activations()[k]), layer.in_features(), layer.out_features());
    INFO("layer " << k << " bound " << bound);
    double largest = 0, sum_squares = 0;
    for (TestType w : layer.weight.value().values()) {
      largest = std::max(largest, std::abs(static_cast<double>(w)));
      sum_squares += static_cast<double>(w) * static_cast<double>(w);
    }
    CHECK(largest <= bound);
    CHECK(largest > 0.9 * bound);  // the draws use the whole range
    // U(−b, b) has variance b²/3; with hundreds of draws the sample is within 25% of it.
    const double variance = sum_squares / static_cast<double>(layer.weight.value().size());
    CHECK(variance == Approx(bound * bound / 3).epsilon(0.25));
    for (TestType b : layer.bias.value().values()) CHECK(b == TestType(0));
  }
}

TEST_CASE("initialize_by_activation is reproducible from the seed", "[models][init]") {
  auto draw = [](std::uint64_t seed) {
    MLP<double> net(MLPOptions(3).layer(4, Activation::kSigmoid).layer(1, Activation::kIdentity));
    Generator generator(seed);
    initialize_by_activation(net, generator);
    return net.layers()[0]->weight.value();
  };
  const Tensor<double> a = draw(5), b = draw(5), c = draw(6);
  CHECK(std::equal(a.values().begin(), a.values().end(), b.values().begin()));
  CHECK_FALSE(std::equal(a.values().begin(), a.values().end(), c.values().begin()));
}

}  // namespace file_models_init_test
