// The tensor and expanded views of the reference derivation's network: which vertices and edges
// they have, and that every edge carries the local derivative the derivation states, with the
// number computed here from the same inputs with std::exp.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

#include "../support/wrong_sigmoid.hpp"
#include "views_support.hpp"

namespace file_views_graph_view_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad;
using namespace tapegrad::views_test;
using Catch::Matchers::Contains;

namespace {

std::set<std::string> highlighted_vertices(const ComputationGraph& graph) {
  std::set<std::string> names;
  for (GraphVertex v : boost::make_iterator_range(boost::vertices(graph)))
    if (graph[v].highlighted) names.insert(graph[v].name);
  return names;
}

std::set<std::pair<std::string, std::string>> highlighted_edges(const ComputationGraph& graph) {
  std::set<std::pair<std::string, std::string>> pairs;
  for (GraphEdge e : boost::make_iterator_range(boost::edges(graph)))
    if (graph[e].highlighted)
      pairs.emplace(graph[boost::source(e, graph)].name, graph[boost::target(e, graph)].name);
  return pairs;
}

}  // namespace

TEST_CASE("tensor view: parameters, inputs, ops and the loss, with formula labels",
          "[views][tensor]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  SeedGraph seed(tape);
  const ComputationGraph graph = tensor_view(tape, seed.E);

  CHECK(boost::num_vertices(graph) == 10);  // x y w w0 v v0 a z ŷ E
  CHECK(boost::num_edges(graph) == 9);      // linear 3 + sigmoid 1 + linear 3 + sse_loss 2
  for (const char* name : {"w", "w0", "v", "v0"})
    CHECK(graph[vertex_named(graph, name)].kind == VertexKind::kParameter);
  for (const char* name : {"x", "y"}) {
    CHECK(graph[vertex_named(graph, name)].kind == VertexKind::kInput);
    CHECK_FALSE(graph[vertex_named(graph, name)].requires_grad);  // constants
  }
  for (const char* name : {"a", "z", "ŷ", "E"})
    CHECK(graph[vertex_named(graph, name)].kind == VertexKind::kOp);
  const VertexInfo& loss = graph[vertex_named(graph, "E")];
  CHECK(loss.root);
  CHECK(loss.op == "sse_loss");
  CHECK(std::count_if(boost::vertices(graph).first, boost::vertices(graph).second,
                      [&](GraphVertex v) { return graph[v].root; }) == 1);

  CHECK(edge_between(graph, "a", "z").label == "∂z/∂a = z(1−z)");
  CHECK(edge_between(graph, "z", "ŷ").label == "∂ŷ/∂z = v");
  CHECK(edge_between(graph, "w", "a").label == "∂a/∂w = x");
  CHECK(edge_between(graph, "ŷ", "E").label == "∂E/∂ŷ = −(y−ŷ)");
  CHECK(edge_between(graph, "ŷ", "E").input == 0);
  CHECK(edge_between(graph, "y", "E").input == 1);

  // Small tensors carry values and gradients: z_h and ∂E/∂z_h = −(y − ŷ) v_h.
  const VertexInfo& z = graph[vertex_named(graph, "z")];
  const SeedExample& ex = seed.example;
  REQUIRE(z.values.size() == 2);
  REQUIRE(z.grads.size() == 2);
  for (std::size_t h = 0; h < 2; ++h) {
    CHECK(z.values[h] == Approx(ex.z(h)));
    CHECK(z.grads[h] == Approx(-(ex.y - ex.yhat()) * ex.V[h]));
  }
  CHECK(z.shape == "[2]");
  CHECK(z.saved_bytes == 2 * sizeof(double));            // sigmoid keeps its output
  CHECK(graph[vertex_named(graph, "x")].grads.empty());  // no gradient reaches a constant
}

