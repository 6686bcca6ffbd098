// tapegrad: the command-line tool. Parses the command line with CLI11 and hands each subcommand
// its options; the work is done in tools/<command>.cpp. Numbers on the command line are read by
// tools/flags.hpp's strict rules; the report and errors go out through tools/standard_streams.hpp.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <limits>
#include <optional>
#include <system_error>
#include <type_traits>

#include "commands.hpp"
#include "flags.hpp"
#include "graph/checks.hpp"
#include "graph/errors.hpp"
#include "models/io/atomic_file.hpp"
#include "standard_streams.hpp"

namespace {

using namespace tapegrad::tools;

constexpr const char* kOverwriteInputHelp =
    "Allow --out to be one of the input files; it is replaced only if the run succeeds";

// A flag's value read by `parse`; its message replaces CLI11's ("Value 0 not in range ...").
template <class Parse>
auto read_flag(Parse parse) {
  try {
    return parse();
  } catch (const tapegrad::Error& error) {
    throw CLI::ValidationError(error.what());
  }
}

template <class Integer>
CLI::Option* add_integer(CLI::App* command, const std::string& flag, Integer& target,
                         const std::string& description, std::type_identity_t<Integer> min = 0,
                         std::type_identity_t<Integer> max = std::numeric_limits<Integer>::max()) {
  const auto set = [&target, flag, min, max](const std::string& text) {
    target = static_cast<Integer>(read_flag([&] {
      return parse_integer_flag(flag, text, static_cast<std::uint64_t>(min),
                                static_cast<std::uint64_t>(max));
    }));
  };
  return command->add_option_function<std::string>(flag, set, description)
      ->type_name("INT")
      ->default_str(std::to_string(target));
}

template <class Integer>
CLI::Option* add_integer(CLI::App* command, const std::string& flag, std::optional<Integer>& target,
                         const std::string& description) {
  const auto set = [&target, flag](const std::string& text) {
    target = static_cast<Integer>(read_flag(
        [&] { return parse_integer_flag(flag, text, 0, std::numeric_limits<Integer>::max()); }));
  };
  return command->add_option_function<std::string>(flag, set, description)->type_name("INT");
}

CLI::Option* add_real(CLI::App* command, const std::string& flag, double& target, RealRule rule,
                      const std::string& description) {
  const auto set = [&target, flag, rule](const std::string& text) {
    target = read_flag([&] { return parse_real_flag(flag, text, rule); });
  };
  return command->add_option_function<std::string>(flag, set, description)
      ->type_name("FLOAT")
      ->default_str(fmt::format("{:g}", target));
}

// `tapegrad trian`: CLI11 would say "A subcommand is required"; name the nearest command instead.
bool refuse_unknown_command(CLI::App& app, int argc, char** argv) {
  if (argc < 2 || argv[1][0] == '-') return false;
  std::vector<std::string_view> names;
  for (const CLI::App* command : app.get_subcommands([](CLI::App*) { return true; }))
    names.push_back(command->get_name());
  const std::string_view typed = argv[1];
  if (std::find(names.begin(), names.end(), typed) != names.end()) return false;
  const std::optional<std::string_view> nearest = nearest_name(typed, names);
  print_error(fmt::format("unknown command '{}'.{} The commands are {} (tapegrad --help).", typed,
                          nearest ? fmt::format(" Did you mean '{}'?", *nearest) : "",
                          fmt::join(names, ", ")));
  return true;
}

int run(int argc, char** argv) {
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
  add_integer(demo_cmd, "--seed", demo.seed, "Random seed for weights and data");
  add_integer(demo_cmd, "--epochs", demo.epochs, "Training epochs", 1);

  GradcheckCommandOptions check;
  CLI::App* check_cmd = app.add_subcommand(
      "gradcheck",
      "Check every built-in op and the seed MLP against central finite differences in double "
      "precision, element by element. Prints a table (op, input, max abs error, max rel error, "
      "worst element). With --model, --weights and --data: check that model instead, element by "
      "element, with the worst elements per parameter and, on failure, the first op whose "
      "backward is wrong. Exit status 0 pass, 1 fail, 2 bad input.");
  add_real(check_cmd, "--eps", check.eps, RealRule::kRelativeStep,
           "Relative finite-difference step: element θ moves by eps·max(1,|θ|). 0: fit it to "
           "double precision ε, ε^(1/3) ≈ 6.1e-6, or ε^(1/5) ≈ 7.4e-4 with --richardson");
  add_real(check_cmd, "--atol", check.atol, RealRule::kNonNegative, "Absolute tolerance");
  add_real(check_cmd, "--rtol", check.rtol, RealRule::kNonNegative, "Relative tolerance");
  add_integer(check_cmd, "--seed", check.seed, "Random seed for the inputs (and the sample)");
  check_cmd->add_option("--model", check.model, "Model config (JSON): check this model instead");
  check_cmd->add_option("--weights", check.weights, "Its weights (safetensors), with --model");
  check_cmd->add_option("--data", check.data, "Its data (CSV), with --model");
  add_integer(check_cmd, "--rows", check.rows, "Use only the first N rows of the data (0: all)");
  add_integer(check_cmd, "--max-elements", check.max_elements,
              "With --model: check at most N elements of each parameter, a random sample drawn "
              "with --seed (0: all)");
  check_cmd->add_flag("--json", check.json, "Print the report as JSON (every mode)");
  check_cmd->add_flag("--richardson", check.richardson,
                      "Richardson extrapolation of the finite differences (error O(h⁴))");
  add_integer(check_cmd, "--worst", check.worst, "Worst elements shown per parameter");
  add_integer(check_cmd, "--order", check.order,
              "2: second derivatives (gradgradcheck): the recorded backward pass "
              "differentiated, against finite differences of first derivatives",
              1, 2);
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
                      "layers.0.weight or, with --expanded, layers.0.weight[1,2] or w_23");
  add_integer(dot_cmd, "--inputs", dot.inputs, "Inputs d of the seed network", 1, 16);
  add_integer(dot_cmd, "--hidden", dot.hidden, "Hidden units H of the seed network", 1, 16);
  add_integer(dot_cmd, "--seed", dot.seed, "Random seed for weights and the example");
  dot_cmd->add_option("--model", dot.model, "Instead of the seed network: a model config (JSON)");
  dot_cmd->add_option("--weights", dot.weights, "Its weights (safetensors), with --model");
  dot_cmd->add_option("--data", dot.data, "Its data (CSV), with --model");
  add_integer(dot_cmd, "--row", dot.row, "The row of the data to draw (0-based)");
  dot_cmd
      ->add_option("--collapse", dot.collapse,
                   "layers: draw each layer of the model as one vertex (tensor view)")
      ->check(CLI::IsMember({"layers"}));
  add_integer(dot_cmd, "--max-values", dot.max_values, "Values shown per tensor (tensor view)");
  dot_cmd->add_option("--replay", dot.replay_dir,
                      "Also write the backward pass step by step into this folder: one SVG per "
                      "op (frame-01.svg, ...), with the gradient flowing in, each edge's "
                      "contribution and the running sums");

