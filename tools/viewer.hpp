// The step-through viewer written by `tapegrad dot --html`: one self-contained HTML file (no
// network access, no external files) with the graph of one example drawn as inline SVG frames,
// first the forward pass (values on the nodes) and then one frame per step of the backward
// replay (graph/views/replay.hpp), in two views of the same replay:
//   expanded:  one vertex per element (the expanded view, in ViewerOptions::layout), each edge's
//              derivative × gradient in = contribution;
//   collapsed: one vertex per tensor (tools/viewer_collapsed.hpp), as `tapegrad dot` draws the
//              tensor view, with the values, gradients in and running sums summarised (all of
//              them up to three elements, else their range).
// The drawings aim at labels of kLegibleLabelPx (12 CSS px) or more, fitted to the drawing's area
// in a 1400×1000 window. The page opens in the expanded view unless one of its frames would
// there put a label below kAutoCollapseBelowPx (the same 12 px), and then in the collapsed
// view: the seed network's expanded frames measure 12.6 to 17.5 px over seeds 1 to 40 (the
// width of its numbers varies with the example; tests/tools/viewer_legible_test.cpp holds it at
// 12 px or more), a 3-5-1 or 4-4-1 network's 10.5 to 11 (opened collapsed), a 3-8-6-1
// network's (127 elements) 2.7; the collapsed 3-8-6-1 frames measure 13 px or more.
// ViewerOptions::view overrides the choice. The button #view and the key V switch views, keeping
// the step and fitting the drawing again.
//
// Previous/Next buttons and the arrow keys (Home/End too) step through the frames; a side panel
// lists every parameter element with the running sum of the contributions it has received,
// which after the last step is its gradient; a click on a parameter element (in the expanded
// graph or in the panel) shows its `tapegrad explain` text, and a click on a tensor in the
// collapsed graph lists its elements with their values and sums so far (and marks a parameter's
// rows in the panel). The drawing opens fitted to the window; the wheel zooms about the pointer,
// dragging pans, + and - zoom, 0 (or Fit) fits again and Shift+arrows pan.
//
// Hooks for tests and scripts: buttons #prev, #next and #view, the caption #step, body's
// data-view ("expanded" or "collapsed"), the panel's cells td.sum[data-element="layers.0.weight
// [1,2]"] whose data-value attribute holds the full-precision sum (empty before any
// contribution), the visible frame div.frame:not([hidden]) (data-view and data-frame say which),
// parameter nodes g.node[data-element=...] in the expanded frames, tensor nodes
// g.node[data-tensor="i"] in the collapsed ones, the zoom buttons #zoom-in, #zoom-out and #fit,
// and pre#explain. The page's data (script#data, JSON) holds "view", the view it opens in, and
// "label_px", each view's smallest label at fit as fitted_label_px estimates it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "explain.hpp"
#include "graph/views/dot.hpp"

namespace tapegrad::tools {

enum class ViewerView : std::uint8_t {
  kAuto,       // expanded unless its labels at fit would be below kAutoCollapseBelowPx
  kExpanded,   // one vertex per element
  kCollapsed,  // one vertex per tensor
};

struct ViewerOptions {
  GraphLayout layout = GraphLayout::kNetwork;  // of the element drawings
  bool details = false;                        // programmer details in the drawings
  ViewerView view = ViewerView::kAuto;         // the view the page opens in
};

// The drawing's area in a 1400×1000 window, in CSS px: the window's 1400×913 viewport less the
// side panel (25em of 14 px, its padding and border) and the header. tests/browser checks it.
struct DrawingArea {
  double width, height;
};
inline constexpr DrawingArea kDrawingArea{1021, 845};
inline constexpr double kLegibleLabelPx = 12;
inline constexpr double kAutoCollapseBelowPx = kLegibleLabelPx;

// The smallest text of a Graphviz SVG drawing, in CSS px, when the drawing is fitted to
// kDrawingArea as the page fits it. Throws Error for text that is not Graphviz's SVG.
double fitted_label_px(std::string_view svg);

// The page for `subject` (its expanded view, after backward; renamed by name_by_derivation for
// the derivation's names). Renders with Graphviz in-process.
std::string viewer_html(const ExplainSubject& subject, const ExplainOptions& options = {},
                        const ViewerOptions& viewer = {});

}  // namespace tapegrad::tools
