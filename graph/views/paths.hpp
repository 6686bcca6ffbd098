// The chain rule as a sum over paths, on the expanded view (graph/graph_view.hpp): the
// derivative of the root (the loss) with respect to one element p is the sum, over every path
// p → … → root, of the product of the local derivatives on the path's edges. With one path (the
// seed network, one example) that product is the whole gradient; with several (two outputs, two
// hidden layers, a value used twice, a batch) each path is one term of the sum.
//
// Paths can be many (their number multiplies layer by layer), so gradient_paths() never lists
// them all: it keeps the few with the largest |product|, found exactly by dynamic programming
// over the graph in reverse topological order (each vertex keeps the best partial paths from it
// to the root), and gets the total and the number of paths by the same sweep.
#pragma once

#include <cstddef>
#include <vector>

#include "graph_view.hpp"

namespace tapegrad {

struct GradientPath {
  std::vector<GraphEdge> edges;  // from the element to the root, in that order
  double product = 1;            // the product of the edges' factors
};

struct PathSummary {
  GraphVertex from = 0;
  // Σ over every path of its product, summed vertex by vertex (as backward sums).
  double total = 0;
  double count = 0;  // the number of paths (a double: it can outgrow any integer type)
  // Σ over every path of |product|: the scale of the rounding error in `total`.
  double magnitude = 0;
  // At most max_paths paths with the largest |product|, largest first (in the order of the
  // graph's edges among paths whose products compare equal).
  std::vector<GradientPath> largest;
  double rest = 0;  // the sum of the other paths' products: total − Σ largest
};

// The paths from `from` to the root vertices (VertexInfo::root) of `expanded`. Throws Error if
// `from` is not a vertex of the graph or the graph has a cycle (a view of a tape has none).
PathSummary gradient_paths(const ComputationGraph& expanded, GraphVertex from,
                           std::size_t max_paths = 5);

// Every path from `from` to a root, by depth-first search, in the order of the graph's edges.
// For tests and small graphs: throws Error if there are more than `limit` paths.
std::vector<GradientPath> all_gradient_paths(const ComputationGraph& expanded, GraphVertex from,
                                             std::size_t limit = 100000);

// The vertices of a path, from its element to the root.
std::vector<GraphVertex> path_vertices(const ComputationGraph& graph, const GradientPath& path,
                                       GraphVertex from);

}  // namespace tapegrad