  dot_cmd->add_option("--html", dot.html,
                      "Also write a self-contained HTML page that steps through the backward "
                      "pass (Previous/Next, arrow keys; zoom with the wheel, +, - and 0) and "
                      "explains a parameter element when clicked (expanded or collapsed view)");
  dot_cmd
      ->add_option("--layout", dot.layout,
                   "How the expanded view, --replay and --html draw a layered model: network "
                   "(default; one column per layer, units in index order, each weight written on "
                   "its edge) or boxes (every weight a box of its own)")
      ->check(CLI::IsMember({"network", "boxes"}));
  dot_cmd
      ->add_option("--view", dot.view,
                   "The view the --html page opens in: auto (default; one vertex per element "
                   "unless its labels fitted to a 1400×1000 window would be under 12 px, then "
                   "one per tensor), expanded or collapsed; the page's button or V switches")
      ->check(CLI::IsMember({"auto", "expanded", "collapsed"}));
  dot_cmd
      ->add_option("--names", dot.names,
                   "torch (default): layers.0.weight[1,2], z[1]; derivation: the reference "
                   "derivation's 1-based names, w_23, z_2, x_3, v_0 (seed-shaped networks)")
      ->capture_default_str()
      ->check(CLI::IsMember({"torch", "derivation"}));
  dot_cmd->add_flag("--details", dot.details,
                    "Also show programmer details: each vertex's kind or op with its shape, and "
                    "the bytes an op saved for backward");

