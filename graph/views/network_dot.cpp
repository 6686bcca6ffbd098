// The DOT text of the network layout (graph/network.hpp). Each column is a rank of its own
// (rank=same), its units kept in row order by invisible edges between them; each weight is a
// plain-text node where its edge enters the next column, so that dot lines the weights of one
// unit up beside it in index order, as a textbook writes them on the edges. Node names: "v<k>"
// for the unit whose element is vertex k, "b<c>" for the "+1" of column c, "w<k>" for the weight
// that is vertex k (the viewer reads them back from the SVG's titles).
#include <fmt/format.h>

#include <unordered_map>

#include "dot.hpp"
#include "network.hpp"

namespace tapegrad {

namespace {

using dot_style::kFaded;
using dot_style::kFont;
using dot_style::kHighlight;

constexpr std::size_t kShortName = 8;  // bytes; longer names go on a line of their own

std::string number(const std::vector<double>& values) {
  return values.empty() ? std::string("?") : fmt::format("{:.4g}", values[0]);
}

class NetworkWriter {
 public:
  NetworkWriter(const ComputationGraph& graph, const DotFormat& format)
      : graph_(graph), format_(format), layout_(network_layout(graph)) {
    for (GraphEdge e : boost::make_iterator_range(boost::edges(graph))) {
      edges_.emplace(graph[e].id, &graph[e]);
      any_highlighted_ = any_highlighted_ || graph[e].highlighted;
    }
  }

  // The drawing is kept small (tools/viewer.hpp fits it to a window and wants its labels at 12
  // CSS px or more): nodesep 0.06 in between the stacked labels of a column (the last replay
  // frame of the seed network stacks 16 weights of three lines each), ranksep 0.18 in.
  std::string write() {
    out_ = fmt::format(
        "digraph G {{\nrankdir={};\nnewrank=true;\nnodesep=0.06;\nranksep=0.18;\n"
        "node [fontname=\"{}\", fontsize=14];\nedge [fontname=\"{}\", fontsize=14, "
        "arrowsize=0.7];\n",
        dot_quoted(format_.rankdir), kFont, kFont);
    if (!format_.title.empty())
      out_ += fmt::format("label={};\nlabelloc=t;\nfontname=\"{}\";\nfontsize=16;\n",
                          dot_quoted(format_.title), kFont);
    for (std::size_t u = 0; u < layout_.units.size(); ++u)
      out_ += fmt::format("{} [label={}, {}];\n", unit_id(u),
                          dot_quoted(unit_label(layout_.units[u])), unit_style(u));
    for (const NetworkLink& link : layout_.links) write_link(link);
    write_orders();
    out_ += "}\n";
    return out_;
  }

 private:
  const EdgeInfo* edge(std::optional<std::size_t> id) const {
    return id ? edges_.at(*id) : nullptr;
  }
  bool highlighted(const NetworkLink& link) const {
    const EdgeInfo *w = edge(link.weight_edge), *u = edge(link.unit_edge);
    return (w != nullptr && w->highlighted) || (u != nullptr && u->highlighted);
  }
  bool highlighted_unit(std::size_t u) const {
    const NetworkUnit& unit = layout_.units[u];
    if (unit.bias) {
      for (const NetworkLink& link : layout_.links)
        if (link.from == u && highlighted(link)) return true;
      return false;
    }
    return graph_[unit.output].highlighted ||
           (unit.pre_activation && graph_[*unit.pre_activation].highlighted);
  }
  std::string unit_id(std::size_t u) const {
    const NetworkUnit& unit = layout_.units[u];
    return unit.bias ? fmt::format("b{}", unit.column) : fmt::format("v{}", unit.output);
  }
  // What the vertex is, for --details: "linear → sigmoid", "constant", "sse_loss".
  std::string kind(const VertexInfo& v) const {
    return v.kind == VertexKind::kOp          ? v.op
           : v.kind == VertexKind::kParameter ? "parameter"
           : v.requires_grad                  ? "variable"
                                              : "constant";
  }

