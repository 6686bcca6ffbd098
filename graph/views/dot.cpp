// The DOT writer: boost::write_graphviz with property writers that turn VertexInfo and EdgeInfo
// into labels and styles. Everything user-supplied goes through dot_quoted.
#include "dot.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <sstream>

#include "network.hpp"

// g++ 12 at -O2 warns (wrongly) about an uninitialised value inside write_graphviz.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <boost/graph/graphviz.hpp>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

namespace tapegrad {
namespace {

using dot_style::kFaded;
using dot_style::kFont;
using dot_style::kHighlight;

// "0.5", or "[0.5, 0.25]", or for a tensor of which only the first values were kept
// "[0.5, 0.25, … +7 more]".
std::string numbers(const std::vector<double>& values, std::size_t size) {
  if (size == 1 && values.size() == 1) return fmt::format("{:.4g}", values[0]);
  if (values.size() < size)
    return fmt::format("[{:.4g}, … +{} more]", fmt::join(values, ", "), size - values.size());
  return fmt::format("[{:.4g}]", fmt::join(values, ", "));
}

std::string vertex_label(const VertexInfo& v, bool details) {
  // A tensor vertex's name is its tensor's (or, renamed, its alias is).
  const bool whole = v.name == v.tensor || v.alias == v.tensor;
  std::string label = v.name;
  if (details) {
    std::string kind = v.kind == VertexKind::kOp          ? v.op
                       : v.kind == VertexKind::kParameter ? "parameter"
                       : v.requires_grad                  ? "variable"
                                                          : "constant";
    // An element vertex ("z[1]") shows its tensor's shape only through its index.
    if (whole) kind += " " + v.shape;
    label += "\n" + kind;
  }
  // An element vertex holds one value of a larger tensor: it is all there is to show.
  const std::size_t size = whole ? v.size : 1;
  if (!v.values.empty()) label += "\nvalue " + numbers(v.values, size);
  if (!v.grads.empty()) label += "\ngrad " + numbers(v.grads, size);
  if (!v.note.empty()) label += "\n" + v.note;
  if (details && v.saved_bytes > 0) label += fmt::format("\nsaved {} B", v.saved_bytes);
  return label;
}

std::string vertex_style(const VertexInfo& v) {
  return dot_style::vertex_attributes(v.kind, v.root, v.highlighted);
}

class VertexWriter {
 public:
  VertexWriter(const ComputationGraph& graph, bool details) : graph_(graph), details_(details) {}
  void operator()(std::ostream& out, GraphVertex v) const {
    const VertexInfo& info = graph_[v];
    out << "[label=" << dot_quoted(vertex_label(info, details_)) << ", " << vertex_style(info)
        << "]";
  }

 private:
  const ComputationGraph& graph_;
  bool details_;
};

class EdgeWriter {
 public:
  EdgeWriter(const ComputationGraph& graph, bool any_highlighted)
      : graph_(graph), any_highlighted_(any_highlighted) {}
  void operator()(std::ostream& out, GraphEdge e) const {
    const EdgeInfo& info = graph_[e];
    out << "[label=" << dot_quoted(info.label);
    if (info.highlighted)
      out << fmt::format(R"(, color="{0}", fontcolor="{0}", penwidth=3)", kHighlight);
    else if (any_highlighted_)
      out << fmt::format(R"(, color="{0}", fontcolor="{0}")", kFaded);
    out << "]";
  }

 private:
  const ComputationGraph& graph_;
  bool any_highlighted_;
};

class GraphWriter {
 public:
  explicit GraphWriter(const DotFormat& format) : format_(format) {}
  void operator()(std::ostream& out) const {
    out << "rankdir=" << dot_quoted(format_.rankdir) << ";\n";
    out << fmt::format(
        "node [fontname=\"{0}\", fontsize=11];\nedge [fontname=\"{0}\", fontsize=9];\n", kFont);
    if (!format_.title.empty())
      out << "label=" << dot_quoted(format_.title) << ";\nlabelloc=t;\nfontname=\"" << kFont
          << "\";\n";
  }

 private:
  const DotFormat& format_;
};

}  // namespace

std::string dot_quoted(std::string_view text) {
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') quoted += '\\';
    if (c == '\n') {
      quoted += "\\n";
      continue;
    }
    quoted += c;  // UTF-8 bytes pass through unchanged
  }
  return quoted + "\"";
}

std::string to_dot(const ComputationGraph& graph, const DotFormat& format) {
  if (format.layout == GraphLayout::kNetwork) return network_dot(graph, format);
  const auto edges = boost::make_iterator_range(boost::edges(graph));
  const bool any_highlighted =
      std::any_of(edges.begin(), edges.end(), [&](GraphEdge e) { return graph[e].highlighted; });
  std::ostringstream out;
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
  boost::write_graphviz(out, graph, VertexWriter(graph, format.details),
                        EdgeWriter(graph, any_highlighted), GraphWriter(format));
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
  return out.str();
}

std::string dot_style::vertex_attributes(VertexKind kind, bool root, bool highlighted,
                                         std::string_view input_shape) {
  struct Style {
    std::string_view shape, style, fill, border;
  };
  const Style look = root ? Style{"doubleoctagon", "filled", "#f4cccc", "#cc0000"}
                     : kind == VertexKind::kParameter ? Style{"box", "filled", "#cfe2f3", "#3d85c6"}
                     : kind == VertexKind::kInput
                         ? Style{input_shape, "filled", "#eeeeee", "#999999"}
                         : Style{"box", "rounded,filled", "#fff2cc", "#bf9000"};
  const std::string_view border = highlighted ? kHighlight : look.border;
  const int pen = highlighted ? 3 : root ? 2 : 1;
  return fmt::format(R"(shape={}, style="{}", fillcolor="{}", color="{}", penwidth={})", look.shape,
                     look.style, look.fill, border, pen);
}

}  // namespace tapegrad
