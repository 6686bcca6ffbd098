#include "paths.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/graph/topological_sort.hpp>
#include <cmath>
#include <iterator>

#include "../errors.hpp"

namespace tapegrad {

namespace {

void check_vertex(const ComputationGraph& graph, GraphVertex from, std::string_view what) {
  if (from >= boost::num_vertices(graph))
    throw Error(fmt::format("{}: vertex {} is not in this graph of {} vertices", what, from,
                            boost::num_vertices(graph)));
}

// The vertices with every successor before them (boost::topological_sort's reverse order), so
// that a sweep in this order sees a vertex's paths to the root before the vertex itself.
std::vector<GraphVertex> sinks_first(const ComputationGraph& graph) {
  std::vector<GraphVertex> order;
  order.reserve(boost::num_vertices(graph));
  try {
    boost::topological_sort(graph, std::back_inserter(order));
  } catch (const boost::not_a_dag&) {
    throw Error("gradient paths: the graph has a cycle; a view of a tape has none");
  }
  return order;
}

// A partial path from a vertex to the root: its first edge and where it goes on, as an index
// into the next vertex's list (the root's list holds one empty path).
struct Partial {
  double product = 1;
  GraphEdge edge{};
  std::size_t next = 0;
  bool at_root = true;
};

}  // namespace

PathSummary gradient_paths(const ComputationGraph& graph, GraphVertex from, std::size_t max_paths) {
  check_vertex(graph, from, "gradient_paths");
  const std::size_t n = boost::num_vertices(graph);
  std::vector<double> total(n, 0.0), count(n, 0.0), magnitude(n, 0.0);
  std::vector<std::vector<Partial>> best(n);
  std::vector<Partial> candidates;
  for (GraphVertex v : sinks_first(graph)) {
    if (graph[v].root) {
      total[v] = 1;  // ∂root/∂root
      count[v] = 1;
      magnitude[v] = 1;
      if (max_paths > 0) best[v] = {Partial{}};
      continue;
    }
    candidates.clear();
    for (GraphEdge e : boost::make_iterator_range(boost::out_edges(v, graph))) {
      const GraphVertex u = boost::target(e, graph);
      const double factor = graph[e].factor;
      total[v] += factor * total[u];
      count[v] += count[u];
      magnitude[v] += std::abs(factor) * magnitude[u];
      for (std::size_t i = 0; i < best[u].size(); ++i)
        candidates.push_back({factor * best[u][i].product, e, i, false});
    }
    // The best k extensions are among the best k of each successor: |f·p| grows with |p|.
    const std::size_t keep = std::min(max_paths, candidates.size());
    // By |product|, largest first; a NaN product (from a NaN factor) ranks below every number.
    const auto magnitude_of = [](const Partial& p) {
      return std::isnan(p.product) ? -1.0 : std::abs(p.product);
    };
    std::stable_sort(candidates.begin(), candidates.end(), [&](const Partial& a, const Partial& b) {
      return magnitude_of(a) > magnitude_of(b);
    });
    best[v].assign(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(keep));
  }

  PathSummary summary;
  summary.from = from;
  summary.total = total[from];
  summary.count = count[from];
  summary.magnitude = magnitude[from];
  double shown = 0;
  for (std::size_t i = 0; i < best[from].size(); ++i) {
    GradientPath path;
    path.product = best[from][i].product;
    GraphVertex v = from;
    for (std::size_t k = i; !best[v][k].at_root;) {
      const Partial& step = best[v][k];
      path.edges.push_back(step.edge);
      v = boost::target(step.edge, graph);
      k = step.next;
    }
    shown += path.product;
    summary.largest.push_back(std::move(path));
  }
  summary.rest = summary.total - shown;
  return summary;
}

std::vector<GradientPath> all_gradient_paths(const ComputationGraph& graph, GraphVertex from,
                                             std::size_t limit) {
  check_vertex(graph, from, "all_gradient_paths");
  sinks_first(graph);  // refuses a cycle, which would make the search below endless
  using OutEdge = boost::graph_traits<ComputationGraph>::out_edge_iterator;
  struct Frame {
    OutEdge next, end;
  };
  std::vector<GradientPath> paths;
  std::vector<GraphEdge> edges;
  std::vector<Frame> stack;
  auto enter = [&](GraphVertex v) {
    if (graph[v].root) {
      if (paths.size() == limit)
        throw Error(
            fmt::format("all_gradient_paths: more than {} paths from '{}'; use "
                        "gradient_paths, which keeps only the largest",
                        limit, graph[from].name));
      GradientPath path{edges, 1.0};
      for (GraphEdge e : edges) path.product *= graph[e].factor;
      paths.push_back(std::move(path));
      return;
    }
    const auto [begin, end] = boost::out_edges(v, graph);
    stack.push_back({begin, end});
  };
  enter(from);
  while (!stack.empty()) {
    Frame& top = stack.back();
    if (top.next == top.end) {
      stack.pop_back();
      if (!edges.empty()) edges.pop_back();
      continue;
    }
    const GraphEdge e = *top.next++;
    edges.push_back(e);
    const std::size_t depth = stack.size();
    enter(boost::target(e, graph));
    if (stack.size() == depth) edges.pop_back();  // reached a root: nothing pushed
  }
  return paths;
}

std::vector<GraphVertex> path_vertices(const ComputationGraph& graph, const GradientPath& path,
                                       GraphVertex from) {
  std::vector<GraphVertex> vertices{from};
  for (GraphEdge e : path.edges) vertices.push_back(boost::target(e, graph));
  return vertices;
}

}  // namespace tapegrad
