// Views of a recorded computation as a Boost.Graph, for drawing (graph/dot.hpp) and teaching.
// They read the tape only through its public accessors; the engine knows nothing about them.
//
//   tensor_view:   one vertex per tensor (parameter, input, op output), one edge per op input,
//                  labelled with the local derivative's formula ("∂z/∂a = z(1−z)").
//   expanded_view: one vertex per element ("w[1,0]", "z[1]"), one edge per nonzero entry of each
//                  op's Jacobian, labelled with the formula and its value ("z(1−z) = 0.196612").
//
// Only ops that lead to the root (the loss) appear; edges point from an input to the op's output.
#pragma once

// NOTE: g++ 12 at -O1 with AddressSanitizer (scripts/sanitize.sh) takes the empty
// boost::optional that named_graph.hpp returns from add_vertex for storage used uninitialized, a
// false positive inside Boost's header; the warning is silenced for that header alone.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <boost/graph/adjacency_list.hpp>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../tape.hpp"
#include "../var.hpp"

namespace tapegrad {

enum class VertexKind : std::uint8_t {
  kParameter,  // a Parameter (trainable, outlives tapes)
  kInput,      // a constant or a tape variable: data given to the graph
  kOp,         // the output of a recorded op
};

struct VertexInfo {
  // Unique in its graph: the value's label ("layers.0.weight", "z"), with the element's index in
  // the expanded view ("z[1]"). Unlabelled values get a fallback: the op's name for op outputs,
  // "parameter", "constant" or "variable" for leaves; repeated names get "#2", "#3", ...
  std::string name;
  std::string tensor;  // the tensor's name (equal to name in the tensor view)
  // Another name the vertex answers to: after use_derivation_names (graph/names.hpp), the name
  // it had before ("layers.0.weight[1,2]" for "w_23"); else empty.
  std::string alias;
  VertexKind kind = VertexKind::kInput;
  bool requires_grad = false;       // for inputs: a tape variable (true) or a constant (false)
  bool root = false;                // the loss (in the expanded view: every element of it)
  std::string op;                   // the op's name for kOp vertices ("sigmoid"), else empty
  std::vector<std::string> inputs;  // kOp vertices: the tensors the op read, in order
  std::string shape;                // the tensor's shape, "[2,3]"
  std::size_t size = 0;             // the tensor's number of elements
  std::size_t element = 0;          // expanded view: the element's flat (row-major) index
  // Values and gradients (double whatever T is): in the tensor view the first
  // GraphViewOptions::max_values of them (all, for a tensor that small), in the expanded view
  // one per element vertex. grads is empty when no gradient reached the value.
  std::vector<double> values;
  std::vector<double> grads;
  std::size_t saved_bytes = 0;  // bytes the op saved for backward (tensor view, kOp vertices)
  bool highlighted = false;     // on a path from the highlighted vertex to the root
  std::string note;             // an extra line for its label (the backward replay's sums)
};

struct EdgeInfo {
  // The edge's number in the order the view added its edges. Unlike an edge descriptor, which
  // points into the storage of the graph it came from, it names the same edge in any copy.
  std::size_t id = 0;
  std::size_t input = 0;  // which input of the op the source is
  // Tensor view: "∂z/∂a = z(1−z)". Expanded view: "z(1−z) = 0.196612", the formula with the
  // value of the local partial derivative ∂out_i/∂in_j, formatted with fmt "{:.6g}".
  std::string label;
  std::string formula;  // the local derivative's formula alone ("z(1−z)")
  double factor = 0;    // expanded view: ∂out_i/∂in_j; tensor view: 0
  bool highlighted = false;
  // Set by the backward replay (graph/replay.hpp) on the edges of the op a frame shows: the
  // gradient of the edge's target, and factor × grad_in, which the edge sends to its source.
  bool replayed = false;
  double grad_in = 0;
  double contribution = 0;
};

using ComputationGraph =
    boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS, VertexInfo, EdgeInfo>;
using GraphVertex = boost::graph_traits<ComputationGraph>::vertex_descriptor;
using GraphEdge = boost::graph_traits<ComputationGraph>::edge_descriptor;

struct GraphViewOptions {
  std::size_t max_values = 8;       // tensor view: keep at most this many values per tensor
  std::size_t max_vertices = 2000;  // expanded view: refuse larger graphs
  std::size_t max_edges = 20000;    // expanded view: refuse larger graphs
};

// The tensor view of the ops on `tape` that lead to `root`. Throws TapeError if root is
// undefined, stale, or was recorded on another tape.
template <class T>
ComputationGraph tensor_view(const Tape<T>& tape, const Var<T>& root,
                             const GraphViewOptions& options = {});

// The expanded view: one vertex per element. The local partials come from each op's own
// backward, called once per output element with a unit seed (no per-op code here). Entries that
// are exactly zero (for example ∂a/∂w_hj when x_j = 0) draw no edge. Throws Error if the graph
// would exceed options.max_vertices or options.max_edges.
template <class T>
ComputationGraph expanded_view(const Tape<T>& tape, const Var<T>& root,
                               const GraphViewOptions& options = {});

// The tensor view of a model with each layer drawn as one vertex, for big graphs: a parameter
// named "<layer>.<name>" ("layers.0.weight") belongs to layer "<layer>", an op belongs to the
// layer of a parameter it takes, and an op of one input (an activation) to its input's layer.
// Each layer becomes one vertex named after it, with op "linear → sigmoid" (its ops in order),
// the shape, values and gradients of its last op's output, and the bytes all its ops saved for
// backward; edges between layers and the other vertices are kept once each. The root is never
// collapsed, nor are ops and values outside any layer.
ComputationGraph collapse_layers(const ComputationGraph& tensor_graph);

// The vertex a user means by `name`, by the grammar of graph/names.hpp: its name or alias
// ("layers.0.weight", "z[1]"), a one-element tensor's name alone in the expanded view ("E", "ŷ"
// for "ŷ[0]"), or for the derivation's network its derivation name in any spelling ("w_23",
// "w_2,3", "w_{2,3}", "v_1"). Throws Error for an empty name, for an element named in the tensor
// view (saying to use the expanded view), and for a name that fits nothing, listing the valid
// names with shapes and index ranges (valid_names).
GraphVertex vertex_named(const ComputationGraph& graph, std::string_view name);
// The same, with nullopt instead of the error for a name that fits nothing.
std::optional<GraphVertex> find_vertex(const ComputationGraph& graph, std::string_view name);

// Marks the vertices and edges that lie on some path from `from` to the root (clearing earlier
// marks), found with breadth-first searches forward from `from` and backward from the root.
// Returns the number of vertices marked (0 if the root cannot be reached from `from`).
std::size_t highlight(ComputationGraph& graph, GraphVertex from);
std::size_t highlight(ComputationGraph& graph, std::string_view name);

extern template ComputationGraph tensor_view(const Tape<float>&, const Var<float>&,
                                             const GraphViewOptions&);
extern template ComputationGraph tensor_view(const Tape<double>&, const Var<double>&,
                                             const GraphViewOptions&);
extern template ComputationGraph expanded_view(const Tape<float>&, const Var<float>&,
                                               const GraphViewOptions&);
extern template ComputationGraph expanded_view(const Tape<double>&, const Var<double>&,
                                               const GraphViewOptions&);

}  // namespace tapegrad
