// The step-through viewer written by `tapegrad dot --html`: one self-contained HTML file (no
// network access, no external files) with the expanded graph of one example drawn as inline
// SVG frames, first the forward pass (values on the nodes) and then one frame per step of the
// backward replay (graph/replay.hpp). Previous/Next buttons and the arrow keys (Home/End too)
// step through the frames; a side panel lists every parameter element with the running sum of
// the contributions it has received, which after the last step is its gradient; a click on a
// parameter element (in the graph or in the panel) shows its `tapegrad explain` text. The drawing
// opens fitted to the window; the wheel zooms about the pointer, dragging pans, + and - zoom,
// 0 (or Fit) fits again and Shift+arrows pan.
//
// Hooks for tests and scripts: buttons #prev and #next, the caption #step, the panel's cells
// td.sum[data-element="layers.0.weight[1,2]"] whose data-value attribute holds the full-precision
// sum (empty before any contribution), parameter nodes g.node[data-element=...] inside the
// visible div.frame, the zoom buttons #zoom-in, #zoom-out and #fit, and the explanation in
// pre#explain.
#pragma once

#include <string>

#include "explain.hpp"
#include "graph/views/dot.hpp"

namespace tapegrad::tools {

struct ViewerOptions {
  GraphLayout layout = GraphLayout::kNetwork;  // of the element drawings
  bool details = false;                        // programmer details in the drawings
};

// The page for `subject` (its expanded view, after backward; renamed by name_by_derivation for
// the derivation's names). Renders with Graphviz in-process.
std::string viewer_html(const ExplainSubject& subject, const ExplainOptions& options = {},
                        const ViewerOptions& viewer = {});

}  // namespace tapegrad::tools