  ExplainCommandOptions explain;
  CLI::App* explain_cmd = app.add_subcommand(
      "explain",
      "The chain rule for one parameter element: the reference derivation's product of factors "
      "with the example's numbers (seed network), every path from the element to the loss with "
      "its product and their sum, autodiff's value and a finite difference. Exit status 0 if "
      "they agree, 1 if not, 2 for bad input.");
  explain_cmd->add_option(
      "--param", explain.param,
      "The element: layers.0.weight[1,2], or for the seed network the derivation's "
      "name, w_23 (or w_2,3) or v_1 (1-based; w_h0 and v_0 are the biases). Default: the "
      "first parameter element");
  add_integer(explain_cmd, "--inputs", explain.inputs, "Inputs d of the seed network", 1, 16);
  add_integer(explain_cmd, "--hidden", explain.hidden, "Hidden units H of the seed network", 1, 16);
  add_integer(explain_cmd, "--seed", explain.seed, "Random seed for weights and the example");
  explain_cmd->add_option("--model", explain.model,
                          "Instead of the seed network: a model config (JSON)");
  explain_cmd->add_option("--weights", explain.weights, "Its weights (safetensors), with --model");
  explain_cmd->add_option("--data", explain.data, "Its data (CSV), with --model");
  add_integer(explain_cmd, "--row", explain.row,
              "One row of the data (0-based); without it, all rows as one batch");
  add_integer(explain_cmd, "--paths", explain.paths,
              "Paths shown, largest |product| first; the others are summed in one line",
              std::size_t{1}, std::size_t{1000000});
  add_integer(explain_cmd, "--digits", explain.digits, "Significant digits of the numbers shown", 1,
              17);
  explain_cmd
      ->add_option("--names", explain.names,
                   "torch (default) or derivation: print the graph's elements by the reference "
                   "derivation's 1-based names (w_23, z_2, x_3)")
      ->capture_default_str()
      ->check(CLI::IsMember({"torch", "derivation"}));
  explain_cmd->add_flag("--hessian", explain.hessian,
                        "Instead: the seed network's Hessian of E with respect to the output "
                        "layer, ∂²E/∂v_h∂v_k = z_h z_k (z_0 = 1), by autodiff against the formula");
  add_real(explain_cmd, "--eps", explain.eps, RealRule::kRelativeStep,
           "Finite-difference step, relative to max(1,|θ|); 0: fitted to double");

  InitOptions init;
  CLI::App* init_cmd = app.add_subcommand(
      "init",
      "Write initial weights for a model config: He uniform U(±√(6/in)) for relu layers, Glorot "
      "uniform U(±√(6/(in+out))) for the others, biases 0 (models/init.hpp).");
  init_cmd->add_option("--model", init.model, "Model config (JSON)")->required();
  init_cmd->add_option("--out", init.out, "Weights file to write (safetensors)")->required();
  add_integer(init_cmd, "--seed", init.seed, "Random seed (default: the config's, else 1)");
  init_cmd->add_option("--dtype", init.dtype, "Element type of the weights: F32 or F64")
      ->capture_default_str();
  init_cmd->add_flag("--overwrite-input", init.overwrite_input, kOverwriteInputHelp);

  GradOptions grad;
  CLI::App* grad_cmd = app.add_subcommand(
      "grad",
      "Compute the gradient of the config's loss over the whole data file with respect to every "
      "parameter, and write it under the parameters' names, in the weights' element type.");
  grad_cmd->add_option("--model", grad.model, "Model config (JSON)")->required();
  grad_cmd->add_option("--weights", grad.weights, "Weights (safetensors)")->required();
  grad_cmd->add_option("--data", grad.data, "Data (CSV: inputs, then outputs)")->required();
  grad_cmd->add_option("--out", grad.out, "Gradient file to write (safetensors)")->required();
  grad_cmd->add_flag("--overwrite-input", grad.overwrite_input, kOverwriteInputHelp);

