// The backward pass replayed step by step on the expanded view (graph/graph_view.hpp), for
// teaching: one frame per op, in the order backward runs them (the reverse of the tape). In each
// frame the op's output elements receive their gradient ("grad in"), each edge into them carries
// its local derivative and the contribution it sends back (derivative × grad in), and every
// element shows the running sum of the contributions it has received so far. After the last
// frame the running sums are the gradients.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "graph_view.hpp"

namespace tapegrad {

// One edge of the replayed op, from an input element (source) to one of its output elements
// (target). The edge is named by its EdgeInfo::id, not by a descriptor: a descriptor of an
// adjacency_list points into the storage of the graph it came from, so one taken from the
// expanded view would, used on a copy, read and write the original's properties.
struct ReplayContribution {
  std::size_t edge = 0;  // EdgeInfo::id
  GraphVertex source = 0, target = 0;
  double grad_in = 0;       // ∂root/∂(the output element): final when the op is processed
  double factor = 0;        // the local derivative on the edge
  double contribution = 0;  // factor × grad_in, added to the input element's running sum
};

struct ReplayFrame {
  std::string tensor;                // the op's output tensor ("z")
  std::string op;                    // the op ("sigmoid")
  std::vector<GraphVertex> outputs;  // its elements
  std::vector<ReplayContribution> contributions;
  // For every vertex of the graph: the sum of the contributions it has received up to and
  // including this frame (the root: its seed, 1).
  std::vector<double> running;
  std::vector<bool> touched;  // whether a contribution (or the seed) has reached it yet
};

// The frames of the backward pass over `expanded` (an expanded_view, which keeps one value and
// gradient per element). Throws Error for a graph that is not an expanded view with gradients.
std::vector<ReplayFrame> backward_replay(const ComputationGraph& expanded);

// A copy of `expanded` drawn as frame k: the op's output elements and the edges into them
// highlighted and marked EdgeInfo::replayed (with grad_in and contribution), those edges
// labelled "derivative × grad in = contribution", and each element touched so far noting its
// running sum. Every property of the copy is its own: `expanded` is left as it was.
ComputationGraph replay_frame_graph(const ComputationGraph& expanded,
                                    const std::vector<ReplayFrame>& frames, std::size_t k);

}  // namespace tapegrad
