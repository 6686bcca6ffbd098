// DOT text for a computation graph (graph/graph_view.hpp), written with boost::write_graphviz.
// Parameters are light blue boxes, inputs grey ellipses, ops light yellow rounded boxes and the
// loss a red double octagon; a highlighted path is drawn in orange with thick edges, the rest
// of the graph greyed. Labels are UTF-8 ("∂z/∂a = z(1−z)"); Graphviz reads DOT as UTF-8.
#pragma once

#include <string>

#include "graph_view.hpp"

namespace tapegrad {

struct DotFormat {
  std::string title;           // drawn above the graph if not empty
  std::string rankdir = "LR";  // "LR": inputs on the left, the loss on the right; or "BT", ...
};

// Node labels: name, then op or kind and shape, then values and gradients if the view kept them
// (4 significant digits), then the bytes saved for backward. Edge labels as in EdgeInfo.
std::string to_dot(const ComputationGraph& graph, const DotFormat& format = {});

// `text` as a DOT double-quoted string, quotes included: quotes and backslashes escaped, line
// breaks written as DOT's "\n".
std::string dot_quoted(std::string_view text);

}  // namespace tapegrad
