// The report of `tapegrad gradcheck --model ...`: the whole-model check (graph/gradcheck.hpp) as a
// table or as JSON, and, when it fails, the first op whose backward disagrees on its own. It is
// kept apart from the command so that tests can run it on a model with a planted wrong op.
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "commands.hpp"
#include "graph/gradcheck.hpp"
#include "graph/parameter.hpp"
#include "graph/tensor.hpp"
#include "graph/var.hpp"

namespace tapegrad::tools {

struct GradcheckReport {
  int status = 0;  // 0: every gradient agrees; 1: some do not
  std::string text;
};

// Checks d loss()/d params with options' eps, atol, rtol, richardson and worst; the report names
// each parameter by its name and is JSON if options.json. `subject` says what was checked
// ("models/seed.json over 64 rows of data.csv").
GradcheckReport gradcheck_report(std::span<const Parameter<double>> params,
                                 const std::function<Var<double>()>& loss,
                                 const GradcheckCommandOptions& options, std::string_view subject);

// The second-derivative check (gradgradcheck, graph/gradcheck.hpp) of loss(inputs) with respect
// to its inputs, named `names`, as a table or JSON like gradcheck_report's.
GradcheckReport gradgradcheck_report(
    const std::function<Var<double>(std::span<const Var<double>>)>& loss,
    std::span<const Tensor<double>> inputs, std::span<const std::string> names,
    const GradcheckCommandOptions& options, std::string_view subject);

// The checker's settings from the command's --eps, --atol, --rtol, --richardson and --worst.
GradcheckOptions gradcheck_options(const GradcheckCommandOptions& options);

}  // namespace tapegrad::tools