  // "z_2 = 0.3172", then its gradient ("grad 0.002863") or replay note on a line of its own.
  // A constant's running sum in a replay frame is left out, as its contributions are: it needs
  // no gradient.
  // "w_23 = 0.475"; a long name (layers.0.weight[1,2]) gets a line of its own, so that the
  // column of weights stays narrow enough for the drawing to be read fitted to a window.
  static void name_value(const std::string& name, const std::vector<double>& values,
                         std::vector<std::string>& lines) {
    if (name.size() > kShortName)
      lines.insert(lines.end(), {name, "= " + number(values)});
    else
      lines.push_back(fmt::format("{} = {}", name, number(values)));
  }

  static void value_lines(const VertexInfo& v, std::vector<std::string>& lines) {
    name_value(v.name, v.values, lines);
    if (!v.grads.empty()) lines.push_back("grad " + number(v.grads));
    const bool constant = v.kind == VertexKind::kInput && !v.requires_grad;
    if (!v.note.empty() && !constant) lines.push_back(v.note);
  }

  // What a replayed edge sends back, the derivative times the gradient flowing in, on two lines:
  // "grad: 0.5451 × 0.00944" and "= 0.005146" for the weight the label belongs to, "to z_2:
  // 0.3032 × 0.00944" and "= 0.002863" for a unit. On one line the product would be the widest
  // text of its column, and the drawing, fitted to the viewer's window, too small to read.
  static std::string contribution(std::string_view to, const EdgeInfo& e) {
    return fmt::format("{}: {:.4g} × {:.4g}\n= {:.4g}", to, e.factor, e.grad_in, e.contribution);
  }

  std::string unit_label(const NetworkUnit& unit) const {
    if (unit.bias) return "+1";
    const VertexInfo& z = graph_[unit.output];
    std::vector<std::string> lines;
    if (!unit.pre_activation) {
      value_lines(z, lines);
      if (format_.details) lines.insert(lines.begin() + 1, kind(z));
      return fmt::format("{}", fmt::join(lines, "\n"));
    }
    const VertexInfo& a = graph_[*unit.pre_activation];
    lines.push_back(fmt::format("{} = {}({})", z.name, z.op, a.name));
    if (format_.details) lines.push_back(fmt::format("{} → {}", a.op, z.op));
    value_lines(a, lines);
    value_lines(z, lines);
    if (const EdgeInfo* e = edge(unit.activation_edge); e != nullptr && e->replayed)
      lines.push_back(contribution("to " + a.name, *e));
    return fmt::format("{}", fmt::join(lines, "\n"));
  }

  std::string unit_style(std::size_t u) const {
    const NetworkUnit& unit = layout_.units[u];
    const bool root = !unit.bias && graph_[unit.output].root;
    const bool leaf = unit.bias || graph_[unit.output].kind != VertexKind::kOp;
    const std::string_view shape = unit.bias ? "circle" : "box";  // boxes take the least room
    const std::string_view fill = root ? "#f4cccc" : leaf ? "#eeeeee" : "#fff2cc";
    const std::string_view border = highlighted_unit(u) ? kHighlight
                                    : root              ? "#cc0000"
                                    : leaf              ? "#999999"
                                                        : "#bf9000";
    return fmt::format(R"(shape={}, style="{}", fillcolor="{}", color="{}", penwidth={}{})", shape,
                       unit.bias || leaf ? "filled" : "rounded,filled", fill, border,
                       highlighted_unit(u) ? 3 : 1,
                       unit.bias ? ", fontsize=14, width=0.4, fixedsize=true"
                       : root    ? ", peripheries=2"
                                 : ", margin=\"0.06,0.03\"");
  }

