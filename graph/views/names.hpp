// Names of the vertices of a graph view (graph/graph_view.hpp), and the one grammar by which
// `tapegrad explain --param`, `dot --highlight` and the HTML viewer find a vertex from what a
// user typed: torch's 0-based names ("layers.0.weight[1,2]", "z[1]", a one-element tensor by its
// name alone, "ŷ") and, for the reference derivation's network, the derivation's 1-based ones
// ("w_23", "w_2,3", "w_{2,3}", "v_1", "v_0", "x_3", "a_2", "z_2").
//
// The reference derivation (Wagstaff 2008, shared/reference/backprop-hidden-nodes.md) names the
// network of d inputs, H hidden units and one output:
//   x_j (j = 1..d), w_hj = layers.0.weight[h−1, j−1], w_h0 = layers.0.bias[h−1] (x_0 = 1),
//   a_h = Σ_j w_hj x_j + w_h0, z_h = activation(a_h), v_h = layers.1.weight[0, h−1],
//   v_0 = layers.1.bias[0], ŷ = Σ_h v_h z_h + v_0, the target y and the loss E.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "graph_view.hpp"

namespace tapegrad {

// The derivation's name of a hidden weight: "w_23", or "w_2,13" when an index has two digits.
// j = 0 names the bias w_h0.
std::string derivation_weight_name(std::size_t h, std::size_t j);

// For a tensor or expanded view of the derivation's network (one example), every vertex's
// derivation name in vertex order: in the expanded view the elements' ("x_3", "w_23", "ŷ"), in
// the tensor view the tensors' ("x", "W", "w_0", "a", "z", "v", "v_0", "ŷ", "y", "E"). nullopt
// for any other graph.
std::optional<std::vector<std::string>> derivation_names(const ComputationGraph& graph);

// Renames the vertices of a view of the derivation's network by derivation_names, keeping each
// old name as VertexInfo::alias, and writes the edges' formulas and labels with the new names
// (the expanded view's ∂a_2/∂x_3 reads "w_23" instead of "layers.0.weight"). Call it before
// highlight() or the backward replay, which write labels of their own. Throws Error, saying
// what the derivation's network is, for any other graph; does nothing to a graph renamed
// already.
void use_derivation_names(ComputationGraph& graph);

// The valid names of the graph, for error messages: each parameter with its shape and index
// ranges (and the derivation's names where they apply), then the other tensors with shapes.
std::string valid_names(const ComputationGraph& graph);

}  // namespace tapegrad
