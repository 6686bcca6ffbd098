// The chain rule as a sum over paths (graph/paths.hpp): on the expanded view, each parameter
// element's gradient is the sum over its paths to the loss of the products of the local
// derivatives, checked against backward's gradients for networks where paths branch (two
// hidden layers, two outputs, a batch) and a value used twice; the largest-paths search against
// brute-force enumeration.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "graph/random.hpp"
#include "graph/views/paths.hpp"
#include "models/mlp.hpp"
#include "ops/ops.hpp"

namespace file_views_paths_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad;

namespace {

// |a − b| within rtol of the scale of the terms summed (Σ|product|), so that a sum of many
// terms of both signs is judged by its rounding error, not by its possibly tiny result.
bool sums_agree(double a, double b, double magnitude, double rtol = 1e-12) {
  return std::abs(a - b) <= rtol * std::max(magnitude, 1e-300);
}

// A 3-4-3-2 MLP (sigmoid, tanh, identity) on a batch of 2 rows, E = ½Σ(y − ŷ)², after
// backward, as the expanded view.
struct BranchingNet {
  Generator generator{7};
  MLP<double> net{MLPOptions(3)
                      .layer(4, Activation::kSigmoid)
                      .layer(3, Activation::kTanh)
                      .layer(2, Activation::kIdentity)
                      .generator(&generator)};
  ComputationGraph graph;

  explicit BranchingNet(std::uint64_t data_seed) {
    Generator data(data_seed);
    const Tensor<double> x = uniform_tensor({2, 3}, -1.0, 1.0, data);
    const Tensor<double> y = uniform_tensor({2, 2}, -1.0, 1.0, data);
    Tape<double> tape;
    TapeGuard<double> guard(tape);
    net.zero_grad();
    Var<double> E = sse_loss(net.forward(Var<double>(x).named("x")), Var<double>(y).named("y"));
    E.named("E").backward();
    graph = expanded_view(tape, E);
  }
};

std::vector<GraphVertex> parameter_vertices(const ComputationGraph& graph) {
  std::vector<GraphVertex> out;
  for (GraphVertex v : boost::make_iterator_range(boost::vertices(graph)))
    if (graph[v].kind == VertexKind::kParameter) out.push_back(v);
  return out;
}

}  // namespace

TEST_CASE("paths: the sum over paths is the gradient, two hidden layers, two outputs, a batch",
          "[views][paths]") {
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    BranchingNet b(seed);
    const ComputationGraph& graph = b.graph;
    const auto params = parameter_vertices(graph);
    REQUIRE(params.size() == 4 * 3 + 4 + 3 * 4 + 3 + 2 * 3 + 2);
    for (GraphVertex p : params) {
      INFO(graph[p].name << ", data seed " << seed);
      const double autodiff = graph[p].grads.at(0);
      const std::vector<GradientPath> all = all_gradient_paths(graph, p);
      double sum = 0, magnitude = 0;
      for (const GradientPath& path : all) {
        double product = 1;
        for (GraphEdge e : path.edges) product *= graph[e].factor;
        CHECK(path.product == product);
        sum += product;
        magnitude += std::abs(product);
      }
      CHECK(sums_agree(sum, autodiff, magnitude));

      // The number of paths by the network's shape: each of the 2 rows, then every unit of
      // each later layer (no local derivative is exactly 0 here).
      const std::string& tensor = graph[p].tensor;
      const double expected = tensor.starts_with("layers.0.")   ? 2 * 3 * 2
                              : tensor.starts_with("layers.1.") ? 2 * 2
                                                                : 2;
      CHECK(static_cast<double>(all.size()) == expected);

      const PathSummary summary = gradient_paths(graph, p, 3);
      CHECK(summary.count == expected);
      CHECK(sums_agree(summary.total, autodiff, magnitude));
      CHECK(summary.magnitude == Approx(magnitude).epsilon(1e-12));
      // The 3 largest: the brute-force list sorted by |product|.
      std::vector<GradientPath> sorted = all;
      std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
        return std::abs(a.product) > std::abs(b.product);
      });
      const std::size_t kept = std::min<std::size_t>(3, all.size());
      REQUIRE(summary.largest.size() == kept);
      double shown = 0;
      for (std::size_t k = 0; k < kept; ++k) {
        CHECK(std::abs(summary.largest[k].product) == Approx(std::abs(sorted[k].product)));
        double product = 1;
        for (GraphEdge e : summary.largest[k].edges) product *= graph[e].factor;
        CHECK(summary.largest[k].product == Approx(product).epsilon(1e-14));
        // A real path: consecutive edges, from p to a root.
        const auto vertices = path_vertices(graph, summary.largest[k], p);
        for (std::size_t i = 0; i < summary.largest[k].edges.size(); ++i)
          CHECK(boost::source(summary.largest[k].edges[i], graph) == vertices[i]);
        CHECK(graph[vertices.back()].root);
        shown += summary.largest[k].product;
      }
      CHECK(sums_agree(shown + summary.rest, summary.total, magnitude));
    }
  }
}

