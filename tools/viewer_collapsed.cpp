// tools/viewer_collapsed.hpp.
#include "viewer_collapsed.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <string_view>
#include <tuple>
#include <unordered_map>

#include "graph/errors.hpp"
#include "graph/views/dot.hpp"
#include "graph/views/names.hpp"

namespace tapegrad::tools {

namespace {

// The tensors' derivation names if `expanded` was renamed by use_derivation_names, found by
// naming a tensor view of it (one vertex per tensor, as tensor_view would build it).
std::optional<std::vector<std::string>> derivation_tensor_names(const ComputationGraph& expanded,
                                                                const CollapsedView& view) {
  const auto vertices = boost::make_iterator_range(boost::vertices(expanded));
  if (std::none_of(vertices.begin(), vertices.end(),
                   [&](GraphVertex v) { return !expanded[v].alias.empty(); }))
    return std::nullopt;
  ComputationGraph tensors;
  for (const CollapsedTensor& tensor : view.tensors) {
    VertexInfo info = expanded[tensor.elements.front()];
    info.name = info.tensor;
    info.alias.clear();
    info.element = 0;
    boost::add_vertex(std::move(info), tensors);
  }
  for (const CollapsedLink& link : view.links) {
    EdgeInfo edge;
    edge.input = link.input;
    boost::add_edge(link.from, link.to, edge, tensors);
  }
  return derivation_names(tensors);
}

std::string style_of(const CollapsedTensor& tensor, bool highlighted) {
  // As the tensor view of `tapegrad dot` draws it, but with inputs as boxes.
  return dot_style::vertex_attributes(tensor.kind, tensor.root, highlighted, "box");
}

}  // namespace

std::string summarise(const std::vector<double>& values) {
  if (values.empty()) return "—";
  if (values.size() == 1) return fmt::format("{:.4g}", values[0]);
  if (values.size() <= 3) return fmt::format("[{:.4g}]", fmt::join(values, ", "));
  const auto [low, high] = std::minmax_element(values.begin(), values.end());
  return fmt::format("∈ [{:.4g}, {:.4g}]", *low, *high);
}

CollapsedView collapse_elements(const ComputationGraph& expanded) {
  CollapsedView view;
  const std::size_t n = boost::num_vertices(expanded);
  view.tensor_of.resize(n);
  std::unordered_map<std::string, std::size_t> index;
  for (GraphVertex v = 0; v < n; ++v) {
    const VertexInfo& info = expanded[v];
    const auto [it, added] = index.try_emplace(info.tensor, view.tensors.size());
    if (added)
      view.tensors.push_back({.name = info.tensor,
                              .shape = info.shape,
                              .kind = info.kind,
                              .root = info.root,
                              .elements = {}});
    view.tensors[it->second].elements.push_back(v);
    view.tensor_of[v] = it->second;
  }
  for (const CollapsedTensor& tensor : view.tensors)
    if (tensor.elements.size() != expanded[tensor.elements.front()].size)
      throw Error(
          fmt::format("dot --html: the graph has {} of the {} elements of '{}'; the "
                      "collapsed view needs an expanded view",
                      tensor.elements.size(), expanded[tensor.elements.front()].size, tensor.name));

  std::map<std::tuple<std::size_t, std::size_t, std::size_t>, std::size_t> links;
  view.link_of.resize(boost::num_edges(expanded));
  for (const GraphEdge e : boost::make_iterator_range(boost::edges(expanded))) {
    const EdgeInfo& edge = expanded[e];
    if (edge.id >= view.link_of.size())
      throw Error(fmt::format("dot --html: edge id {} of a graph of {} edges", edge.id,
                              view.link_of.size()));
    const std::size_t from = view.tensor_of[boost::source(e, expanded)],
                      to = view.tensor_of[boost::target(e, expanded)];
    const auto [it, added] = links.try_emplace({from, to, edge.input}, view.links.size());
    if (added) view.links.push_back({from, to, edge.input});
    view.link_of[edge.id] = it->second;
  }
  if (const auto names = derivation_tensor_names(expanded, view))
    for (std::size_t t = 0; t < view.tensors.size(); ++t) view.tensors[t].name = (*names)[t];
  return view;
}

std::string collapsed_dot(const CollapsedView& view, const ComputationGraph& expanded,
                          const std::vector<ReplayFrame>& replay, std::optional<std::size_t> step,
                          const std::string& title) {
  if (step && *step >= replay.size())
    throw Error(fmt::format("dot --html: backward step {} of {}", *step, replay.size()));
  const ReplayFrame* frame = step ? &replay[*step] : nullptr;
  std::vector<bool> lit(view.tensors.size(), false), replayed(view.tensors.size(), false);
  std::vector<std::vector<double>> sent(view.links.size());  // contributions, per link
  if (frame) {
    for (GraphVertex out : frame->outputs)
      lit[view.tensor_of[out]] = replayed[view.tensor_of[out]] = true;
    for (const ReplayContribution& c : frame->contributions) {
      sent[view.link_of.at(c.edge)].push_back(c.contribution);
      lit[view.tensor_of[c.source]] = true;
    }
  }

  std::string dot = fmt::format(
      "digraph G {{\nrankdir=TB;\nnodesep=0.15;\nranksep=0.25;\n"
      "node [fontname=\"{0}\", fontsize=14, margin=\"0.08,0.03\"];\n"
      "edge [fontname=\"{0}\", fontsize=14];\n"
      "label={1};\nlabelloc=t;\nfontname=\"{0}\";\nfontsize=16;\n",
      dot_style::kFont, dot_quoted(title));
  for (std::size_t t = 0; t < view.tensors.size(); ++t) {
    const CollapsedTensor& tensor = view.tensors[t];
    std::vector<double> values, sums;
    for (GraphVertex v : tensor.elements) {
      values.push_back(expanded[v].values.at(0));
      if (frame && frame->touched[v]) sums.push_back(frame->running[v]);
    }
    std::string label = tensor.name;
    if (tensor.elements.size() > 1) label += " " + tensor.shape;
    label += "\nvalue " + summarise(values);
    if (replayed[t])
      label += "\ngrad in " + summarise(sums);
    else if (!sums.empty())
      label += "\nsum so far " + summarise(sums) +
               (sums.size() < values.size() ? fmt::format(" ({} of {})", sums.size(), values.size())
                                            : std::string());
    // The ops in one group: Graphviz keeps their chain straight, the operands beside it, rather
    // than drifting sideways layer by layer (which would widen the drawing).
    dot += fmt::format("t{} [label={}, {}{}];\n", t, dot_quoted(label), style_of(tensor, lit[t]),
                       tensor.kind == VertexKind::kOp ? ", group=ops" : "");
  }
  for (std::size_t l = 0; l < view.links.size(); ++l) {
    const CollapsedLink& link = view.links[l];
    std::string label =
        fmt::format("∂{}/∂{}", view.tensors[link.to].name, view.tensors[link.from].name);
    std::string look;
    if (!sent[l].empty()) {
      // "= 0.5" or "= [0.5, 0.25]", or the range "∈ [−0.5, 0.25]" of many.
      label += "\n× grad in\n" + (sent[l].size() > 3 ? "" : std::string("= ")) + summarise(sent[l]);
      look = fmt::format(R"(, color="{0}", fontcolor="{0}", penwidth=3)", dot_style::kHighlight);
    } else if (frame) {
      look = fmt::format(R"(, color="{0}", fontcolor="{0}")", dot_style::kFaded);
    }
    dot += fmt::format("t{} -> t{} [label={}{}];\n", link.from, link.to, dot_quoted(label), look);
  }
  return dot + "}\n";
}

}  // namespace tapegrad::tools
