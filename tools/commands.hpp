// The subcommands of `tapegrad`, each in its own file; tools/main.cpp parses the command line
// (CLI11) into these option structs. Each returns the process's exit status.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace tapegrad::tools {

struct DemoOptions {
  std::string out_dir = "out";
  std::uint64_t seed = 1;
  int epochs = 200;
};
int run_demo(const DemoOptions& options);

struct GradcheckCommandOptions {
  double eps = 0;  // 0: fitted to double (relative_step in graph/gradcheck.hpp)
  double atol = 1e-6;
  double rtol = 1e-5;
  std::uint64_t seed = 1;
  bool formula = false;  // the seed network: formulas, autodiff and finite differences
  // With a model, weights and data: check that model instead (tools/model_commands.cpp).
  std::string model, weights, data;
  bool json = false;
  std::size_t rows = 0;  // 0: every row
  bool richardson = false;
  std::size_t worst = 5;         // worst elements shown per parameter
  int order = 1;                 // 2: second derivatives (gradgradcheck)
  std::size_t max_elements = 0;  // with a model: at most this many elements per parameter (0: all)
  // Set by the command, not a flag: called as elements are checked (GradcheckOptions::progress).
  std::function<void(std::size_t done, std::size_t total)> progress = nullptr;
};
int run_gradcheck(const GradcheckCommandOptions& options);
int run_gradcheck_files(const GradcheckCommandOptions& options);

struct InitOptions {
  std::string model, out;
  std::optional<std::uint64_t> seed;  // else the config's, else 1
  std::string dtype = "F32";
  bool overwrite_input = false;  // --out may be the config (tools/output_paths.hpp)
};
int run_init(const InitOptions& options);

struct GradOptions {
  std::string model, weights, data, out;
  bool overwrite_input = false;  // --out may be an input (tools/output_paths.hpp)
};
int run_grad(const GradOptions& options);

struct TrainCommandOptions {
  std::string model, weights, data, out;
  int epochs = 10;
  double lr = 0.01;
  bool lr_given = false;  // --lr was on the command line (with --resume: the checkpoint's or none)
  std::size_t batch = 0;  // 0: the whole file in one batch
  std::string optimizer = "sgd";
  double weight_decay = -1;   // λ; below 0: the optimizer's default (0; adamw 0.01)
  double clip_grad_norm = 0;  // the gradients' largest L2 norm before each step; 0: no clipping
  std::string validation, log, plot;
  std::uint64_t seed = 1;  // for the order of the batches
  bool detect_anomaly = false;
  std::string checkpoint;  // weights and optimizer state written here every checkpoint_every epochs
  int checkpoint_every = 1;
  bool resume = false;         // --weights is a checkpoint: continue its optimizer state and epochs
  bool data_parallel = false;  // under mpirun: one replica per rank (tools/collective.hpp)
  bool overwrite_input = false;  // --out may be an input (tools/output_paths.hpp)
  bool quiet = false;            // no progress or epoch lines: only what was written
  int every = 0;                 // epochs between plain lines off a terminal; 0: about 20 lines
};
int run_train(const TrainCommandOptions& options);

struct DotOptions {
  std::string output = "seed-mlp.svg";  // .dot, .svg or .png
  bool expanded = false;                // one vertex per element instead of per tensor
  std::string highlight;                // e.g. "layers.0.weight[1,2]"
  std::size_t inputs = 3, hidden = 4;   // the seed network's d and H
  std::uint64_t seed = 1;
  // Instead of the seed network: a model from files, on one row of its data.
  std::string model, weights, data;
  std::size_t row = 0;         // 0-based
  std::string collapse;        // "layers": one vertex per layer (tensor view)
  std::size_t max_values = 8;  // values shown per tensor (tensor view)
  std::string replay_dir;      // also write the backward replay, one SVG per step, here
  std::string html;            // also write the step-through viewer (tools/viewer.hpp) here
  // For the expanded drawings (--expanded, --replay, --html): "network" (graph/network.hpp, the
  // default) or "boxes" (every weight a vertex of its own).
  std::string layout;
  std::string names = "torch";  // or "derivation": the reference derivation's 1-based names
  bool details = false;         // kinds, op names with shapes, bytes saved for backward
  // The view --html opens in (tools/viewer.hpp): "auto" (the default), "expanded", "collapsed".
  std::string view;
};
int run_dot(const DotOptions& options);

struct ExplainCommandOptions {
  // "layers.0.weight[1,2]" or "w_2,3" (graph/names.hpp); not given: the first element. An empty
  // name is refused.
  std::optional<std::string> param;
  std::size_t inputs = 3, hidden = 4;  // the seed network's d and H
  std::uint64_t seed = 1;
  std::string model, weights, data;  // instead of the seed network
  std::optional<std::size_t> row;    // with a model: one row (else all rows as one batch)
  std::size_t paths = 5;
  int digits = 6;
  double eps = 0;
  bool hessian = false;         // the seed network's ∂²E/∂v_h∂v_k = z_h z_k instead
  std::string names = "torch";  // or "derivation": print the derivation's names
};
int run_explain(const ExplainCommandOptions& options);

}  // namespace tapegrad::tools
