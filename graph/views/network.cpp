// graph/network.hpp: finds the layers of a model in its expanded view by following the loss's
// first input back through linear ops and the elementwise ops after them, then lays their
// elements out in columns and pairs each weight with the unit-to-unit edge it weighs.
#include "network.hpp"

#include <fmt/format.h>

#include <deque>
#include <map>
#include <string>
#include <unordered_map>

#include "../errors.hpp"

namespace tapegrad {

namespace {

// Each tensor's vertices in element order (the expanded view adds them so).
class Groups {
 public:
  explicit Groups(const ComputationGraph& graph) : graph_(graph) {
    for (GraphVertex v : boost::make_iterator_range(boost::vertices(graph)))
      groups_[graph[v].tensor].push_back(v);
  }
  const std::vector<GraphVertex>& operator[](const std::string& tensor) const {
    const auto it = groups_.find(tensor);
    if (it == groups_.end())
      throw Error(fmt::format("network layout: the graph has no tensor '{}'", tensor));
    return it->second;
  }
  const VertexInfo& info(const std::string& tensor) const { return graph_[(*this)[tensor][0]]; }
  // True for an expanded view: each tensor has a vertex per element.
  bool expanded() const {
    for (const auto& [tensor, vertices] : groups_)
      if (vertices.size() != graph_[vertices[0]].size) return false;
    return true;
  }

 private:
  const ComputationGraph& graph_;
  std::unordered_map<std::string, std::vector<GraphVertex>> groups_;
};

// One linear layer and the activation after it, by tensor name (empty if none).
struct Layer {
  std::string input, weight, bias, linear, activation;
  const std::string& units() const { return activation.empty() ? linear : activation; }
};

[[noreturn]] void refuse(const std::string& why) {
  throw Error(fmt::format(
      "network layout: {}; it draws a layered model (linear layers, each followed by an "
      "elementwise activation or none, then the loss) for one example; draw the weights as boxes "
      "instead (--layout boxes)",
      why));
}

Layer layer_ending_at(const Groups& groups, const std::string& tensor) {
  Layer layer;
  const VertexInfo& info = groups.info(tensor);
  if (info.op == "linear") {
    layer.linear = tensor;
  } else if (info.inputs.size() == 1 && groups.info(info.inputs[0]).op == "linear" &&
             groups.info(info.inputs[0]).size == info.size) {
    layer.linear = info.inputs[0];
    layer.activation = tensor;
  } else {
    refuse(
        fmt::format("'{}' is computed by {} ({} input(s)), not by a linear layer or an "
                    "elementwise op after one",
                    tensor, info.op.empty() ? "no op" : info.op, info.inputs.size()));
  }
  const VertexInfo& linear = groups.info(layer.linear);
  layer.input = linear.inputs.at(0);
  layer.weight = linear.inputs.at(1);
  if (linear.inputs.size() > 2) layer.bias = linear.inputs[2];
  const std::size_t in = groups.info(layer.input).size, out = linear.size;
  if (groups.info(layer.weight).size != in * out ||
      (!layer.bias.empty() && groups.info(layer.bias).size != out))
    refuse(
        fmt::format("the layer computing '{}' takes {} inputs to {} outputs, which is a batch "
                    "of more than one example or not a plain layer",
                    layer.linear, in, out));
  return layer;
}

// The layers from the input to the prediction, and every tensor they use.
std::deque<Layer> layers_of(const Groups& groups, const std::string& prediction) {
  std::deque<Layer> layers;
  std::string tensor = prediction;
  for (;;) {
    layers.push_front(layer_ending_at(groups, tensor));
    tensor = layers.front().input;
    if (groups.info(tensor).kind != VertexKind::kOp) return layers;
  }
}

class Builder {
 public:
  Builder(const ComputationGraph& graph, const Groups& groups) : graph_(graph), groups_(groups) {}

  NetworkLayout build(const std::deque<Layer>& layers, const std::string& loss,
                      const std::vector<std::string>& targets) {
    add_column(layers.front().bias.empty() ? nullptr : &layers.front(),
               groups_[layers.front().input], nullptr);
    for (std::size_t k = 0; k < layers.size(); ++k) {
      const bool last = k + 1 == layers.size();
      add_column(last || layers[k + 1].bias.empty() ? nullptr : &layers[k + 1],
                 groups_[layers[k].units()], &layers[k]);
      if (last)
        for (const std::string& target : targets) add_units(groups_[target], nullptr);
    }
    add_column(nullptr, groups_[loss], nullptr);
    for (std::size_t k = 0; k < layers.size(); ++k) link_layer(layers[k], k);
    for (GraphVertex v : groups_[loss])
      for (GraphEdge e : boost::make_iterator_range(boost::in_edges(v, graph_)))
        layout_.links.push_back({unit_of_.at(boost::source(e, graph_)), unit_of_.at(v),
                                 std::nullopt, std::nullopt, graph_[e].id, layers.size()});
    return std::move(layout_);
  }

