// The reference derivation (shared/reference/backprop-hidden-nodes.md) checked against autodiff:
// for the network a_h = Σ_j w_hj x_j + w_h0, z_h = sigmoid(a_h), ŷ = Σ_h v_h z_h + v_0 and
// E = ½(y − ŷ)², the updates Δθ = −η ∂E/∂θ are
//
//   Δv_h  = η(y − ŷ) z_h                       (h = 0: z_0 = 1, the bias v_0)
//   Δw_hj = η(y − ŷ) v_h z_h (1 − z_h) x_j     (j = 0: x_0 = 1, the bias w_h0)
//
// The expected values are computed here with the test's own loops from these formulas.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "tapegrad.hpp"

namespace file_models_seed_network_test {  // the file's own scope: the test programs are unity
                                           // builds

using namespace tapegrad;
using Catch::Matchers::Contains;

namespace {

constexpr double kRelative = 1e-12;

// A random problem: sizes d and H in 1..6, weights, one example and a learning rate.
struct Problem {
  std::size_t d = 0, H = 0;
  std::vector<double> W, w0, v;  // W row-major [H][d]; w0, v of H values
  double v0 = 0.0, eta = 0.0;
};

Problem random_problem(Generator& generator) {
  Problem p;
  p.d = 1 + generator.bits() % 6;
  p.H = 1 + generator.bits() % 6;
  for (std::size_t i = 0; i < p.H * p.d; ++i) p.W.push_back(generator.uniform(-2.0, 2.0));
  for (std::size_t h = 0; h < p.H; ++h) p.w0.push_back(generator.uniform(-1.0, 1.0));
  for (std::size_t h = 0; h < p.H; ++h) p.v.push_back(generator.uniform(-2.0, 2.0));
  p.v0 = generator.uniform(-1.0, 1.0);
  p.eta = generator.uniform(0.01, 0.5);
  return p;
}

std::vector<double> random_values(std::size_t n, Generator& generator) {
  std::vector<double> values;
  for (std::size_t i = 0; i < n; ++i) values.push_back(generator.uniform(-2.0, 2.0));
  return values;
}

// A SeedNetwork holding the problem's weights.
SeedNetwork<double> network_for(const Problem& p) {
  SeedNetwork<double> net(p.d, p.H);
  net.layers()[0]->weight.assign(Tensor<double>({p.H, p.d}, p.W));
  net.layers()[0]->bias.assign(Tensor<double>({p.H}, p.w0));
  net.layers()[1]->weight.assign(Tensor<double>({1, p.H}, p.v));
  net.layers()[1]->bias.assign(Tensor<double>({1}, {p.v0}));
  return net;
}

// The updates of the derivation for one example, from the formulas in the header comment.
struct Updates {
  std::vector<double> dv;   // Δv_h, h = 1..H
  double dv0 = 0.0;         // Δv_0
  std::vector<double> dW;   // Δw_hj, row-major [H][d]
  std::vector<double> dw0;  // Δw_h0
};

Updates formula_updates(const Problem& p, const std::vector<double>& x, double y, double eta) {
  std::vector<double> z(p.H);
  double y_hat = p.v0;
  for (std::size_t h = 0; h < p.H; ++h) {
    double a = p.w0[h];
    for (std::size_t j = 0; j < p.d; ++j) a += p.W[h * p.d + j] * x[j];
    z[h] = 1.0 / (1.0 + std::exp(-a));
    y_hat += p.v[h] * z[h];
  }
  Updates u;
  u.dv0 = eta * (y - y_hat) * 1.0;  // z_0 = 1
  for (std::size_t h = 0; h < p.H; ++h) {
    u.dv.push_back(eta * (y - y_hat) * z[h]);
    u.dw0.push_back(eta * (y - y_hat) * p.v[h] * z[h] * (1.0 - z[h]) * 1.0);  // x_0 = 1
    for (std::size_t j = 0; j < p.d; ++j)
      u.dW.push_back(eta * (y - y_hat) * p.v[h] * z[h] * (1.0 - z[h]) * x[j]);
  }
  return u;
}

void add_into(Updates& total, const Updates& u) {
  if (total.dv.empty()) {
    total = u;
    return;
  }
  total.dv0 += u.dv0;
  for (std::size_t h = 0; h < u.dv.size(); ++h) total.dv[h] += u.dv[h];
  for (std::size_t h = 0; h < u.dw0.size(); ++h) total.dw0[h] += u.dw0[h];
  for (std::size_t i = 0; i < u.dW.size(); ++i) total.dW[i] += u.dW[i];
}

// −scale·∂E/∂θ as computed by backward, element by element, equals the expected update.
void check_gradients(const SeedNetwork<double>& net, const Updates& expected, double scale) {
  for (std::size_t h = 0; h < expected.dv.size(); ++h) {
    CAPTURE(h);
    CHECK(-scale * net.output_weight().grad()[h] == Approx(expected.dv[h]).epsilon(kRelative));
    CHECK(-scale * net.hidden_bias().grad()[h] == Approx(expected.dw0[h]).epsilon(kRelative));
  }
  CHECK(-scale * net.output_bias().grad()[0] == Approx(expected.dv0).epsilon(kRelative));
  for (std::size_t i = 0; i < expected.dW.size(); ++i) {
    CAPTURE(i);
    CHECK(-scale * net.hidden_weight().grad()[i] == Approx(expected.dW[i]).epsilon(kRelative));
  }
}

// After one SGD(lr = η) step, θ_new = θ_old + Δ for every element.
void check_step(const Problem& old, const SeedNetwork<double>& net, const Updates& delta) {
  for (std::size_t h = 0; h < old.H; ++h) {
    CAPTURE(h);
    CHECK(net.output_weight().value()[h] == Approx(old.v[h] + delta.dv[h]).epsilon(kRelative));
    CHECK(net.hidden_bias().value()[h] == Approx(old.w0[h] + delta.dw0[h]).epsilon(kRelative));
    for (std::size_t j = 0; j < old.d; ++j) {
      CAPTURE(j);
      const std::size_t i = h * old.d + j;
      CHECK(net.hidden_weight().value()[i] == Approx(old.W[i] + delta.dW[i]).epsilon(kRelative));
    }
  }
  CHECK(net.output_bias().value()[0] == Approx(old.v0 + delta.dv0).epsilon(kRelative));
}

}  // namespace

TEST_CASE(
    "autodiff gradient and one SGD step reproduce Δv_h = η(y − ŷ) z_h and "
    "Δw_hj = η(y − ŷ) v_h z_h (1 − z_h) x_j",
    "[models][seed]") {
  const std::uint64_t seed = GENERATE(range<std::uint64_t>(1, 21));
  Generator generator(seed);
  const Problem p = random_problem(generator);
  const std::vector<double> x = random_values(p.d, generator);
  const double y = generator.uniform(-2.0, 2.0);
  CAPTURE(seed, p.d, p.H, p.eta);
  const Updates expected = formula_updates(p, x, y, p.eta);

  Tape<double> tape;
  TapeGuard<double> guard(tape);
  SeedNetwork<double> net = network_for(p);
  net.zero_grad();
  const Var<double> E = net.loss(Tensor<double>({p.d}, x), Tensor<double>({1}, {y}));
  E.backward();
  check_gradients(net, expected, p.eta);  // Δθ = −η ∂E/∂θ

  SGD<double> sgd(net.parameters(), SGDOptions(p.eta));
  sgd.step();
  check_step(p, net, expected);  // θ_new = θ_old + Δθ
}

TEST_CASE("batch gradient of E = ½ Σ_i (y_i − ŷ_i)² is the sum of the per-example formulas",
          "[models][seed][batch]") {
  const std::uint64_t seed = GENERATE(range<std::uint64_t>(101, 116));
  Generator generator(seed);
  const Problem p = random_problem(generator);
  const std::size_t n = 1 + generator.bits() % 5;
  const std::vector<double> X = random_values(n * p.d, generator);
  const std::vector<double> Y = random_values(n, generator);
  CAPTURE(seed, p.d, p.H, n, p.eta);
  Updates sum_of_examples;
  for (std::size_t i = 0; i < n; ++i) {
    const std::vector<double> x(X.begin() + static_cast<std::ptrdiff_t>(i * p.d),
                                X.begin() + static_cast<std::ptrdiff_t>((i + 1) * p.d));
    add_into(sum_of_examples, formula_updates(p, x, Y[i], p.eta));
  }

  Tape<double> tape;
  TapeGuard<double> guard(tape);
  SeedNetwork<double> net = network_for(p);
  net.zero_grad();
  net.loss(Tensor<double>({n, p.d}, X), Tensor<double>({n, 1}, Y)).backward();
  check_gradients(net, sum_of_examples, p.eta);

  SGD<double> sgd(net.parameters(), SGDOptions(p.eta));
  sgd.step();
  check_step(p, net, sum_of_examples);
}

TEST_CASE("hand_derived_updates evaluates the derivation's formulas", "[models][seed]") {
  const std::uint64_t seed = GENERATE(range<std::uint64_t>(201, 211));
  Generator generator(seed);
  const Problem p = random_problem(generator);
  const std::vector<double> x = random_values(p.d, generator);
  const double y = generator.uniform(-2.0, 2.0);
  CAPTURE(seed, p.d, p.H);
  const Updates expected = formula_updates(p, x, y, p.eta);

  const SeedNetwork<double> net = network_for(p);
  const SeedUpdates<double> updates = hand_derived_updates(net, Tensor<double>({p.d}, x), y, p.eta);
  REQUIRE(updates.dv.size() == p.H);
  REQUIRE(updates.dw0.size() == p.H);
  REQUIRE(updates.dW.shape() == Shape{p.H, p.d});
  CHECK(updates.dv0 == Approx(expected.dv0).epsilon(1e-14));
  CHECK(updates.prediction == Approx(y - expected.dv0 / p.eta).epsilon(1e-12).margin(1e-14));
  for (std::size_t h = 0; h < p.H; ++h) {
    CHECK(updates.dv[h] == Approx(expected.dv[h]).epsilon(1e-14));
    CHECK(updates.dw0[h] == Approx(expected.dw0[h]).epsilon(1e-14));
  }
  for (std::size_t i = 0; i < p.H * p.d; ++i)
    CHECK(updates.dW[i] == Approx(expected.dW[i]).epsilon(1e-14));
}

TEST_CASE("the element-by-element check catches a planted error in the formula", "[models][seed]") {
  // Drop the sigmoid's derivative z_h(1 − z_h) from Δw_hj: autodiff must disagree.
  Generator generator(301);
  const Problem p = random_problem(generator);
  const std::vector<double> x = random_values(p.d, generator);
  const double y = generator.uniform(-2.0, 2.0);
  const Updates right = formula_updates(p, x, y, p.eta);
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  SeedNetwork<double> net = network_for(p);
  net.loss(Tensor<double>({p.d}, x), Tensor<double>({1}, {y})).backward();
  std::size_t disagreements = 0;
  for (std::size_t h = 0; h < p.H; ++h)
    for (std::size_t j = 0; j < p.d; ++j) {
      const std::size_t i = h * p.d + j;
      const double wrong = right.dv0 * p.v[h] * x[j];  // η(y − ŷ) v_h x_j
      const double autodiff = -p.eta * net.hidden_weight().grad()[i];
      if (!(autodiff == Approx(wrong).epsilon(kRelative))) ++disagreements;
      CHECK(autodiff == Approx(right.dW[i]).epsilon(kRelative));
    }
  CHECK(disagreements == p.H * p.d);
}

TEST_CASE("seed network loss is E = ½(y − ŷ)² with ŷ = Σ_h v_h z_h + v_0", "[models][seed]") {
  Generator generator(401);
  const Problem p = random_problem(generator);
  const std::vector<double> x = random_values(p.d, generator);
  const double y = 0.75;
  double y_hat = p.v0;
  for (std::size_t h = 0; h < p.H; ++h) {
    double a = p.w0[h];
    for (std::size_t j = 0; j < p.d; ++j) a += p.W[h * p.d + j] * x[j];
    y_hat += p.v[h] / (1.0 + std::exp(-a));
  }
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  SeedNetwork<double> net = network_for(p);
  const Var<double> prediction = net.forward(Tensor<double>({p.d}, x));
  REQUIRE(prediction.shape() == Shape{1});
  CHECK(prediction.item() == Approx(y_hat).epsilon(1e-14));
  const Var<double> E = net.loss(Tensor<double>({p.d}, x), Tensor<double>({1}, {y}));
  CHECK(E.item() == Approx(0.5 * (y - y_hat) * (y - y_hat)).epsilon(1e-13));
}

TEST_CASE("seed network keeps torch's parameter names and shapes", "[models][seed]") {
  SeedNetwork<double> net(4, 3);
  const auto named = net.named_parameters();
  REQUIRE(named.size() == 4);
  CHECK(named[0].first == "layers.0.weight");
  CHECK(named[1].first == "layers.0.bias");
  CHECK(named[2].first == "layers.1.weight");
  CHECK(named[3].first == "layers.1.bias");
  for (const auto& [name, parameter] : named) CHECK(parameter.name() == name);
  CHECK(net.hidden_weight().shape() == Shape{3, 4});
  CHECK(net.hidden_bias().shape() == Shape{3});
  CHECK(net.output_weight().shape() == Shape{1, 3});
  CHECK(net.output_bias().shape() == Shape{1});
  CHECK(net.activations() == std::vector<Activation>{Activation::kSigmoid, Activation::kIdentity});
}

TEST_CASE("seed network labels its graph x y a z ŷ E", "[models][seed]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  SeedNetwork<double> net(2, 3);
  net.loss(Tensor<double>({2}, {0.1, 0.2}), Tensor<double>({1}, {1.0}));
  std::vector<std::string> outputs, inputs;
  for (const Node<double>* node : tape.nodes()) {
    outputs.emplace_back(node->output().label);
    for (std::size_t k = 0; k < node->num_inputs(); ++k) inputs.emplace_back(node->input(k).label);
  }
  CHECK(outputs == std::vector<std::string>{"a", "z", "ŷ", "E"});
  CHECK(inputs == std::vector<std::string>{"x", "layers.0.weight", "layers.0.bias", "a", "z",
                                           "layers.1.weight", "layers.1.bias", "ŷ", "y"});
}

TEST_CASE("seed network loss keeps a label the caller gave", "[models][seed]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  SeedNetwork<double> net(1, 1);
  const Var<double> input = tape.constant(Tensor<double>({1}, {0.3}), "features");
  net.loss(input, Tensor<double>({1}, {1.0}));
  CHECK(input.label() == "features");
}

TEST_CASE("seed network loss rejects mismatched x and y with both shapes",
          "[models][seed][errors]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  SeedNetwork<double> net(2, 2);
  CHECK_THROWS_AS(net.loss(Tensor<double>({3, 2}), Tensor<double>({3})), ShapeError);
  CHECK_THROWS_WITH(net.loss(Tensor<double>({3, 2}), Tensor<double>({3})),
                    Contains("x [3,2] and y [3]") && Contains("x [n,d] with y [n,1]"));
  CHECK_THROWS_WITH(net.loss(Tensor<double>({2}), Tensor<double>({2, 1})),
                    Contains("x [d] with y [1]"));
  CHECK_THROWS_AS(hand_derived_updates(net, Tensor<double>({3}), 1.0, 0.1), ShapeError);
}

}  // namespace file_models_seed_network_test
