// tapegrad: the command-line tool. Parses the command line with CLI11 and hands each subcommand
// its options; the work is done in tools/<command>.cpp.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <cstdio>

#include "commands.hpp"
#include "tapegrad/graph/errors.hpp"

int main(int argc, char** argv) {
  using namespace tapegrad::tools;
  CLI::App app{"tapegrad: reverse-mode automatic differentiation on a tape"};
  app.require_subcommand(1);

  DemoOptions demo;
  CLI::App* demo_cmd = app.add_subcommand(
      "demo",
      "Build the seed MLP of the reference derivation, check one example's autodiff gradients "
      "against the hand-derived formulas Δv_h = η(y − ŷ)z_h and Δw_hj = η(y − ŷ)v_h z_h(1 − "
      "z_h)x_j, "
      "train it with SGD on a generated regression task, and write its expanded graph to "
      "DIR/seed-mlp.dot and DIR/seed-mlp.svg. Exit status 0 only if the gradients agree.");
  demo_cmd->add_option("--out", demo.out_dir, "Folder for seed-mlp.dot and seed-mlp.svg")
      ->capture_default_str();
  demo_cmd->add_option("--seed", demo.seed, "Random seed for weights and data")
      ->capture_default_str();
  demo_cmd->add_option("--epochs", demo.epochs, "Training epochs")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);

  GradcheckCommandOptions check;
  CLI::App* check_cmd = app.add_subcommand(
      "gradcheck",
      "Check every built-in op and the seed MLP against central finite differences in double "
      "precision, element by element. Prints a table (op, input, max abs error, max rel error, "
      "worst element). Exit status 1 if any check fails.");
  check_cmd->add_option("--eps", check.eps, "Relative finite-difference step")
      ->capture_default_str();
  check_cmd->add_option("--atol", check.atol, "Absolute tolerance")->capture_default_str();
  check_cmd->add_option("--rtol", check.rtol, "Relative tolerance")->capture_default_str();
  check_cmd->add_option("--seed", check.seed, "Random seed for the inputs")->capture_default_str();
  check_cmd->add_flag("--formula", check.formula,
                      "Instead: for the seed network (d = 3, H = 4) and one random example, "
                      "compare the reference derivation's formulas for ∂E/∂v_h and ∂E/∂w_hj, "
                      "autodiff and finite differences, element by element; any disagreement "
                      "names the element");

  DotOptions dot;
  CLI::App* dot_cmd = app.add_subcommand(
      "dot",
      "Write the graph of the seed MLP after one backward pass, with values, gradients and the "
      "local derivative on each edge. The output's extension picks the format: .dot, .svg, .png.");
  dot_cmd->add_option("output", dot.output, "Output file (.dot, .svg or .png)")
      ->capture_default_str();
  dot_cmd->add_flag("--expanded", dot.expanded,
                    "One vertex per element (each neuron its own node) instead of per tensor");
  dot_cmd->add_option("--highlight", dot.highlight,
                      "Colour the paths from the loss to one parameter or element, e.g. "
                      "layers.0.weight or, with --expanded, layers.0.weight[1,2]");
  dot_cmd->add_option("--inputs", dot.inputs, "Inputs d of the seed network")
      ->capture_default_str()
      ->check(CLI::Range(1, 16));
  dot_cmd->add_option("--hidden", dot.hidden, "Hidden units H of the seed network")
      ->capture_default_str()
      ->check(CLI::Range(1, 16));
  dot_cmd->add_option("--seed", dot.seed, "Random seed for weights and the example")
      ->capture_default_str();

  CLI11_PARSE(app, argc, argv);
  try {
    if (*demo_cmd) return run_demo(demo);
    if (*check_cmd) return run_gradcheck(check);
    if (*dot_cmd) return run_dot(dot);
  } catch (const tapegrad::Error& e) {
    fmt::print(stderr, "tapegrad: {}\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    fmt::print(stderr, "tapegrad: unexpected error: {}\n", e.what());
    return 2;
  }
  return 0;
}
