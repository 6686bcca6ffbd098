#include "replay.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>

#include "../errors.hpp"

namespace tapegrad {

namespace {

double grad_of(const ComputationGraph& graph, GraphVertex v) {
  const VertexInfo& info = graph[v];
  if (info.grads.size() != 1)
    throw Error(fmt::format(
        "backward replay: vertex '{}' has no gradient; replay needs an expanded view (one vertex "
        "per element) taken after backward",
        info.name));
  return info.grads[0];
}

}  // namespace

std::vector<ReplayFrame> backward_replay(const ComputationGraph& expanded) {
  const std::size_t n = boost::num_vertices(expanded);
  // The expanded view adds op outputs in tape order, so the ops' tensors in order of their first
  // element are the tape's order; backward runs them in reverse.
  std::vector<std::string> order;
  std::unordered_map<std::string, std::vector<GraphVertex>> elements;
  for (GraphVertex v = 0; v < n; ++v) {
    const VertexInfo& info = expanded[v];
    if (info.kind != VertexKind::kOp) continue;
    auto [it, added] = elements.try_emplace(info.tensor);
    if (added) order.push_back(info.tensor);
    it->second.push_back(v);
  }
  std::vector<double> running(n, 0.0);
  std::vector<bool> touched(n, false);
  for (GraphVertex v = 0; v < n; ++v)
    if (expanded[v].root) {
      running[v] = 1;  // the seed: ∂root/∂root
      touched[v] = true;
    }

  std::vector<ReplayFrame> frames;
  for (auto tensor = order.rbegin(); tensor != order.rend(); ++tensor) {
    ReplayFrame frame;
    frame.tensor = *tensor;
    frame.outputs = elements.at(*tensor);
    frame.op = expanded[frame.outputs.front()].op;
    for (GraphVertex out : frame.outputs) {
      const double grad_in = grad_of(expanded, out);
      for (const GraphEdge e : boost::make_iterator_range(boost::in_edges(out, expanded))) {
        const double factor = expanded[e].factor;
        const GraphVertex in = boost::source(e, expanded);
        frame.contributions.push_back({expanded[e].id, in, out, grad_in, factor, factor * grad_in});
        running[in] += factor * grad_in;
        touched[in] = true;
      }
    }
    frame.running = running;
    frame.touched = touched;
    frames.push_back(std::move(frame));
  }
  return frames;
}

ComputationGraph replay_frame_graph(const ComputationGraph& expanded,
                                    const std::vector<ReplayFrame>& frames, std::size_t k) {
  if (k >= frames.size())
    throw Error(fmt::format("backward replay: frame {} of {}", k, frames.size()));
  const ReplayFrame& frame = frames[k];
  if (frame.running.size() != boost::num_vertices(expanded))
    throw Error(fmt::format(
        "backward replay: the frames are of a graph of {} vertices, not of this one of {}",
        frame.running.size(), boost::num_vertices(expanded)));
  ComputationGraph graph = expanded;
  for (GraphVertex v : boost::make_iterator_range(boost::vertices(graph))) {
    VertexInfo& info = graph[v];
    info.highlighted = false;
    info.grads.clear();  // the frame shows what is known so far, not the final gradients
    if (frame.touched[v]) info.note = fmt::format("sum so far {:.4g}", frame.running[v]);
  }
  // The copy's own edges by id (see ReplayContribution).
  std::unordered_map<std::size_t, GraphEdge> by_id;
  for (GraphEdge e : boost::make_iterator_range(boost::edges(graph))) {
    graph[e].highlighted = false;
    graph[e].replayed = false;
    by_id.emplace(graph[e].id, e);
  }
  for (GraphVertex out : frame.outputs) {
    graph[out].highlighted = true;
    graph[out].note = fmt::format("grad in {:.4g}", frame.running[out]);
  }
  for (const ReplayContribution& c : frame.contributions) {
    const auto found = by_id.find(c.edge);
    if (found == by_id.end() || boost::source(found->second, graph) != c.source ||
        boost::target(found->second, graph) != c.target)
      throw Error(fmt::format(
          "backward replay: frame {} names edge {} from vertex {} to {}, which this graph does not "
          "have; draw frames on the graph they were replayed from",
          k, c.edge, c.source, c.target));
    EdgeInfo& edge = graph[found->second];
    edge.highlighted = true;
    edge.replayed = true;
    edge.grad_in = c.grad_in;
    edge.contribution = c.contribution;
    edge.label = fmt::format("{} × {:.6g} = {:.6g}", edge.label, c.grad_in, c.contribution);
    graph[c.source].highlighted = true;
  }
  return graph;
}

}  // namespace tapegrad
