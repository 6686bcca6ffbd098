// Sequential and the simple modules: names by position counting activations (torch's "0.weight",
// "2.weight"), forward chaining the children, operator[] / at / size / push_back; each
// activation module computes its function (checked by hand formulas) with torch's defaults;
// Flatten keeps the batch axis.
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tapegrad.hpp"

namespace file_nn_sequential_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad;
using Catch::Matchers::Contains;

template <class List>
std::vector<std::string> names_of(const List& list) {
  std::vector<std::string> names;
  for (const auto& entry : list) names.push_back(entry.first);
  return names;
}

TEST_CASE("Sequential names its children by position, activations included", "[nn][sequential]") {
  Sequential<float> net{std::make_shared<Linear<float>>(4, 8), std::make_shared<ReLU<float>>(),
                        std::make_shared<Linear<float>>(8, 3)};
  CHECK(net.size() == 3);
  CHECK(names_of(net.named_parameters()) ==
        std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"});
  auto softmax = net.push_back(std::make_shared<Softmax<float>>(1));
  CHECK(net.size() == 4);
  CHECK(net[3] == softmax);
  CHECK(net.at<Linear<float>>(2)->out_features() == 3);
  CHECK_THROWS_WITH(net.at<Linear<float>>(1),
                    Contains("module 1 is a tapegrad::ReLU<float>, not the type asked for "
                             "(tapegrad::Linear<float>)"));
  CHECK_THROWS_WITH(net[4], Contains("index 4 is out of range; it has 4 modules"));
}

TEST_CASE("Sequential's forward applies its children in order", "[nn][sequential]") {
  Generator generator(3);
  auto first = std::make_shared<Linear<double>>(LinearOptions(2, 3).generator(&generator));
  auto second = std::make_shared<Linear<double>>(LinearOptions(3, 1).generator(&generator));
  Sequential<double> net{first, std::make_shared<Tanh<double>>(), second};
  const std::vector<double> x{0.5, -1.5};
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  const double y = net.forward(tape.variable(Tensor<double>(Shape{1, 2}, x), false)).item();
  // By hand: b2 + Σ_j W2_j tanh(b1_j + Σ_i W1_ji x_i).
  double expected = second->bias.value()[0];
  for (std::size_t j = 0; j < 3; ++j) {
    double h = first->bias.value()[j];
    for (std::size_t i = 0; i < 2; ++i) h += first->weight.value()[j * 2 + i] * x[i];
    expected += second->weight.value()[j] * std::tanh(h);
  }
  CHECK(y == Approx(expected).epsilon(1e-14));
  Sequential<double> empty;
  CHECK(empty.forward(tape.variable(Tensor<double>(Shape{1}, {7.0}), false)).item() == 7.0);
}

TEST_CASE("activation modules compute their functions with torch's defaults", "[nn][activation]") {
  const std::vector<double> xs{-2.0, -0.5, 0.0, 0.75, 3.0};
  const auto sigma = [](double x) { return 1 / (1 + std::exp(-x)); };
  struct Case {
    std::string name;
    std::shared_ptr<Module<double>> module;
    std::function<double(double)> f;
  };
  const std::vector<Case> cases{
      {"Identity", std::make_shared<Identity<double>>(), [](double x) { return x; }},
      {"ReLU", std::make_shared<ReLU<double>>(), [](double x) { return x > 0 ? x : 0.0; }},
      {"Sigmoid", std::make_shared<Sigmoid<double>>(), sigma},
      {"Tanh", std::make_shared<Tanh<double>>(), [](double x) { return std::tanh(x); }},
      {"SiLU", std::make_shared<SiLU<double>>(), [&](double x) { return x * sigma(x); }},
      {"GELU", std::make_shared<GELU<double>>(),
       [](double x) { return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0))); }},
      {"GELU tanh", std::make_shared<GELU<double>>(GeluApproximation::kTanh),
       [](double x) {
         return 0.5 * x * (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x)));
       }},
      {"LeakyReLU", std::make_shared<LeakyReLU<double>>(),
       [](double x) { return x > 0 ? x : 0.01 * x; }},
      {"LeakyReLU(0.2)", std::make_shared<LeakyReLU<double>>(0.2),
       [](double x) { return x > 0 ? x : 0.2 * x; }},
      {"ELU", std::make_shared<ELU<double>>(),
       [](double x) { return x > 0 ? x : std::exp(x) - 1; }},
      {"ELU(0.5)", std::make_shared<ELU<double>>(0.5),
       [](double x) { return x > 0 ? x : 0.5 * (std::exp(x) - 1); }},
  };
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  const Var<double> x = tape.variable(Tensor<double>(Shape{5}, xs), false);
  for (const Case& c : cases) {
    INFO(c.name);
    CHECK(c.module->named_parameters().empty());
    const Tensor<double> y = c.module->forward(x).to_tensor();
    for (std::size_t i = 0; i < xs.size(); ++i) CHECK(y[i] == Approx(c.f(xs[i])).epsilon(1e-12));
  }
}

TEST_CASE("Softmax and LogSoftmax work along their dim", "[nn][activation]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  const Var<double> x = tape.variable(Tensor<double>(Shape{2, 2}, {1, 2, 3, 5}), false);
  const Tensor<double> rows = Softmax<double>(1).forward(x).to_tensor();
  const Tensor<double> cols = LogSoftmax<double>(0).forward(x).to_tensor();
  CHECK(rows[0] == Approx(1 / (1 + std::exp(1.0))));        // e¹/(e¹ + e²)
  CHECK(rows[3] == Approx(1 / (1 + std::exp(-2.0))));       // e⁵/(e³ + e⁵)
  CHECK(cols[0] == Approx(-std::log(1 + std::exp(2.0))));   // log e¹/(e¹ + e³)
  CHECK(cols[3] == Approx(-std::log(1 + std::exp(-3.0))));  // log e⁵/(e² + e⁵)
}

TEST_CASE("Flatten merges start_dim..end_dim, keeping the batch axis by default", "[nn][flatten]") {
  Tape<float> tape;
  TapeGuard<float> guard(tape);
  const Var<float> x = tape.variable(Tensor<float>(Shape{2, 3, 4, 5}), false);
  CHECK(Flatten<float>().forward(x).shape() == Shape{2, 60});
  CHECK(Flatten<float>(0).forward(x).shape() == Shape{120});
  CHECK(Flatten<float>(1, 2).forward(x).shape() == Shape{2, 12, 5});
  CHECK(Flatten<float>(-2).forward(x).shape() == Shape{2, 3, 20});
}

}  // namespace file_nn_sequential_test