TEST_CASE("paths: a value used twice, p·p + p, has three paths summing to 2p + 1",
          "[views][paths]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  const double pv = 0.7;
  Parameter<double> p(Tensor<double>({1}, {pv}), "p");
  Var<double> q = mul(p, p).named("q");
  Var<double> s = sum(add(q, p).named("r")).named("s");
  s.backward();
  const ComputationGraph graph = expanded_view(tape, s);
  const GraphVertex from = vertex_named(graph, "p[0]");
  const std::vector<GradientPath> all = all_gradient_paths(graph, from);
  REQUIRE(all.size() == 3);  // p → q along each input of mul, and p → r
  std::vector<double> products;
  for (const GradientPath& path : all) products.push_back(path.product);
  std::sort(products.begin(), products.end());
  CHECK(products == std::vector<double>{pv, pv, 1.0});
  const PathSummary summary = gradient_paths(graph, from, 2);
  CHECK(summary.count == 3);
  CHECK(summary.total == Approx(2 * pv + 1).epsilon(1e-15));
  CHECK(summary.total == Approx(graph[from].grads.at(0)).epsilon(1e-15));
  REQUIRE(summary.largest.size() == 2);
  CHECK(summary.largest[0].product == 1.0);  // the path through r: |1| > |0.7|
  CHECK(summary.rest == Approx(pv).epsilon(1e-15));
}

TEST_CASE("paths: a wrong edge factor makes the sum differ from backward's gradient",
          "[views][paths]") {
  // The check the explain command makes (paths against autodiff) fails when a local derivative
  // in the graph is wrong: here one factor of the branching network is planted 1% off.
  BranchingNet b(1);
  ComputationGraph graph = b.graph;
  const GraphVertex p = vertex_named(graph, "layers.0.weight[1,2]");
  const PathSummary before = gradient_paths(graph, p);
  REQUIRE(sums_agree(before.total, graph[p].grads.at(0), before.magnitude));
  const GraphEdge first = before.largest.front().edges.front();
  graph[first].factor *= 1.01;
  const PathSummary after = gradient_paths(graph, p);
  CHECK_FALSE(sums_agree(after.total, graph[p].grads.at(0), after.magnitude));
}

TEST_CASE("paths: bad arguments are refused", "[views][paths]") {
  ComputationGraph graph;
  VertexInfo leaf, root;
  leaf.name.push_back('a');
  root.name.push_back('b');
  root.root = true;
  EdgeInfo edge;
  edge.factor = 2;
  const GraphVertex a = boost::add_vertex(leaf, graph);
  const GraphVertex b = boost::add_vertex(root, graph);
  boost::add_edge(a, b, edge, graph);
  CHECK(gradient_paths(graph, a).total == 2);
  CHECK_THROWS_WITH(gradient_paths(graph, 5), Catch::Contains("vertex 5 is not in this graph"));
  boost::add_edge(b, a, edge, graph);  // a cycle: no tape makes one
  CHECK_THROWS_WITH(gradient_paths(graph, a), Catch::Contains("cycle"));
  CHECK_THROWS_WITH(all_gradient_paths(graph, a), Catch::Contains("cycle"));

  BranchingNet net(1);
  const GraphVertex w = vertex_named(net.graph, "layers.0.weight[0,0]");
  CHECK_THROWS_WITH(all_gradient_paths(net.graph, w, 5), Catch::Contains("more than 5 paths"));
}

}  // namespace file_views_paths_test
