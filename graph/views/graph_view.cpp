// Builds the tensor and expanded views from the tape's public accessors: the nodes leading to
// the root, in tape order, their inputs and outputs, and each op's derivative formula. The
// expanded view's numbers come from the ops' own backward, seeded with one unit vector per
// output element: the input gradients it writes are that row of the op's Jacobian.
#include "graph_view.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/graph/breadth_first_search.hpp>
#include <boost/graph/reverse_graph.hpp>
#include <boost/property_map/property_map.hpp>
#include <charconv>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "../errors.hpp"
#include "../node.hpp"

namespace tapegrad {
namespace {

// The part of the tape that leads to the root, in tape order.
template <class T>
struct Recorded {
  std::vector<const Node<T>*> nodes;
  const Value<T>* root = nullptr;
};

template <class T>
Recorded<T> nodes_leading_to(const Tape<T>& tape, const Var<T>& root) {
  if (!root.defined()) throw TapeError("graph view: the root is an undefined Var");
  if (root.stale())
    throw TapeError("graph view: the root was recorded before tape.clear(); record it again");
  if (root.tape() != nullptr && root.tape() != &tape)
    throw TapeError("graph view: the root was recorded on another tape than the one given");
  Recorded<T> recorded;
  recorded.root = root.value();
  const Node<T>* top = recorded.root->producer;
  if (top == nullptr) return recorded;  // a leaf: one vertex, no ops
  const auto all = tape.nodes();
  if (top->position() >= all.size() || all[top->position()] != top)
    throw TapeError("graph view: the root's op is not on the tape given");
  // One reverse walk, as backward does: a node matters if its output feeds one that does.
  std::unordered_set<const Value<T>*> needed{recorded.root};
  for (std::size_t position = top->position() + 1; position-- > 0;) {
    const Node<T>* node = all[position];
    if (!needed.contains(&node->output())) continue;
    recorded.nodes.push_back(node);
    for (const Value<T>* input : node->inputs()) needed.insert(input);
  }
  std::reverse(recorded.nodes.begin(), recorded.nodes.end());
  return recorded;
}

template <class T>
std::string_view fallback_name(const Value<T>& value) {
  if (value.producer != nullptr) return value.producer->name();
  switch (value.kind) {
    case ValueKind::kParameter:
      return "parameter";
    case ValueKind::kLeaf:
      return "variable";
    default:
      return "constant";
  }
}

// A unique name for every value in the view, and the values in order of first appearance
// (leaves when first used, op outputs when computed).
template <class T>
class ValueNames {
 public:
  explicit ValueNames(const Recorded<T>& recorded) {
    for (const Node<T>* node : recorded.nodes) {
      for (const Value<T>* input : node->inputs()) add(input);
      add(&node->output());
    }
    add(recorded.root);
  }
  const std::string& operator()(const Value<T>* value) const { return names_.at(value); }
  const std::vector<const Value<T>*>& values() const { return order_; }

 private:
  void add(const Value<T>* value) {
    if (names_.contains(value)) return;
    const std::string base(value->label.empty() ? fallback_name(*value)
                                                : std::string(value->label.view()));
    std::string name = base;
    for (int n = 2; used_.contains(name); ++n) name = fmt::format("{}#{}", base, n);
    used_.insert(name);
    names_.emplace(value, std::move(name));
    order_.push_back(value);
  }

