// `tapegrad explain`: prints the explanation of tools/explain.hpp for one parameter element of
// the seed network or of a model from files.
#include <fmt/format.h>

#include "commands.hpp"
#include "explain.hpp"
#include "graph/errors.hpp"

namespace tapegrad::tools {

int run_explain(const ExplainCommandOptions& options) {
  const bool files = !options.model.empty() || !options.weights.empty() || !options.data.empty();
  if (files && (options.model.empty() || options.weights.empty() || options.data.empty()))
    throw Error("explain: --model, --weights and --data go together; give all three");
  if (!files && options.row)
    throw Error("explain: --row selects a row of --data; the seed network has one example");
  if (options.hessian) {
    if (files) throw Error("explain: --hessian is for the seed network; leave out --model");
    const SeedExample example = make_seed_example(options.inputs, options.hidden, options.seed);
    const SeedHessian hessian = seed_output_hessian(example, options.digits);
    fmt::print("{}", hessian.text);
    return hessian.agree ? 0 : 1;
  }
  if (options.names != "torch" && options.names != "derivation")
    throw Error(fmt::format("explain: --names is torch or derivation, got '{}'", options.names));
  ExplainSubject subject =
      files ? model_subject(options.model, options.weights, options.data, options.row)
            : seed_subject(options.inputs, options.hidden, options.seed);
  if (options.names == "derivation") name_by_derivation(subject);
  std::string param;
  if (options.param) {
    param = *options.param;
  } else {
    const std::vector<std::string> elements = parameter_elements(subject);
    if (elements.empty()) throw Error("explain: the loss depends on no parameter");
    param = elements.front();
  }
  const Explanation explanation =
      explain(subject, param,
              ExplainOptions{.paths = options.paths, .digits = options.digits, .eps = options.eps});
  fmt::print("{}", explanation.text);
  return explanation.agree ? 0 : 1;
}

}  // namespace tapegrad::tools
