// `tapegrad demo`: the reference derivation (shared/reference/backprop-hidden-nodes.md) run end
// to end. For one example, the updates autodiff gives (Δθ = −η ∂E/∂θ) are printed beside the
// hand-derived formulas
//   Δv_h  = η(y − ŷ) z_h                       (h = 0 with z_0 = 1)
//   Δw_hj = η(y − ŷ) v_h z_h (1 − z_h) x_j     (j = 0 with x_0 = 1)
// then the network is trained with per-example SGD on a generated regression task, and the
// example's expanded graph is written to DIR/seed-mlp.dot and DIR/seed-mlp.svg.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <system_error>
#include <vector>

#include "commands.hpp"
#include "graph/errors.hpp"
#include "graph/tape.hpp"
#include "graph/views/dot.hpp"
#include "graph/views/graph_view.hpp"
#include "graph/views/render.hpp"
#include "optim/sgd.hpp"
#include "seed_example.hpp"

namespace tapegrad::tools {

namespace {

constexpr std::size_t kInputs = 3, kHidden = 4;
constexpr double kEta = 0.1;
// Autodiff and the formulas evaluate the same products in a different order; they must agree to
// a few rounding errors.
constexpr double kAgreement = 1e-12;

struct Comparison {
  std::size_t rows = 0, disagreements = 0;
  double worst = 0;  // largest relative difference

