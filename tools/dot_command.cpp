// `tapegrad dot`: the graph of one example after backward, in the tensor view or the expanded
// view, optionally with the paths to one parameter (element) highlighted. The example is the
// seed network's, or one row of a model's data given with --model, --weights and --data.
#include <fmt/format.h>

#include <filesystem>
#include <memory>
#include <system_error>
#include <vector>

#include "commands.hpp"
#include "explain.hpp"
#include "graph/errors.hpp"
#include "graph/tape.hpp"
#include "graph/views/dot.hpp"
#include "graph/views/graph_view.hpp"
#include "graph/views/names.hpp"
#include "graph/views/render.hpp"
#include "graph/views/replay.hpp"
#include "models/io/atomic_file.hpp"
#include "models/io/config.hpp"
#include "models/io/config_model.hpp"
#include "models/io/csv_data.hpp"
#include "models/io/training.hpp"
#include "output_paths.hpp"
#include "seed_example.hpp"
#include "viewer.hpp"
#include "weights.hpp"

namespace tapegrad::tools {

namespace {

// The layout of the expanded drawings (the graph with --expanded, the replay, the viewer).
GraphLayout expanded_layout(const DotOptions& options) {
  if (options.layout.empty() || options.layout == "network") return GraphLayout::kNetwork;
  if (options.layout == "boxes") return GraphLayout::kBoxes;
  throw Error(fmt::format("dot: --layout is network or boxes, got '{}'", options.layout));
}

// The view the --html page opens in.
ViewerView viewer_view(const DotOptions& options) {
  if (options.view.empty() || options.view == "auto") return ViewerView::kAuto;
  if (options.view == "expanded") return ViewerView::kExpanded;
  if (options.view == "collapsed") return ViewerView::kCollapsed;
  throw Error(fmt::format("dot: --view is auto, expanded or collapsed, got '{}'", options.view));
}

void check_view_options(const DotOptions& options) {
  if (!options.collapse.empty() && options.expanded)
    throw Error("dot: --collapse draws the tensor view; leave out --expanded");
  expanded_layout(options);
  viewer_view(options);
  if (!options.view.empty() && options.html.empty())
    throw Error("dot: --view chooses the view the --html page opens in; add --html FILE");
  if (!options.layout.empty() && !options.expanded && options.replay_dir.empty() &&
      options.html.empty())
    throw Error(
        "dot: --layout is for the expanded view (one vertex per element); add --expanded, or "
        "leave out --layout for the tensor view");
  if (options.names != "torch" && options.names != "derivation")
    throw Error(fmt::format("dot: --names is torch or derivation, got '{}'", options.names));
}

// The derivation's names on `graph` if asked for; the error says what they need.
void apply_names(ComputationGraph& graph, const DotOptions& options) {
  if (options.names != "derivation") return;
  try {
    use_derivation_names(graph);
  } catch (const Error& error) {
    throw Error(fmt::format("dot: --names derivation: {}", error.what()));
  }
}

// One drawing per backward step for options.replay_dir (graph/replay.hpp), made before anything
// is written; `what` names the example in the titles.
std::vector<std::string> replay_drawings(Tape<double>& tape, const Var<double>& E,
                                         const DotOptions& options, const std::string& what) {
  ComputationGraph expanded;
  try {
    expanded = expanded_view(tape, E);
  } catch (const Error& error) {  // a graph too big for the element view
    throw Error(fmt::format("dot --replay: {}", error.what()));
  }
  apply_names(expanded, options);
  const std::vector<ReplayFrame> frames = backward_replay(expanded);
  const DotFormat format{.layout = expanded_layout(options), .details = options.details};
  std::vector<std::string> drawings;  // all drawn before any is written
  for (std::size_t k = 0; k < frames.size(); ++k) {
    DotFormat frame = format;
    frame.title = fmt::format("{}: backward step {} of {}, {} ({})", what, k + 1, frames.size(),
                              frames[k].op, frames[k].tensor);
    drawings.push_back(to_dot(replay_frame_graph(expanded, frames, k), frame));
  }
  return drawings;
}

// Writes the drawings of replay_drawings into options.replay_dir, one SVG per backward step.
void write_replay(const std::vector<std::string>& drawings, const DotOptions& options) {
  std::error_code error;
  std::filesystem::create_directories(options.replay_dir, error);
  if (error)
    throw Error(
        fmt::format("dot: cannot create the folder {}: {}", options.replay_dir, error.message()));
  for (std::size_t k = 0; k < drawings.size(); ++k)
    write_graph(fmt::format("{}/frame-{:02}.svg", options.replay_dir, k + 1), drawings[k]);
  fmt::print("Wrote {} frames of the backward pass to {}\n", drawings.size(), options.replay_dir);
}

int draw(Tape<double>& tape, const Var<double>& E, const DotOptions& options,
         const std::string& what) {
  check_view_options(options);
  // The page first: it is the part most likely to fail (a graph too big for the element view),
  // and a command that fails writes nothing.
  std::string page;
  if (!options.html.empty()) {
    try {
      ExplainSubject subject =
          options.model.empty()
              ? seed_subject(options.inputs, options.hidden, options.seed)
              : model_subject(options.model, options.weights, options.data, options.row);
      if (options.names == "derivation") name_by_derivation(subject);
      page = viewer_html(subject, {},
                         ViewerOptions{.layout = expanded_layout(options),
                                       .details = options.details,
                                       .view = viewer_view(options)});
    } catch (const Error& error) {  // model_subject speaks for explain; here it is --html
      std::string_view message = error.what();
      if (message.starts_with("explain: "))
        message.remove_prefix(std::string_view("explain: ").size());
      throw Error(fmt::format("dot --html: {}", message));
    }
  }
  // The frames next, for the same reason: the main output was written before a replay too big
  // for the element view failed.
  const std::vector<std::string> frames = options.replay_dir.empty()
                                              ? std::vector<std::string>{}
                                              : replay_drawings(tape, E, options, what);
  GraphViewOptions view;
  view.max_values = options.max_values;
  ComputationGraph graph =
      options.expanded ? expanded_view(tape, E, view) : tensor_view(tape, E, view);
  apply_names(graph, options);
  if (options.collapse == "layers") graph = collapse_layers(graph);
  std::string title = fmt::format("{} after backward", what);
  if (!options.highlight.empty()) {
    const GraphVertex from = vertex_named(graph, options.highlight);
    if (highlight(graph, from) == 0)
      throw Error(fmt::format("dot: the loss does not depend on '{}'", options.highlight));
    title += fmt::format("; paths to {} highlighted", graph[from].name);
  }
  const DotFormat format{
      .title = title,
      .layout = options.expanded ? expanded_layout(options) : GraphLayout::kBoxes,
      // The collapsed view is a programmer's summary: each layer's ops and the bytes they keep.
      .details = options.details || options.collapse == "layers"};
  write_graph(options.output, to_dot(graph, format));
  fmt::print("Wrote {} ({} view{}: {} vertices, {} edges)\n", options.output,
             options.expanded           ? "expanded"
             : options.collapse.empty() ? "tensor"
                                        : "collapsed",
             format.layout == GraphLayout::kNetwork ? ", network layout" : "",
             boost::num_vertices(graph), boost::num_edges(graph));
  if (!options.replay_dir.empty()) write_replay(frames, options);
  if (!options.html.empty()) {
    write_file_atomically(options.html, page);
    fmt::print("Wrote {} (open it in a browser; no network needed)\n", options.html);
  }
  return 0;
}

int dot_of_model(const DotOptions& options) {
  if (options.model.empty() || options.weights.empty() || options.data.empty())
    throw Error("dot: --model, --weights and --data go together; give all three");
  const ModelConfig config = read_model_config(options.model);
  const Dataset data = read_model_data(options.data, config);
  check_targets(config.loss, data, 1e-12);  // in double
  if (options.row >= data.rows)
    throw Error(fmt::format("dot: --row {} but {} has {} rows (0 to {})", options.row, options.data,
                            data.rows, data.rows - 1));
  if (config.is_layered() && !options.html.empty())
    throw Error(fmt::format(
        "dot --html: the step-through viewer explains an MLP; {} has typed layers. Leave out "
        "--html (the graph itself is drawn for any config)",
        options.model));
  const std::shared_ptr<Module<double>> net = make_model<double>(config);
  load_weights(options.weights, *net);
  Tensor<double> x, y;
  gather_rows(data.x, {options.row}, x);
  gather_rows(data.y, {options.row}, y);
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  const Var<double> xv = tape.constant(x, "x"), yv = tape.constant(y, "y");
  // An MLP's ops are labelled by layer (for --collapse layers); a Sequential's forward as it is.
  auto* mlp = dynamic_cast<MLP<double>*>(net.get());
  const Var<double> out = mlp != nullptr ? labelled_forward(*mlp, xv) : net->forward(xv);
  const Var<double> E = apply_loss(config.loss, out, yv).named("E");
  E.backward();
  return draw(
      tape, E, options,
      fmt::format("{} ({}), row {} of {}", config.name.empty() ? options.model : config.name,
                  to_string(config.loss), options.row, options.data));
}

}  // namespace

int run_dot(const DotOptions& options) {
  OutputPlan plan;  // every output checked before any work
  plan.input("--model", options.model);
  plan.input("--weights", options.weights);
  plan.input("--data", options.data);
  plan.output("the output", options.output);
  if (!options.html.empty()) plan.output("--html", options.html);
  if (!options.replay_dir.empty()) plan.output_folder("--replay", options.replay_dir);
  plan.check();
  if (!options.model.empty() || !options.weights.empty() || !options.data.empty())
    return dot_of_model(options);
  SeedExample example = make_seed_example(options.inputs, options.hidden, options.seed);
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  const Var<double> E = example.network.loss(example.x, example.y);
  E.backward();
  return draw(
      tape, E, options,
      fmt::format("The seed MLP (d = {}, H = {}): E = ½(y − ŷ)²", options.inputs, options.hidden));
}

}  // namespace tapegrad::tools