 private:
  // A column: the "+1" of `biased`'s layer if given, then the units of `elements`.
  void add_column(const Layer* biased, const std::vector<GraphVertex>& elements,
                  const Layer* layer) {
    column_ = layout_.columns++;
    row_ = 0;
    if (biased != nullptr) {
      bias_unit_[biased->linear] = layout_.units.size();
      layout_.units.push_back({.column = column_, .row = row_++, .bias = true});
    }
    add_units(elements, layer);
  }

  void add_units(const std::vector<GraphVertex>& elements, const Layer* layer) {
    for (std::size_t h = 0; h < elements.size(); ++h) {
      NetworkUnit unit{.column = column_, .row = row_++, .output = elements[h]};
      if (layer != nullptr && !layer->activation.empty()) {
        unit.pre_activation = groups_[layer->linear].at(h);
        unit.activation_edge = edge_id(*unit.pre_activation, elements[h]);
        unit_of_[*unit.pre_activation] = layout_.units.size();
      }
      unit_of_[elements[h]] = layout_.units.size();
      layout_.units.push_back(unit);
    }
  }

  // The id of the edge from → to, if the view drew it: it draws none whose derivative is 0.
  std::optional<std::size_t> edge_id(GraphVertex from, GraphVertex to) const {
    for (GraphEdge e : boost::make_iterator_range(boost::out_edges(from, graph_)))
      if (boost::target(e, graph_) == to) return graph_[e].id;
    return std::nullopt;
  }

  void link_layer(const Layer& layer, std::size_t k) {
    const std::vector<GraphVertex>& in = groups_[layer.input];
    const std::vector<GraphVertex>& out = groups_[layer.linear];
    const std::vector<GraphVertex>& weights = groups_[layer.weight];
    for (std::size_t h = 0; h < out.size(); ++h) {
      const std::size_t target = unit_of_.at(out[h]);
      if (!layer.bias.empty()) {
        const GraphVertex b = groups_[layer.bias].at(h);
        layout_.links.push_back(
            {bias_unit_.at(layer.linear), target, b, edge_id(b, out[h]), std::nullopt, k});
      }
      for (std::size_t j = 0; j < in.size(); ++j) {
        const GraphVertex w = weights.at(h * in.size() + j);  // W is [out, in]
        layout_.links.push_back(
            {unit_of_.at(in[j]), target, w, edge_id(w, out[h]), edge_id(in[j], out[h]), k});
      }
    }
  }

  const ComputationGraph& graph_;
  const Groups& groups_;
  NetworkLayout layout_;
  std::unordered_map<GraphVertex, std::size_t> unit_of_;
  std::map<std::string, std::size_t> bias_unit_;  // by the linear tensor of the biased layer
  std::size_t column_ = 0, row_ = 0;
};

// Every vertex is in a unit, or is a weight or bias written on a link.
void check_covered(const ComputationGraph& graph, const NetworkLayout& layout) {
  std::vector<bool> seen(boost::num_vertices(graph), false);
  for (const NetworkUnit& unit : layout.units) {
    if (!unit.bias) seen[unit.output] = true;
    if (unit.pre_activation) seen[*unit.pre_activation] = true;
  }
  for (const NetworkLink& link : layout.links)
    if (link.weight) seen[*link.weight] = true;
  for (GraphVertex v = 0; v < seen.size(); ++v)
    if (!seen[v]) refuse(fmt::format("'{}' is not part of the layers or the loss", graph[v].name));
}

}  // namespace

NetworkLayout network_layout(const ComputationGraph& graph) {
  const Groups groups(graph);
  std::string loss;
  for (GraphVertex v : boost::make_iterator_range(boost::vertices(graph)))
    if (graph[v].root) loss = graph[v].tensor;
  if (loss.empty() || groups.info(loss).kind != VertexKind::kOp)
    refuse("the graph has no loss computed by an op");
  if (!groups.expanded()) refuse("this is not an expanded view (one vertex per element)");
  const VertexInfo& root = groups.info(loss);
  std::vector<std::string> targets;  // the loss's other inputs: constants such as y
  for (std::size_t k = 1; k < root.inputs.size(); ++k) {
    if (groups.info(root.inputs[k]).kind == VertexKind::kOp)
      refuse(fmt::format("the loss's input '{}' is computed by an op", root.inputs[k]));
    targets.push_back(root.inputs[k]);
  }
  if (root.inputs.empty() || groups.info(root.inputs[0]).kind != VertexKind::kOp)
    refuse("the loss's first input is not computed by a layer");
  const std::deque<Layer> layers = layers_of(groups, root.inputs[0]);
  NetworkLayout layout = Builder(graph, groups).build(layers, loss, targets);
  check_covered(graph, layout);
  return layout;
}

}  // namespace tapegrad