  void add(std::string_view update, std::string_view formula, double hand, double autodiff) {
    const double difference = std::abs(hand - autodiff);
    const double relative = difference / std::max(std::abs(hand), 1e-300);
    const bool agrees = difference <= kAgreement * std::abs(hand) || difference == 0;
    worst = std::max(worst, hand == 0 ? difference : relative);
    ++rows;
    if (!agrees) ++disagreements;
    fmt::print("  {:<6} = {:<32} {:>20.13e} {:>20.13e}  {:.1e}{}\n", update, formula, hand,
               autodiff, hand == 0 ? difference : relative, agrees ? "" : "  DISAGREE");
  }
};

// Checks one example; returns true if every update agrees. Leaves the example's graph on `tape`
// and writes it to out_dir.
bool check_example(SeedExample& example, Tape<double>& tape, const std::filesystem::path& out_dir) {
  SeedNetwork<double>& network = example.network;
  const Var<double> E = network.loss(example.x, example.y);
  network.zero_grad();
  E.backward();
  const SeedUpdates<double> hand = hand_derived_updates(network, example.x, example.y[0], kEta);

  fmt::print(
      "The seed network: d = {} inputs, H = {} sigmoid hidden units, one linear output,\n"
      "E = ½(y − ŷ)², learning rate η = {}.\n\n",
      kInputs, kHidden, kEta);
  fmt::print("One example: x = [{:.6f}], y = {:.6f}; ŷ = {:.6f}, E = {:.6f}\n\n",
             fmt::join(example.x.values(), ", "), example.y[0], hand.prediction, E.item());
  fmt::print("  {:<6}   {:<32} {:>20} {:>20}  {}\n", "update", "hand-derived formula",
             "by the formula", "by autodiff −η ∂E/∂θ", "rel. diff");

  const auto& W = network.hidden_weight().grad();
  const auto& w0 = network.hidden_bias().grad();
  const auto& v = network.output_weight().grad();
  const auto& v0 = network.output_bias().grad();
  Comparison comparison;
  comparison.add("Δv_0", "η(y − ŷ)", hand.dv0, -kEta * v0[0]);
  for (std::size_t h = 1; h <= kHidden; ++h)
    comparison.add(fmt::format("Δv_{}", h), fmt::format("η(y − ŷ) z_{}", h), hand.dv[h - 1],
                   -kEta * v[h - 1]);
  for (std::size_t h = 1; h <= kHidden; ++h) {
    const std::string back = fmt::format("η(y − ŷ) v_{0} z_{0}(1 − z_{0})", h);
    comparison.add(fmt::format("Δw_{}0", h), back, hand.dw0[h - 1], -kEta * w0[h - 1]);
    for (std::size_t j = 1; j <= kInputs; ++j)
      comparison.add(fmt::format("Δw_{}{}", h, j), fmt::format("{} x_{}", back, j),
                     hand.dW[(h - 1) * kInputs + (j - 1)], -kEta * W[(h - 1) * kInputs + (j - 1)]);
  }
  const bool agreed = comparison.disagreements == 0;
  fmt::print("\n{}: {} of {} updates agree to {:g} relative (largest difference {:.1e}).\n\n",
             agreed ? "AGREE" : "DISAGREE", comparison.rows - comparison.disagreements,
             comparison.rows, kAgreement, comparison.worst);

  // The graph of this example, one vertex per neuron, with the factor on each edge.
  const ComputationGraph graph = expanded_view(tape, E);
  const std::string dot = to_dot(
      graph, DotFormat{.title = "The seed MLP: E = ½(y − ŷ)² for one example, after backward"});
  for (const char* name : {"seed-mlp.dot", "seed-mlp.svg"}) {
    const std::filesystem::path path = out_dir / name;
    write_graph(path.string(), dot);
    fmt::print("Wrote {}\n", path.string());
  }
  fmt::print("\n");
  return agreed;
}

// y = ½ sin(π x_1) + x_2 x_3 at n points of [−1, 1]³.
struct Regression {
  std::vector<Tensor<double>> x, y;  // per example: [d], [1]
  Tensor<double> all_x, all_y;       // the batch: [n,d], [n,1]
};

Regression make_regression(std::size_t n, std::uint64_t seed) {
  Generator generator(seed ^ 0x5eedda7aULL);
  Regression data{
      {}, {}, uniform_tensor({n, kInputs}, -1.0, 1.0, generator), Tensor<double>({n, 1})};
  for (std::size_t i = 0; i < n; ++i) {
    const double* row = &data.all_x[i * kInputs];
    data.all_y[i] = 0.5 * std::sin(3.141592653589793 * row[0]) + row[1] * row[2];
    data.x.emplace_back(Shape{kInputs}, std::vector<double>(row, row + kInputs));
    data.y.emplace_back(Shape{1}, std::vector<double>{data.all_y[i]});
  }
  return data;
}

// Mean of E = ½(y − ŷ)² over the examples, without recording.
double mean_loss(SeedNetwork<double>& network, const Regression& data, Tape<double>& tape) {
  NoGradGuard no_grad;
  tape.clear();
  return network.loss(data.all_x, data.all_y).item() / static_cast<double>(data.x.size());
}

// Per-example SGD, θ ← θ − η ∂E/∂θ, as in the derivation; returns the loss before and after.
std::pair<double, double> train(SeedNetwork<double>& network, const Regression& data, int epochs,
                                Tape<double>& tape) {
  SGD<double> sgd(network.parameters(), SGDOptions(kEta));
  const double first = mean_loss(network, data, tape);
  fmt::print(
      "Training on {} examples of y = ½ sin(π x_1) + x_2 x_3 with per-example SGD "
      "(η = {}):\n  epoch {:>5}   mean E {:.6f}\n",
      data.x.size(), kEta, 0, first);
  const int report_every = std::max(1, epochs / 10);
  double last = first;
  for (int epoch = 1; epoch <= epochs; ++epoch) {
    for (std::size_t i = 0; i < data.x.size(); ++i) {
      tape.clear();
      const Var<double> E = network.loss(data.x[i], data.y[i]);
      sgd.zero_grad();
      E.backward();
      sgd.step();
    }
    if (epoch % report_every == 0 || epoch == epochs) {
      last = mean_loss(network, data, tape);
      fmt::print("  epoch {:>5}   mean E {:.6f}\n", epoch, last);
    }
  }
  return {first, last};
}

}  // namespace

int run_demo(const DemoOptions& options) {
  const std::filesystem::path out_dir(options.out_dir);
  std::error_code error;
  std::filesystem::create_directories(out_dir, error);
  if (error)
    throw Error(fmt::format("demo: cannot create the output folder '{}': {}", out_dir.string(),
                            error.message()));

  SeedExample example = make_seed_example(kInputs, kHidden, options.seed);
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  const bool agreed = check_example(example, tape, out_dir);

  const Regression data = make_regression(64, options.seed);
  const auto [first, last] = train(example.network, data, options.epochs, tape);
  fmt::print("The mean loss fell from {:.6f} to {:.6f} ({:.1f}× smaller).\n", first, last,
             first / last);

  if (!agreed) fmt::print("\nFAIL: autodiff disagrees with the hand-derived updates.\n");
  return agreed ? 0 : 1;
}

}  // namespace tapegrad::tools