  std::unordered_map<const Value<T>*, std::string> names_;
  std::unordered_set<std::string> used_;
  std::vector<const Value<T>*> order_;
};

// The name a placeholder of a derivative formula stands for: "y" the output's, "0", "1", ...
// the inputs'; nullptr for anything else, which is then kept as written.
template <class T>
const std::string* placeholder_name(const Node<T>& node, std::string_view key,
                                    const ValueNames<T>& names) {
  if (key == "y") return &names(&node.output());
  std::size_t k = 0;
  const char* const last = key.data() + key.size();
  const auto [end, error] = std::from_chars(key.data(), last, k);
  if (key.empty() || error != std::errc() || end != last || k >= node.num_inputs()) return nullptr;
  return &names(&node.input(k));
}

// The node's derivative formula for `input` with "{y}" and "{k}" replaced by the names.
template <class T>
std::string formula(const Node<T>& node, std::size_t input, const ValueNames<T>& names) {
  const std::string text = node.derivative(input);
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const std::size_t close = text[i] == '{' ? text.find('}', i) : std::string::npos;
    if (close != std::string::npos) {
      const std::string_view key = std::string_view(text).substr(i + 1, close - i - 1);
      if (const std::string* name = placeholder_name(node, key, names)) {
        out += *name;
        i = close;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

template <class T>
VertexInfo describe(const Value<T>& value, const ValueNames<T>& names, const Value<T>* root) {
  const std::string& name = names(&value);
  VertexInfo info;
  info.name = name;
  info.tensor = name;
  info.kind = value.producer != nullptr             ? VertexKind::kOp
              : value.kind == ValueKind::kParameter ? VertexKind::kParameter
                                                    : VertexKind::kInput;
  info.requires_grad = value.requires_grad;
  info.root = &value == root;
  if (value.producer != nullptr) {
    info.op = value.producer->name();
    for (const Value<T>* input : value.producer->inputs()) info.inputs.push_back(names(input));
  }
  info.shape = value.shape.str();
  info.size = value.size();
  return info;
}

// "[1,2]" for flat offset 5 of shape [2,3]; "" for a scalar.
std::string index_suffix(const Shape& shape, std::size_t flat) {
  if (shape.rank() == 0) return {};
  std::vector<std::size_t> index(shape.rank());
  for (std::size_t axis = shape.rank(); axis-- > 0;) {
    index[axis] = flat % shape[axis];
    flat /= shape[axis];
  }
  return fmt::format("[{}]", fmt::join(index, ","));
}

[[noreturn]] void throw_too_large(std::string_view what, std::size_t count, std::size_t limit) {
  throw Error(fmt::format(
      "expanded_view: the graph would have more than {} {} (at least {}); draw the tensor view "
      "(tensor_view) instead, or raise GraphViewOptions::max_{}",
      limit, what, count, what));
}

// Adds one edge per nonzero entry of the node's Jacobian, found by running its backward once
// per output element i with the seed e_i into zeroed buffers, one per input (every input gets
// one, so that edges to constants such as x_j are drawn too).
template <class T>
void add_element_edges(ComputationGraph& graph, const Node<T>& node, const ValueNames<T>& names,
                       const std::unordered_map<const Value<T>*, GraphVertex>& first,
                       const GraphViewOptions& options) {
  const Value<T>& out = node.output();
  std::vector<std::vector<T>> scratch(node.num_inputs());
  std::vector<T*> buffers(node.num_inputs());
  std::vector<std::string> formulas(node.num_inputs());
  for (std::size_t k = 0; k < node.num_inputs(); ++k) {
    scratch[k].resize(node.input(k).size());
    buffers[k] = scratch[k].data();
    formulas[k] = formula(node, k, names);
  }
  std::vector<T> seed(out.size(), T(0));
  for (std::size_t i = 0; i < out.size(); ++i) {
    for (auto& buffer : scratch) std::fill(buffer.begin(), buffer.end(), T(0));
    seed[i] = T(1);
    node.backward(BackwardContext<T>(node, seed.data(), buffers));
    seed[i] = T(0);
    for (std::size_t k = 0; k < node.num_inputs(); ++k)
      for (std::size_t j = 0; j < scratch[k].size(); ++j) {
        const double factor = static_cast<double>(scratch[k][j]);  // ∂out_i/∂in_j
        if (factor == 0) continue;
        if (boost::num_edges(graph) >= options.max_edges)
          throw_too_large("edges", boost::num_edges(graph) + 1, options.max_edges);
        EdgeInfo edge{.id = boost::num_edges(graph),
                      .input = k,
                      .label = fmt::format("{} = {:.6g}", formulas[k], factor),
                      .formula = formulas[k],
                      .factor = factor};
        boost::add_edge(first.at(&node.input(k)) + j, first.at(&out) + i, std::move(edge), graph);
      }
  }
}

}  // namespace

template <class T>
ComputationGraph tensor_view(const Tape<T>& tape, const Var<T>& root,
                             const GraphViewOptions& options) {
  const Recorded<T> recorded = nodes_leading_to(tape, root);
  const ValueNames<T> names(recorded);
  ComputationGraph graph;
  std::unordered_map<const Value<T>*, GraphVertex> vertex;
  for (const Value<T>* value : names.values()) {
    VertexInfo info = describe(*value, names, recorded.root);
    const std::size_t shown = std::min(value->size(), options.max_values);
    info.values.assign(value->data, value->data + shown);
    if (value->grad != nullptr) info.grads.assign(value->grad, value->grad + shown);
    if (value->producer != nullptr) info.saved_bytes = value->producer->saved_bytes();
    vertex.emplace(value, boost::add_vertex(std::move(info), graph));
  }
  for (const Node<T>* node : recorded.nodes)
    for (std::size_t k = 0; k < node->num_inputs(); ++k) {
      std::string derivative = formula(*node, k, names);
      std::string label =
          fmt::format("∂{}/∂{} = {}", names(&node->output()), names(&node->input(k)), derivative);
      boost::add_edge(vertex.at(&node->input(k)), vertex.at(&node->output()),
                      EdgeInfo{.id = boost::num_edges(graph),
                               .input = k,
                               .label = std::move(label),
                               .formula = std::move(derivative)},
                      graph);
    }
  return graph;
}

template <class T>
ComputationGraph expanded_view(const Tape<T>& tape, const Var<T>& root,
                               const GraphViewOptions& options) {
  const Recorded<T> recorded = nodes_leading_to(tape, root);
  const ValueNames<T> names(recorded);
  std::size_t elements = 0;
  for (const Value<T>* value : names.values()) elements += value->size();
  if (elements > options.max_vertices) throw_too_large("vertices", elements, options.max_vertices);

  ComputationGraph graph;
  std::unordered_map<const Value<T>*, GraphVertex> first;  // a value's elements are consecutive
  for (const Value<T>* value : names.values()) {
    first.emplace(value, boost::num_vertices(graph));
    for (std::size_t j = 0; j < value->size(); ++j) {
      VertexInfo info = describe(*value, names, recorded.root);
      info.name += index_suffix(value->shape, j);
      info.element = j;
      info.values = {static_cast<double>(value->data[j])};
      if (value->grad != nullptr) info.grads = {static_cast<double>(value->grad[j])};
      boost::add_vertex(std::move(info), graph);
    }
  }
  for (const Node<T>* node : recorded.nodes) add_element_edges(graph, *node, names, first, options);
  return graph;
}

namespace {

// Colours of a breadth-first search from each source in turn: non-white means reached.
template <class Graph>
std::vector<boost::default_color_type> reached_from(const Graph& graph,
                                                    const std::vector<GraphVertex>& sources) {
  std::vector<boost::default_color_type> color(boost::num_vertices(graph), boost::white_color);
  auto color_map =
      boost::make_iterator_property_map(color.begin(), boost::get(boost::vertex_index, graph));
  for (GraphVertex source : sources)
    if (color[source] == boost::white_color)
      boost::breadth_first_visit(graph, source, boost::color_map(color_map));
  return color;
}

}  // namespace

std::size_t highlight(ComputationGraph& graph, GraphVertex from) {
  if (from >= boost::num_vertices(graph))
    throw Error(fmt::format("highlight: vertex {} is not in this graph of {} vertices", from,
                            boost::num_vertices(graph)));
  std::vector<GraphVertex> roots;
  for (GraphVertex v : boost::make_iterator_range(boost::vertices(graph)))
    if (graph[v].root) roots.push_back(v);
  // On a path from → root: reached forward from `from`, and backward from the root.
  const auto forward = reached_from(graph, {from});
  const auto backward = reached_from(boost::make_reverse_graph(graph), roots);
  const auto reached = [](boost::default_color_type c) { return c != boost::white_color; };
  std::size_t marked = 0;
  for (GraphVertex v : boost::make_iterator_range(boost::vertices(graph))) {
    graph[v].highlighted = reached(forward[v]) && reached(backward[v]);
    marked += graph[v].highlighted ? 1 : 0;
  }
  for (GraphEdge e : boost::make_iterator_range(boost::edges(graph)))
    graph[e].highlighted =
        reached(forward[boost::source(e, graph)]) && reached(backward[boost::target(e, graph)]);
  return marked;
}

std::size_t highlight(ComputationGraph& graph, std::string_view name) {
  return highlight(graph, vertex_named(graph, name));
}

template ComputationGraph tensor_view(const Tape<float>&, const Var<float>&,
                                      const GraphViewOptions&);
template ComputationGraph tensor_view(const Tape<double>&, const Var<double>&,
                                      const GraphViewOptions&);
template ComputationGraph expanded_view(const Tape<float>&, const Var<float>&,
                                        const GraphViewOptions&);
template ComputationGraph expanded_view(const Tape<double>&, const Var<double>&,
                                        const GraphViewOptions&);

ComputationGraph collapse_layers(const ComputationGraph& graph) {
  const std::size_t n = boost::num_vertices(graph);
  std::vector<std::string> layer(n);
  for (GraphVertex v = 0; v < n; ++v) {  // vertices come in tape order: inputs first
    const VertexInfo& info = graph[v];
    if (info.root) continue;
    if (info.kind == VertexKind::kParameter) {  // by its tensor's name, which renaming keeps
      if (const std::size_t dot = info.tensor.rfind('.'); dot != std::string::npos && dot > 0)
        layer[v] = info.tensor.substr(0, dot);
      continue;
    }
    if (info.kind != VertexKind::kOp) continue;
    for (const GraphEdge e : boost::make_iterator_range(boost::in_edges(v, graph))) {
      const GraphVertex u = boost::source(e, graph);
      if (graph[u].kind == VertexKind::kParameter && !layer[u].empty()) layer[v] = layer[u];
    }
    if (layer[v].empty() && boost::in_degree(v, graph) == 1) {
      const GraphVertex u = boost::source(*boost::in_edges(v, graph).first, graph);
      if (graph[u].kind == VertexKind::kOp) layer[v] = layer[u];
    }
  }

  ComputationGraph collapsed;
  std::vector<GraphVertex> image(n);
  std::unordered_map<std::string, GraphVertex> layer_vertex;
  for (GraphVertex v = 0; v < n; ++v) {
    const VertexInfo& info = graph[v];
    if (layer[v].empty()) {
      image[v] = boost::add_vertex(info, collapsed);
      continue;
    }
    auto [it, added] = layer_vertex.try_emplace(layer[v]);
    if (added) {
      VertexInfo group;
      group.name = group.tensor = layer[v];
      group.kind = VertexKind::kOp;
      group.requires_grad = true;
      it->second = boost::add_vertex(std::move(group), collapsed);
    }
    image[v] = it->second;
    VertexInfo& group = collapsed[it->second];
    if (info.kind == VertexKind::kOp) {
      group.op = group.op.empty() ? info.op : group.op + " → " + info.op;
      group.shape = info.shape;  // the last op's output is the layer's
      group.size = info.size;
      group.values = info.values;
      group.grads = info.grads;
      group.saved_bytes += info.saved_bytes;
      group.highlighted = group.highlighted || info.highlighted;
    }
  }
  std::set<std::pair<GraphVertex, GraphVertex>> drawn;
  for (const GraphEdge e : boost::make_iterator_range(boost::edges(graph))) {
    const GraphVertex u = image[boost::source(e, graph)], v = image[boost::target(e, graph)];
    if (u == v || !drawn.emplace(u, v).second) continue;
    EdgeInfo info = graph[e];
    info.id = boost::num_edges(collapsed);
    // A formula names tensors inside a layer; between collapsed vertices it would mislead.
    if (!layer[boost::source(e, graph)].empty() || !layer[boost::target(e, graph)].empty())
      info.label.clear();
    boost::add_edge(u, v, std::move(info), collapsed);
  }
  return collapsed;
}

}  // namespace tapegrad
