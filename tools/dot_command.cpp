// `tapegrad dot`: the seed network's graph for one example after backward, in the tensor view or
// the expanded view, optionally with the paths to one parameter (element) highlighted.
#include <fmt/format.h>

#include "commands.hpp"
#include "seed_example.hpp"
#include "tapegrad/graph/dot.hpp"
#include "tapegrad/graph/graph_view.hpp"
#include "tapegrad/graph/render.hpp"
#include "tapegrad/graph/tape.hpp"

namespace tapegrad::tools {

int run_dot(const DotOptions& options) {
  SeedExample example = make_seed_example(options.inputs, options.hidden, options.seed);
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  const Var<double> E = example.network.loss(example.x, example.y);
  E.backward();

  ComputationGraph graph = options.expanded ? expanded_view(tape, E) : tensor_view(tape, E);
  std::string title = fmt::format("The seed MLP (d = {}, H = {}): E = ½(y − ŷ)² after backward",
                                  options.inputs, options.hidden);
  if (!options.highlight.empty()) {
    if (highlight(graph, options.highlight) == 0)
      throw Error(fmt::format("dot: the loss does not depend on '{}'", options.highlight));
    title += fmt::format("; paths to {} highlighted", options.highlight);
  }
  write_graph(options.output, to_dot(graph, DotFormat{.title = title}));
  fmt::print("Wrote {} ({} view: {} vertices, {} edges)\n", options.output,
             options.expanded ? "expanded" : "tensor", boost::num_vertices(graph),
             boost::num_edges(graph));
  return 0;
}

}  // namespace tapegrad::tools
