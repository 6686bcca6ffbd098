// The "network" layout of an expanded view (graph/graph_view.hpp) of a layered model, for one
// example: the picture of a network a textbook draws. The model is linear layers, each followed
// by an elementwise activation or by none, then a loss of the last layer's output and constants
// (the target y). The picture has one column per layer: the inputs x, the units of each layer,
// then the loss; the units of a column stand in index order from the top, under a "+1" unit when
// the next layer has biases. A hidden unit is one vertex showing its pre-activation and its
// output (a_h, and z_h = f(a_h)). The weights are not vertices: each is written on the edge it
// weighs, from unit j of one column to unit h of the next, and each bias on the edge from "+1".
//
// The layout reads the expanded view and its marks as they are, so highlight() and the backward
// replay (graph/replay.hpp) work unchanged: an edge of the picture is highlighted when the
// expanded view's edge from its weight or from its source unit is, and in a replay frame its
// label shows the contribution sent to the weight (and to the source unit, if that needs a
// gradient). to_dot draws it when DotFormat::layout is GraphLayout::kNetwork.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "graph_view.hpp"

namespace tapegrad {

struct NetworkUnit {
  std::size_t column = 0, row = 0;  // row 0 is the top
  bool bias = false;                // the "+1" of its column; `output` is then unused
  GraphVertex output = 0;           // the element the unit is: x_j, z_h (or a_h), ŷ, y, E
  // With an activation after a linear layer: a_h, and the id (EdgeInfo::id) of a_h → z_h.
  std::optional<GraphVertex> pre_activation{};
  std::optional<std::size_t> activation_edge{};
};

// An edge of the picture, from one unit to a unit of the next column.
struct NetworkLink {
  std::size_t from = 0, to = 0;            // indices into NetworkLayout::units
  std::optional<GraphVertex> weight;       // the parameter element written on it
  std::optional<std::size_t> weight_edge;  // id of weight → the target's pre-activation
  std::optional<std::size_t> unit_edge;    // id of the source's element → the target
  std::size_t layer = 0;                   // the linear layer it belongs to (the loss: one more)
};

struct NetworkLayout {
  std::vector<NetworkUnit> units;  // by column, then row
  std::vector<NetworkLink> links;  // by layer, then target unit, then source row
  std::size_t columns = 0;
};

// The layout of `expanded`. Throws Error, naming what does not fit, for a graph of any other
// model (an op that is neither linear, elementwise after a linear layer, nor the loss) or of a
// batch of more than one example.
NetworkLayout network_layout(const ComputationGraph& expanded);

}  // namespace tapegrad
