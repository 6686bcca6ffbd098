// MLP: torch-style parameter names and order, forward = each layer then its activation, and the
// Activation helpers.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "tapegrad.hpp"

namespace file_models_mlp_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad;
using Catch::Matchers::Contains;

namespace {

double by_hand(Activation activation, double a) {
  switch (activation) {
    case Activation::kSigmoid:
      return 1.0 / (1.0 + std::exp(-a));
    case Activation::kTanh:
      return std::tanh(a);
    case Activation::kRelu:
      return a > 0.0 ? a : 0.0;
    case Activation::kIdentity:
      return a;
  }
  return 0.0;
}

}  // namespace

TEST_CASE("MLP names its parameters layers.k.weight and layers.k.bias in layer order",
          "[models][mlp]") {
  MLP<double> net(MLPOptions(3)
                      .layer(4, Activation::kTanh)
                      .layer(2, Activation::kSigmoid)
                      .layer(1, Activation::kIdentity));
  const auto named = net.named_parameters();
  const std::vector<std::string> names{"layers.0.weight", "layers.0.bias",   "layers.1.weight",
                                       "layers.1.bias",   "layers.2.weight", "layers.2.bias"};
  const std::vector<Shape> shapes{{4, 3}, {4}, {2, 4}, {2}, {1, 2}, {1}};
  REQUIRE(named.size() == names.size());
  for (std::size_t k = 0; k < names.size(); ++k) {
    CAPTURE(k);
    CHECK(named[k].first == names[k]);
    CHECK(named[k].second.name() == names[k]);  // the label graph dumps show
    CHECK(named[k].second.shape() == shapes[k]);
  }
  REQUIRE(net.layers().size() == 3);
  CHECK(named[2].second == net.layers()[1]->weight);
  CHECK(net.activations() ==
        std::vector<Activation>{Activation::kTanh, Activation::kSigmoid, Activation::kIdentity});
  CHECK(net.inputs() == 3);
  CHECK(net.outputs() == 1);
}

TEST_CASE("MLP parameter names reach the graph as the parameters' labels", "[models][mlp]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  MLP<double> net(MLPOptions(2).layer(3, Activation::kRelu).layer(1, Activation::kIdentity));
  net.forward(Tensor<double>({2}, {0.5, -0.5}));
  std::vector<std::string> labels;
  for (const Node<double>* node : tape.nodes())
    for (std::size_t k = 0; k < node->num_inputs(); ++k) labels.emplace_back(node->input(k).label);
  for (const char* name : {"layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"})
    CHECK(std::count(labels.begin(), labels.end(), name) == 1);
}

TEST_CASE("MLP with bias(false) has only weights", "[models][mlp]") {
  MLP<float> net(
      MLPOptions(2).layer(3, Activation::kTanh).layer(1, Activation::kIdentity).bias(false));
  const auto named = net.named_parameters();
  REQUIRE(named.size() == 2);
  CHECK(named[0].first == "layers.0.weight");
  CHECK(named[1].first == "layers.1.weight");
}

TEST_CASE("MLP forward applies each layer and then its activation", "[models][mlp]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  Generator generator(77);
  MLP<double> net(MLPOptions(2)
                      .layer(3, Activation::kSigmoid)
                      .layer(3, Activation::kTanh)
                      .layer(2, Activation::kRelu)
                      .layer(1, Activation::kIdentity)
                      .generator(&generator));
  const std::vector<double> x{0.8, -1.3};
  // By hand: h ← f(W h + b), layer by layer.
  std::vector<double> h = x;
  for (std::size_t k = 0; k < net.layers().size(); ++k) {
    const Linear<double>& layer = *net.layers()[k];
    std::vector<double> next(layer.out_features());
    for (std::size_t o = 0; o < next.size(); ++o) {
      double a = layer.bias.value()[o];
      for (std::size_t i = 0; i < h.size(); ++i) a += layer.weight.value()[o * h.size() + i] * h[i];
      next[o] = by_hand(net.activations()[k], a);
    }
    h = next;
  }
  const Var<double> y = net.forward(Tensor<double>({2}, {x[0], x[1]}));
  REQUIRE(y.shape() == Shape{1});
  CHECK(y.item() == Approx(h[0]).epsilon(1e-13));
}

TEST_CASE("activate applies the named function", "[models][mlp][activation]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  const Var<double> x(Tensor<double>({3}, {-2.0, 0.0, 1.5}));
  const Var<double> identity = activate(Activation::kIdentity, x);
  const Var<double> sigma = activate(Activation::kSigmoid, x);
  const Var<double> hyperbolic = activate(Activation::kTanh, x);
  const Var<double> rectified = activate(Activation::kRelu, x);
  for (std::size_t i = 0; i < 3; ++i) {
    const double a = x.data()[i];
    CHECK(identity.data()[i] == a);
    CHECK(sigma.data()[i] == Approx(1.0 / (1.0 + std::exp(-a))).epsilon(1e-15));
    CHECK(hyperbolic.data()[i] == Approx(std::tanh(a)).epsilon(1e-15));
    CHECK(rectified.data()[i] == std::max(a, 0.0));
  }
}

TEST_CASE("Activation names round-trip through to_string and parse_activation",
          "[models][mlp][activation]") {
  CHECK(to_string(Activation::kIdentity) == "identity");
  CHECK(to_string(Activation::kSigmoid) == "sigmoid");
  CHECK(to_string(Activation::kTanh) == "tanh");
  CHECK(to_string(Activation::kRelu) == "relu");
  for (Activation a :
       {Activation::kIdentity, Activation::kSigmoid, Activation::kTanh, Activation::kRelu})
    CHECK(parse_activation(to_string(a)) == a);
  CHECK_THROWS_WITH(parse_activation("softmax"),
                    Contains("unknown activation 'softmax'") && Contains("sigmoid, tanh, relu"));
}

TEST_CASE("MLP rejects no layers and empty layers", "[models][mlp][errors]") {
  CHECK_THROWS_WITH(MLP<double>(MLPOptions(3)), Contains("no layers"));
  CHECK_THROWS_WITH(
      MLP<double>(MLPOptions(3).layer(2, Activation::kTanh).layer(0, Activation::kIdentity)),
      Contains("layer 1 has 0 units"));
  CHECK_THROWS_WITH(MLP<double>(MLPOptions(0).layer(2, Activation::kTanh)),
                    Contains("inputs must be > 0"));
}

}  // namespace file_models_mlp_test