TEST_CASE("tensor view: only ops that lead to the root appear", "[views][tensor]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  SeedGraph seed(tape);
  Var<double> unused = tanh(seed.a).named("unused");   // recorded, but not used by E
  Var<double> later = sigmoid(seed.E).named("later");  // recorded after E
  REQUIRE(tape.size() == 6);
  REQUIRE(unused.defined());
  REQUIRE(later.defined());
  const ComputationGraph graph = tensor_view(tape, seed.E);
  CHECK(boost::num_vertices(graph) == 10);
  CHECK_THROWS_AS(vertex_named(graph, "unused"), Error);
  CHECK_THROWS_AS(vertex_named(graph, "later"), Error);
  // Rooted at z instead, only the first layer remains.
  CHECK(boost::num_vertices(tensor_view(tape, seed.z)) == 5);  // x w w0 a z
}

TEST_CASE("tensor view: unlabelled values get op and kind names in formulas", "[views][tensor]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  Parameter<double> p(Tensor<double>({2}, {0.5, -1.5}));  // no name
  Var<double> s = sum(sigmoid(mul(tape.constant(Tensor<double>({2}, {2.0, 3.0})), p)));
  s.backward();
  const ComputationGraph graph = tensor_view(tape, s);
  CHECK(edge_between(graph, "mul", "sigmoid").label == "∂sigmoid/∂mul = sigmoid(1−sigmoid)");
  CHECK(edge_between(graph, "parameter", "mul").label == "∂mul/∂parameter = constant");
  CHECK(graph[vertex_named(graph, "sum")].root);
}

TEST_CASE("tensor view: large tensors show their first max_values values and their shape",
          "[views][tensor]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  Parameter<double> big(Tensor<double>({3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9}), "big");
  Var<double> s = sum(big).named("s");
  s.backward();
  const ComputationGraph by_default = tensor_view(tape, s);  // at most 8 values
  const VertexInfo& shown = by_default[vertex_named(by_default, "big")];
  CHECK(shown.values == std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8});
  CHECK(shown.grads.size() == 8);
  CHECK(shown.shape == "[3,3]");
  CHECK_THAT(to_dot(by_default), Contains("value [1, 2, 3, 4, 5, 6, 7, 8, … +1 more]"));
  GraphViewOptions options;
  options.max_values = 2;
  const ComputationGraph two = tensor_view(tape, s, options);
  CHECK(two[vertex_named(two, "big")].values.size() == 2);
  CHECK_THAT(to_dot(two),
             Contains("value [1, 2, … +7 more]") && Contains("grad [1, 1, … +7 more]"));
  options.max_values = 0;
  const ComputationGraph none = tensor_view(tape, s, options);
  CHECK(none[vertex_named(none, "big")].values.empty());
  CHECK(none[vertex_named(none, "big")].shape == "[3,3]");
}

TEST_CASE("expanded view: every edge carries the derivation's local derivative",
          "[views][expanded]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  SeedGraph seed(tape);
  const SeedExample& ex = seed.example;
  const ComputationGraph graph = expanded_view(tape, seed.E);

  // x 3, w 6, w0 2, a 2, z 2, v 2, v0 1, ŷ 1, y 1, E 1.
  CHECK(boost::num_vertices(graph) == 21);
  for (std::size_t h = 0; h < 2; ++h) {
    const std::string a = fmt::format("a[{}]", h), z = fmt::format("z[{}]", h);
    // ∂z_h/∂a_h = z_h(1 − z_h)
    const EdgeInfo& sigmoid_edge = edge_between(graph, a, z);
    CHECK(label_formula(sigmoid_edge.label) == "z(1−z)");
    CHECK(label_shows(sigmoid_edge.label, ex.z(h) * (1 - ex.z(h))));
    CHECK(sigmoid_edge.factor == Approx(ex.z(h) * (1 - ex.z(h))));
    CHECK(edges_between(graph, a, fmt::format("z[{}]", 1 - h)).empty());  // elementwise
    // ∂ŷ/∂z_h = v_h
    const EdgeInfo& output_edge = edge_between(graph, z, "ŷ[0]");
    CHECK(label_formula(output_edge.label) == "v");
    CHECK(label_shows(output_edge.label, ex.V[h]));
    // ∂ŷ/∂v_h = z_h
    CHECK(label_shows(edge_between(graph, fmt::format("v[0,{}]", h), "ŷ[0]").label, ex.z(h)));
    // ∂a_h/∂w_hj = x_j, and ∂a_h/∂x_j = w_hj
    for (std::size_t j = 0; j < 3; ++j) {
      const std::string w = fmt::format("w[{},{}]", h, j), x = fmt::format("x[{}]", j);
      CHECK(label_formula(edge_between(graph, w, a).label) == "x");
      CHECK(label_shows(edge_between(graph, w, a).label, ex.x[j]));
      CHECK(label_shows(edge_between(graph, x, a).label, ex.W[h * 3 + j]));
      CHECK(edges_between(graph, w, fmt::format("a[{}]", 1 - h)).empty());
    }
    CHECK(label_shows(edge_between(graph, fmt::format("w0[{}]", h), a).label, 1.0));
  }
  // ∂E/∂ŷ = −(y − ŷ), and a one-element tensor is found by its name alone.
  const EdgeInfo& loss_edge = edge_between(graph, "ŷ", "E");
  CHECK(label_formula(loss_edge.label) == "−(y−ŷ)");
  CHECK(label_shows(loss_edge.label, -(ex.y - ex.yhat())));
  CHECK(graph[vertex_named(graph, "E")].root);
  CHECK(graph[vertex_named(graph, "z[1]")].values.at(0) == Approx(ex.z(1)));
  CHECK(graph[vertex_named(graph, "z[1]")].grads.at(0) == Approx(-(ex.y - ex.yhat()) * ex.V[1]));
}