  TrainCommandOptions train;
  CLI::App* train_cmd = app.add_subcommand(
      "train",
      "Train a model from files: mini-batch gradient descent on the config's loss, with a "
      "progress line, the loss per epoch, and the trained weights written at the end.");
  train_cmd->add_option("--model", train.model, "Model config (JSON)")->required();
  train_cmd->add_option("--weights", train.weights, "Initial weights (safetensors)")->required();
  train_cmd->add_option("--data", train.data, "Training data (CSV)")->required();
  train_cmd->add_option("--out", train.out, "Trained weights to write (safetensors)")->required();
  add_integer(train_cmd, "--epochs", train.epochs, "Passes over the data", 1);
  const CLI::Option* train_lr =
      add_real(train_cmd, "--lr", train.lr, RealRule::kPositive, "Learning rate η");
  add_integer(train_cmd, "--batch", train.batch, "Rows per step (0: all rows)");
  train_cmd
      ->add_option("--optimizer", train.optimizer,
                   "sgd, momentum (0.9), adam or adamw (decoupled weight decay)")
      ->capture_default_str()
      ->check(CLI::IsMember({"sgd", "momentum", "adam", "adamw"}));
  add_real(train_cmd, "--weight-decay", train.weight_decay, RealRule::kNonNegative,
           "Weight decay λ: added to the gradient (sgd, momentum, adam) or decoupled (adamw)")
      ->default_str("0; adamw 0.01");
  add_real(train_cmd, "--clip-grad-norm", train.clip_grad_norm, RealRule::kPositive,
           "Scale the gradients down to this L2 norm (over all parameters) before each step")
      ->default_str("off");
  train_cmd->add_option("--val", train.validation, "Validation data (CSV), evaluated each epoch");
  train_cmd->add_option("--log", train.log,
                        "CSV file for the loss per epoch (for sse, per row: E over the rows)");
  train_cmd->add_option("--plot", train.plot, "SVG file for the loss curves");
  add_integer(train_cmd, "--seed", train.seed, "Random seed for the order of the rows");
  train_cmd->add_flag("--quiet", train.quiet,
                      "Print no progress and no epoch lines, only the files written");
  add_integer(train_cmd, "--every", train.every,
              "Off a terminal, print the loss every N epochs (and the last); default: about 20 "
              "lines for the run",
              1);
  train_cmd->add_option("--checkpoint", train.checkpoint,
                        "Also write the weights and the optimizer's state here (atomically) every "
                        "--checkpoint-every epochs");
  add_integer(train_cmd, "--checkpoint-every", train.checkpoint_every, "Epochs between checkpoints",
              1);
  train_cmd->add_flag("--resume", train.resume,
                      "--weights is a checkpoint: continue from its optimizer state and epoch "
                      "(--epochs counts from the start of the first run)");
  train_cmd->add_flag("--overwrite-input", train.overwrite_input, kOverwriteInputHelp);
  train_cmd->add_flag("--data-parallel", train.data_parallel,
                      "Under mpirun: each rank trains a replica on its share of every batch, and "
                      "the gradients are summed over the ranks before each step (needs a build "
                      "with MPI)");
  train_cmd->add_flag("--detect-anomaly", train.detect_anomaly,
                      "Stop at the first op whose output or gradient holds NaN or infinity, and "
                      "name it (slower; graph/checks.hpp)");

  if (refuse_unknown_command(app, argc, argv)) return 2;
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help prints and exits 0; any malformed command line is bad input: exit status 2.
    return app.exit(e) == 0 ? 0 : 2;
  }
  train.lr_given = train_lr->count() > 0;
  if (*demo_cmd) return run_demo(demo);
  if (*check_cmd) return run_gradcheck(check);
  if (*dot_cmd) return run_dot(dot);
  if (*explain_cmd) return run_explain(explain);
  if (*init_cmd) return run_init(init);
  if (*grad_cmd) return run_grad(grad);
  if (*train_cmd) return run_train(train);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (!reserve_standard_streams()) {
    print_error("standard output is closed, so no report could be written; nothing was done");
    return kExitReportFailed;
  }
  std::signal(SIGPIPE, SIG_IGN);  // a reader that went away: a failed write (exit 3), not death
  tapegrad::remove_temporaries_on_signals();
  int status = 2;
  // No exception leaves main: each becomes a message and an exit status.
  try {
    status = run(argc, argv);
  } catch (const tapegrad::AnomalyError& e) {
    print_error(e.what());
    status = 1;  // the computation went wrong, not its input
  } catch (const tapegrad::Error& e) {
    print_error(e.what());
    status = 2;
  } catch (const std::system_error& e) {
    if (report_failed()) {
      print_error(
          fmt::format("cannot write the report to standard output: {}", e.code().message()));
      return kExitReportFailed;
    }
    print_error(fmt::format("unexpected error: {}", e.what()));
  } catch (const std::bad_alloc&) {
    print_error("out of memory (std::bad_alloc)");
  } catch (const std::exception& e) {
    print_error(fmt::format("unexpected error: {}", e.what()));
  } catch (...) {
    print_error("unexpected error of an unknown kind");
  }
  return finish_report(status);
}
