// The subcommands of `tapegrad`, each in its own file; tools/main.cpp parses the command line
// (CLI11) into these option structs. Each returns the process's exit status.
#pragma once

#include <cstdint>
#include <string>

namespace tapegrad::tools {

struct DemoOptions {
  std::string out_dir = "out";
  std::uint64_t seed = 1;
  int epochs = 200;
};
int run_demo(const DemoOptions& options);

struct GradcheckCommandOptions {
  double eps = 1e-6;
  double atol = 1e-6;
  double rtol = 1e-5;
  std::uint64_t seed = 1;
  bool formula = false;  // the seed network: formulas, autodiff and finite differences
};
int run_gradcheck(const GradcheckCommandOptions& options);

struct DotOptions {
  std::string output = "seed-mlp.svg";  // .dot, .svg or .png
  bool expanded = false;                // one vertex per element instead of per tensor
  std::string highlight;                // e.g. "layers.0.weight[1,2]"
  std::size_t inputs = 3, hidden = 4;   // the seed network's d and H
  std::uint64_t seed = 1;
};
int run_dot(const DotOptions& options);

}  // namespace tapegrad::tools