TEST_CASE("expanded view: the label check catches a planted wrong derivative",
          "[views][expanded]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  Parameter<double> a(Tensor<double>({1}, {0.3}), "a");
  Var<double> z = testing::wrong_sigmoid(a).named("z");
  Var<double> s = sum(z).named("s");
  s.backward();
  const ComputationGraph graph = expanded_view(tape, s);
  const double zv = 1 / (1 + std::exp(-0.3));
  // The view shows what backward computes, so the independent formula exposes the bug.
  const std::string& label = edge_between(graph, "a[0]", "z[0]").label;
  CHECK(label_formula(label) == "z(1−z)");
  CHECK_FALSE(label_shows(label, zv * (1 - zv)));
  CHECK(label_shows(label, 2 * zv * (1 - zv)));
}

TEST_CASE("expanded view: a value used twice gets one edge per use", "[views][expanded]") {
  // y = x ⊙ x: ∂y_j/∂x_j = x_j along each of the two inputs, 2x_j in total (the chain rule's sum
  // over paths); no edge between different elements.
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  const std::vector<double> xs{1.5, -2.0, 0.25};
  Parameter<double> x(Tensor<double>({3}, xs), "x");
  Var<double> y = mul(x, x).named("y");
  Var<double> s = sum(y).named("s");
  s.backward();
  const ComputationGraph graph = expanded_view(tape, s);
  for (std::size_t j = 0; j < 3; ++j) {
    const std::string xj = fmt::format("x[{}]", j), yj = fmt::format("y[{}]", j);
    const std::vector<GraphEdge> edges = edges_between(graph, xj, yj);
    REQUIRE(edges.size() == 2);
    std::set<std::size_t> inputs;
    double total = 0;
    for (GraphEdge e : edges) {
      inputs.insert(graph[e].input);
      CHECK(label_formula(graph[e].label) == "x");
      CHECK(label_shows(graph[e].label, xs[j]));
      total += graph[e].factor;
    }
    CHECK(inputs == std::set<std::size_t>{0, 1});
    CHECK(total == Approx(2 * xs[j]));
    CHECK(graph[vertex_named(graph, xj)].grads.at(0) == Approx(2 * xs[j]));
    CHECK(edges_between(graph, xj, fmt::format("y[{}]", (j + 1) % 3)).empty());
  }
}

