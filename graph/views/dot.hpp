// DOT text for a computation graph (graph/graph_view.hpp): as it is, with boost::write_graphviz,
// or in the network layout of graph/network.hpp.
// Parameters are light blue boxes, inputs grey ellipses, ops light yellow rounded boxes and the
// loss a red double octagon; a highlighted path is drawn in orange with thick edges, the rest
// of the graph greyed. Labels are UTF-8 ("∂z/∂a = z(1−z)"); Graphviz reads DOT as UTF-8.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "graph_view.hpp"

namespace tapegrad {

enum class GraphLayout : std::uint8_t {
  kBoxes,    // every vertex drawn as itself: in the expanded view each weight is a box too
  kNetwork,  // an expanded view of a layered model drawn as a textbook draws it (graph/network.hpp)
};

struct DotFormat {
  std::string title{};         // drawn above the graph if not empty
  std::string rankdir = "LR";  // "LR": inputs on the left, the loss on the right; or "BT", ...
  GraphLayout layout = GraphLayout::kBoxes;
  // Programmer details beside the maths: each vertex's kind or op with its shape, and the bytes
  // an op saved for backward.
  bool details = false;
};

// Node labels: name, then values and gradients if the view kept them (4 significant digits) and
// the note; with details, the op or kind and shape after the name and the bytes saved for
// backward at the end. Edge labels as in EdgeInfo. With GraphLayout::kNetwork, throws Error as
// network_layout() does for a graph it cannot lay out.
std::string to_dot(const ComputationGraph& graph, const DotFormat& format = {});

// The DOT text of `expanded` in the network layout (graph/network.hpp); to_dot calls it for
// GraphLayout::kNetwork.
std::string network_dot(const ComputationGraph& expanded, const DotFormat& format);

// The font and colours the DOT writers share.
namespace dot_style {
inline constexpr std::string_view kFont = "DejaVu Sans";
inline constexpr std::string_view kHighlight = "#ff6600";  // the highlighted path: strong orange
inline constexpr std::string_view kFaded = "#c0c0c0";      // the rest, when there is a path

// A vertex's DOT attributes (shape, style, fill, border, pen width) by its kind: the loss a
// double octagon, parameters blue boxes, inputs grey (`input_shape`), op outputs yellow rounded
// boxes; a highlighted vertex has an orange, wider border.
std::string vertex_attributes(VertexKind kind, bool root, bool highlighted,
                              std::string_view input_shape = "ellipse");
}  // namespace dot_style

// `text` as a DOT double-quoted string, quotes included: quotes and backslashes escaped, line
// breaks written as DOT's "\n".
std::string dot_quoted(std::string_view text);

}  // namespace tapegrad
