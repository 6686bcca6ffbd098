// The viewer's collapsed view (tools/viewer.hpp): the expanded graph's elements gathered back
// into their tensors, one vertex per tensor (parameter, input, op output) and one edge per op
// input, as `tapegrad dot` draws the tensor view; each vertex shows its values summarised
// (all of them for up to three elements, else their range) and, in a backward step, the
// gradient flowing into the replayed op and the running sums of the tensors reached so far. It
// is drawn from the same replay as the expanded frames (graph/views/replay.hpp), one drawing per
// step, so that stepping works in either view.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "graph/views/graph_view.hpp"
#include "graph/views/replay.hpp"

namespace tapegrad::tools {

struct CollapsedTensor {
  std::string name;   // the tensor's name, or its derivation name ("W")
  std::string shape;  // "[8,3]"
  VertexKind kind = VertexKind::kInput;
  bool root = false;
  std::vector<GraphVertex> elements;  // its element vertices in the expanded view, in order
};

// An edge of the collapsed view: op input `input` of tensor `to` is tensor `from`.
struct CollapsedLink {
  std::size_t from = 0, to = 0, input = 0;
};

struct CollapsedView {
  std::vector<CollapsedTensor> tensors;  // in the expanded view's (tape) order
  std::vector<CollapsedLink> links;      // in order of their first element edge
  std::vector<std::size_t> tensor_of;    // for each expanded vertex, its tensor
  std::vector<std::size_t> link_of;      // for each expanded edge (by EdgeInfo::id)
};

// The collapsed view of `expanded` (an expanded view, possibly renamed by use_derivation_names:
// its tensors are then named as the derivation names them, x, W, w_0, a, z, v, v_0, ŷ, y, E).
CollapsedView collapse_elements(const ComputationGraph& expanded);

// DOT text of the collapsed view drawn as the forward pass (`step` empty: values only) or as
// backward step *step (0-based index into `replay`): the replayed op's tensor and its input
// edges highlighted, each such edge labelled with the range of the contributions it sends, and
// every tensor reached so far showing its running sums. Node names are "t<i>" for tensor i.
std::string collapsed_dot(const CollapsedView& view, const ComputationGraph& expanded,
                          const std::vector<ReplayFrame>& replay, std::optional<std::size_t> step,
                          const std::string& title);

// "0.5", "[0.5, 0.25]" (up to three numbers), or "∈ [−0.5, 0.25]" (their range), 4 significant
// digits.
std::string summarise(const std::vector<double>& values);

}  // namespace tapegrad::tools