TEST_CASE("expanded view: a broadcast add links each bias element to every row",
          "[views][expanded]") {
  // c_ij = a_ij + b_j: ∂c_ij/∂a_ij = 1 and ∂c_ij/∂b_j = 1 for every row i.
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  Parameter<double> a(Tensor<double>({2, 3}, {1, 2, 3, 4, 5, 6}), "a");
  Parameter<double> b(Tensor<double>({3}, {0.1, 0.2, 0.3}), "b");
  Var<double> c = add(a, b).named("c");
  Var<double> s = sum(c).named("s");
  s.backward();
  const ComputationGraph graph = expanded_view(tape, s);
  CHECK(boost::num_edges(graph) == 6 + 6 + 6);  // a → c, b → c, c → s
  for (std::size_t i = 0; i < 2; ++i)
    for (std::size_t j = 0; j < 3; ++j) {
      const std::string cij = fmt::format("c[{},{}]", i, j);
      CHECK(label_shows(edge_between(graph, fmt::format("a[{},{}]", i, j), cij).label, 1.0));
      CHECK(edge_between(graph, fmt::format("b[{}]", j), cij).input == 1);
      CHECK(label_shows(edge_between(graph, fmt::format("b[{}]", j), cij).label, 1.0));
      CHECK(edges_between(graph, fmt::format("b[{}]", (j + 1) % 3), cij).empty());
    }
  CHECK(boost::out_degree(vertex_named(graph, "b[2]"), graph) == 2);
  CHECK(graph[vertex_named(graph, "b[2]")].grads.at(0) == Approx(2.0));  // summed over rows
}

TEST_CASE("expanded view: a broadcast mul's factors are the other operand", "[views][expanded]") {
  // c_ij = a_ij b_j: ∂c_ij/∂a_ij = b_j, ∂c_ij/∂b_j = a_ij.
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  const std::vector<double> av{1, -2, 3, 0.5, 5, -6}, bv{0.1, -0.2, 0.3};
  Parameter<double> a(Tensor<double>({2, 3}, av), "a");
  Parameter<double> b(Tensor<double>({3}, bv), "b");
  Var<double> c = mul(a, b).named("c");
  Var<double> s = sum(c).named("s");
  s.backward();
  const ComputationGraph graph = expanded_view(tape, s);
  for (std::size_t i = 0; i < 2; ++i)
    for (std::size_t j = 0; j < 3; ++j) {
      const std::string cij = fmt::format("c[{},{}]", i, j);
      const std::string& from_a = edge_between(graph, fmt::format("a[{},{}]", i, j), cij).label;
      const std::string& from_b = edge_between(graph, fmt::format("b[{}]", j), cij).label;
      CHECK(label_formula(from_a) == "b");
      CHECK(label_shows(from_a, bv[j]));
      CHECK(label_formula(from_b) == "a");
      CHECK(label_shows(from_b, av[i * 3 + j]));
    }
}

TEST_CASE("highlight from w[1,0] marks exactly the path to the loss", "[views][highlight]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  SeedGraph seed(tape);
  ComputationGraph graph = expanded_view(tape, seed.E);
  CHECK(highlight(graph, "w[1,0]") == 5);
  CHECK(highlighted_vertices(graph) ==
        std::set<std::string>{"w[1,0]", "a[1]", "z[1]", "ŷ[0]", "E"});
  CHECK(highlighted_edges(graph) ==
        std::set<std::pair<std::string, std::string>>{
            {"w[1,0]", "a[1]"}, {"a[1]", "z[1]"}, {"z[1]", "ŷ[0]"}, {"ŷ[0]", "E"}});
  // Highlighting again replaces the earlier marks.
  highlight(graph, "v0");
  CHECK(highlighted_vertices(graph) == std::set<std::string>{"v0[0]", "ŷ[0]", "E"});
}

TEST_CASE("highlight in the tensor view follows the tensors", "[views][highlight]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  SeedGraph seed(tape);
  ComputationGraph graph = tensor_view(tape, seed.E);
  highlight(graph, "w");
  CHECK(highlighted_vertices(graph) == std::set<std::string>{"w", "a", "z", "ŷ", "E"});
  CHECK(highlighted_edges(graph).size() == 4);
}

TEST_CASE("an unknown vertex name is an error listing valid names", "[views][highlight]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  SeedGraph seed(tape);
  ComputationGraph graph = expanded_view(tape, seed.E);
  CHECK_THROWS_WITH(vertex_named(graph, "w[9,9]"),
                    Contains("no vertex named 'w[9,9]'") && Contains("x [3]: x[i] with i 0..2"));
  CHECK_THROWS_AS(highlight(graph, "layers.0.weight[1,2]"), Error);
  // Without the index, a tensor of several elements is ambiguous.
  CHECK_THROWS_AS(vertex_named(graph, "z"), Error);
}