  // The weight's name and value, its gradient or running sum, and in a replay frame the
  // contributions its edge sends back (the weight's in place of its running sum, which is that
  // same number: a weight of one example has one edge). In a replay frame the name and value
  // share a line however long the name ("layers.0.weight[1,2] = -0.1722"): the contribution's
  // lines are about as wide, and a fourth line would make the column of 16 weights too tall.
  std::string weight_label(const NetworkLink& link) const {
    const VertexInfo& w = graph_[*link.weight];
    std::vector<std::string> lines;
    const EdgeInfo* to_weight = edge(link.weight_edge);
    if (to_weight != nullptr && to_weight->replayed) {
      lines.push_back(fmt::format("{} = {}", w.name, number(w.values)));
      lines.push_back(contribution("grad", *to_weight));
    } else {
      value_lines(w, lines);
    }
    const NetworkUnit& from = layout_.units[link.from];
    if (const EdgeInfo* e = edge(link.unit_edge); e != nullptr && e->replayed && !from.bias) {
      const VertexInfo& source = graph_[from.output];
      if (source.kind == VertexKind::kOp || source.requires_grad)  // constants need no gradient
        lines.push_back(contribution("to " + source.name, *e));
    }
    return fmt::format("{}", fmt::join(lines, "\n"));
  }

  // A loss edge: "−(y−ŷ)" and "= 0.00944" below it (two short lines keep the column between ŷ
  // and E narrow), and in a replay frame "× 1 = 0.00944" below them.
  static std::string loss_label(const EdgeInfo& e) {
    std::string label = fmt::format("{}\n= {:.4g}", e.formula, e.factor);
    if (e.replayed) label += fmt::format("\n× {:.4g} = {:.4g}", e.grad_in, e.contribution);
    return label;
  }

  std::string edge_style(bool on_path) const {
    if (on_path) return fmt::format(R"(color="{0}", fontcolor="{0}", penwidth=3)", kHighlight);
    if (any_highlighted_) return fmt::format(R"(color="{0}", fontcolor="{0}")", kFaded);
    return R"(color="#555555")";
  }

  void write_link(const NetworkLink& link) {
    const bool on_path = highlighted(link);
    const std::string from = unit_id(link.from), to = unit_id(link.to);
    if (!link.weight) {  // the loss's inputs: an ordinary labelled edge
      const EdgeInfo* e = edge(link.unit_edge);
      out_ += fmt::format("{}:e -> {}:w [label={}, {}];\n", from, to,
                          dot_quoted(e ? loss_label(*e) : std::string()), edge_style(on_path));
      return;
    }
    const std::string label = fmt::format("w{}", *link.weight);
    const std::string_view colour = on_path ? kHighlight : any_highlighted_ ? kFaded : "#1c4587";
    out_ += fmt::format(
        "{} [shape=plaintext, fontsize=14, margin=\"0.04,0.01\", width=0, height=0, label={}, "
        "fontcolor=\"{}\"];\n",
        label, dot_quoted(weight_label(link)), colour);
    // Compass ports: an edge leaves a unit on its right and enters the next on its left, so
    // the edges of a layer stay between its two columns rather than curling round a unit.
    out_ += fmt::format("{}:e -> {}:w [dir=none, {}];\n{}:e -> {}:w [{}];\n", from, label,
                        edge_style(on_path), label, to, edge_style(on_path));
  }

  // Each column on one rank in row order, and each layer's weights on one rank in link order.
  void write_orders() {
    std::vector<std::vector<std::string>> ranks(layout_.columns);
    for (std::size_t u = 0; u < layout_.units.size(); ++u)
      ranks[layout_.units[u].column].push_back(unit_id(u));
    std::vector<std::vector<std::string>> weights;
    for (const NetworkLink& link : layout_.links) {
      if (!link.weight) continue;
      if (weights.size() <= link.layer) weights.resize(link.layer + 1);
      weights[link.layer].push_back(fmt::format("w{}", *link.weight));
    }
    ranks.insert(ranks.end(), weights.begin(), weights.end());
    for (const std::vector<std::string>& rank : ranks) {
      if (rank.empty()) continue;
      out_ += fmt::format("{{rank=same; {};}}\n", fmt::join(rank, "; "));
      if (rank.size() > 1) out_ += fmt::format("{} [style=invis];\n", fmt::join(rank, " -> "));
    }
  }

  const ComputationGraph& graph_;
  const DotFormat& format_;
  const NetworkLayout layout_;
  std::unordered_map<std::size_t, const EdgeInfo*> edges_;
  bool any_highlighted_ = false;
  std::string out_;
};

}  // namespace

std::string network_dot(const ComputationGraph& expanded, const DotFormat& format) {
  return NetworkWriter(expanded, format).write();
}

}  // namespace tapegrad
