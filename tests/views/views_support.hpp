// Helpers for the graph view tests: the seed network of the reference derivation
// (shared/reference/backprop-hidden-nodes.md) built directly from ops, its values computed
// independently with std::exp, and lookups of edges and label numbers.
#pragma once

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "tapegrad.hpp"

namespace tapegrad::views_test {

// d = 3 inputs, H = 2 hidden units, one output; the numbers have no pattern to get right by luck.
struct SeedExample {
  static constexpr std::size_t kInputs = 3, kHidden = 2;
  std::vector<double> x{0.5, -1.0, 2.0};
  std::vector<double> W{0.1, -0.2, 0.3, -0.4, 0.5, 0.6};  // [H,d], row h
  std::vector<double> b{0.05, -0.1};                      // w_h0
  std::vector<double> V{0.7, -0.3};                       // [1,H]
  double v0 = 0.2;
  double y = 1.0;

  // a_h = Σ_j w_hj x_j + w_h0
  double a(std::size_t h) const {
    double sum = b[h];
    for (std::size_t j = 0; j < kInputs; ++j) sum += W[h * kInputs + j] * x[j];
    return sum;
  }
  double z(std::size_t h) const { return 1.0 / (1.0 + std::exp(-a(h))); }  // sigmoid
  double yhat() const { return V[0] * z(0) + V[1] * z(1) + v0; }           // Σ v_h z_h + v_0
};

// The example recorded on `tape` (which must be current) and differentiated: x "x", W "w",
// b "w0", V "v", v0 "v0", a "a", z "z", ŷ "ŷ", y "y", E "E".
struct SeedGraph {
  SeedExample example;
  Parameter<double> W{Tensor<double>({2, 3}, example.W), "w"};
  Parameter<double> b{Tensor<double>({2}, example.b), "w0"};
  Parameter<double> V{Tensor<double>({1, 2}, example.V), "v"};
  Parameter<double> v0{Tensor<double>({1}, {example.v0}), "v0"};
  Var<double> x, a, z, yhat, y, E;

  explicit SeedGraph(Tape<double>& tape) {
    x = tape.constant(Tensor<double>({3}, example.x), "x");
    y = tape.constant(Tensor<double>({1}, {example.y}), "y");
    a = linear(x, W, b).named("a");
    z = sigmoid(a).named("z");
    yhat = linear(z, V, v0).named("ŷ");
    E = sse_loss(yhat, y).named("E");
    E.backward();
  }
};

// Every edge from the vertex named `from` to the vertex named `to`.
inline std::vector<GraphEdge> edges_between(const ComputationGraph& graph, std::string_view from,
                                            std::string_view to) {
  const GraphVertex u = vertex_named(graph, from), v = vertex_named(graph, to);
  std::vector<GraphEdge> found;
  for (GraphEdge e : boost::make_iterator_range(boost::out_edges(u, graph)))
    if (boost::target(e, graph) == v) found.push_back(e);
  return found;
}

// The one edge from `from` to `to`; fails the test if there is not exactly one.
inline const EdgeInfo& edge_between(const ComputationGraph& graph, std::string_view from,
                                    std::string_view to) {
  const std::vector<GraphEdge> found = edges_between(graph, from, to);
  INFO("edges from " << from << " to " << to);
  REQUIRE(found.size() == 1);
  return graph[found.front()];
}

// The expanded view's edge labels end in " = <number>" (fmt "{:.6g}"): the formula's text before
// it, and the number parsed back.
inline std::string label_formula(const std::string& label) {
  return label.substr(0, label.rfind(" = "));
}
inline double label_number(const std::string& label) {
  const std::size_t at = label.rfind(" = ");
  REQUIRE(at != std::string::npos);
  return std::stod(label.substr(at + 3));
}

// True if the label's number is `expected` to the label's 6 significant digits.
inline bool label_shows(const std::string& label, double expected) {
  return std::abs(label_number(label) - expected) <= 1e-5 * std::abs(expected) + 1e-12;
}

}  // namespace tapegrad::views_test