TEST_CASE("the expanded view refuses graphs past its limit and suggests the tensor view",
          "[views][expanded]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  Parameter<double> big(Tensor<double>::full({50, 50}, 0.1), "big");
  Var<double> s = sum(big).named("s");
  s.backward();
  CHECK_THROWS_WITH(expanded_view(tape, s), Contains("tensor_view") && Contains("2000"));
  GraphViewOptions options;
  options.max_vertices = 3000;
  CHECK(boost::num_vertices(expanded_view(tape, s, options)) == 2501);
  options.max_edges = 100;
  CHECK_THROWS_WITH(expanded_view(tape, s, options), Contains("edges"));
}

TEST_CASE("views work in float and reject a root from another tape", "[views][tensor]") {
  Tape<float> tape;
  TapeGuard<float> guard(tape);
  Parameter<float> p(Tensor<float>({2}, {0.25f, -0.5f}), "p");
  Var<float> s = sum(mul(p, p)).named("s");
  s.backward();
  CHECK(boost::num_vertices(tensor_view(tape, s)) == 3);
  CHECK(boost::num_vertices(expanded_view(tape, s)) == 5);
  Tape<float> other;
  CHECK_THROWS_AS(tensor_view(other, s), TapeError);
  tape.clear();
  CHECK_THROWS_AS(tensor_view(tape, s), TapeError);  // stale
}

TEST_CASE("collapse_layers draws each layer of an MLP as one vertex", "[views][collapse]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  Generator generator(5);
  MLP<double> net(MLPOptions(3)
                      .layer(4, Activation::kSigmoid)
                      .layer(5, Activation::kTanh)
                      .layer(2, Activation::kIdentity)
                      .generator(&generator));
  const Var<double> x = tape.constant(Tensor<double>({2, 3}, {1, 2, 3, 4, 5, 6}), "x");
  const Var<double> y = tape.constant(Tensor<double>({2, 2}, {1, 0, 0, 1}), "y");
  const Var<double> E = sse_loss(net.forward(x), y).named("E");
  E.backward();
  const ComputationGraph full = tensor_view(tape, E);
  const ComputationGraph graph = collapse_layers(full);
  std::set<std::string> names;
  for (GraphVertex v : boost::make_iterator_range(boost::vertices(graph)))
    names.insert(graph[v].name);
  CHECK(names == std::set<std::string>{"x", "layers.0", "layers.1", "layers.2", "y", "E"});
  CHECK(boost::num_vertices(graph) < boost::num_vertices(full));
  const VertexInfo& hidden = graph[vertex_named(graph, "layers.1")];
  CHECK(hidden.op == "linear → tanh");
  CHECK(hidden.shape == "[2,5]");
  CHECK(graph[vertex_named(graph, "layers.2")].op == "linear");
  std::size_t saved = 0, total = 0;  // a collapsed graph keeps what the ops saved, by layer
  for (GraphVertex v : boost::make_iterator_range(boost::vertices(full)))
    if (full[v].kind == VertexKind::kOp && !full[v].root) saved += full[v].saved_bytes;
  for (GraphVertex v : boost::make_iterator_range(boost::vertices(graph)))
    if (!graph[v].root) total += graph[v].saved_bytes;
  CHECK(saved > 0);
  CHECK(total == saved);
  // The chain x → layers.0 → layers.1 → layers.2 → E ← y, one edge each.
  CHECK(edges_between(graph, "x", "layers.0").size() == 1);
  CHECK(edges_between(graph, "layers.0", "layers.1").size() == 1);
  CHECK(edges_between(graph, "layers.1", "layers.2").size() == 1);
  CHECK(edges_between(graph, "layers.2", "E").size() == 1);
  CHECK(edges_between(graph, "y", "E").size() == 1);
  CHECK(boost::num_edges(graph) == 5);
  CHECK(dot_parses(to_dot(graph)));
}

}  // namespace file_views_graph_view_test
