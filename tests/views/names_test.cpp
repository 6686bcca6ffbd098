// The derivation's names for views of its network (graph/names.hpp) and the one grammar of
// vertex_named: torch's names and the derivation's, in every spelling, and the errors for an
// empty name, an element asked of the tensor view, and a name that fits nothing.
#include <catch2/catch.hpp>

#include "views_support.hpp"

namespace file_views_names_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad;
using namespace tapegrad::views_test;
using Catch::Matchers::Contains;

namespace {

const EdgeInfo& edge_named(const ComputationGraph& graph, std::string_view from,
                           std::string_view to) {
  return edge_between(graph, from, to);
}

}  // namespace

TEST_CASE("derivation names: the expanded seed view reads x_j, w_hj, a_h, z_h, v_h, ŷ, E",
          "[views][names]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  SeedGraph seed(tape);  // tensors named x, w, w0, a, z, v, v0, ŷ, y, E: found by structure
  ComputationGraph graph = expanded_view(tape, seed.E);
  const ComputationGraph torch = graph;
  use_derivation_names(graph);

  const std::pair<const char*, const char*> renamed[] = {
      {"x_1", "x[0]"},   {"x_3", "x[2]"}, {"w_11", "w[0,0]"}, {"w_23", "w[1,2]"}, {"w_10", "w0[0]"},
      {"w_20", "w0[1]"}, {"a_2", "a[1]"}, {"z_1", "z[0]"},    {"v_2", "v[0,1]"},  {"v_0", "v0[0]"},
      {"ŷ", "ŷ[0]"},     {"y", "y[0]"},   {"E", "E"}};
  for (const auto& [name, alias] : renamed) {
    INFO(name);
    const GraphVertex v = vertex_named(graph, name);
    CHECK(graph[v].name == name);
    CHECK(graph[v].alias == alias);
    CHECK(torch[v].name == alias);
  }
  const SeedExample& ex = seed.example;
  // Each edge's formula names the elements of its factor, and its number is that factor.
  CHECK(edge_named(graph, "x_3", "a_2").formula == "w_23");
  CHECK(label_shows(edge_named(graph, "x_3", "a_2").label, ex.W[1 * 3 + 2]));
  CHECK(edge_named(graph, "w_23", "a_2").formula == "x_3");
  CHECK(label_shows(edge_named(graph, "w_23", "a_2").label, ex.x[2]));
  CHECK(edge_named(graph, "w_20", "a_2").formula == "1");
  CHECK(edge_named(graph, "a_2", "z_2").formula == "z_2(1−z_2)");
  CHECK(label_shows(edge_named(graph, "a_2", "z_2").label, ex.z(1) * (1 - ex.z(1))));
  CHECK(edge_named(graph, "z_2", "ŷ").formula == "v_2");
  CHECK(label_shows(edge_named(graph, "z_2", "ŷ").label, ex.V[1]));
  CHECK(edge_named(graph, "v_2", "ŷ").formula == "z_2");
  CHECK(edge_named(graph, "ŷ", "E").formula == "−(y−ŷ)");
  CHECK(label_shows(edge_named(graph, "ŷ", "E").label, -(ex.y - ex.yhat())));
  // A second call leaves the names as they are.
  use_derivation_names(graph);
  CHECK(graph[vertex_named(graph, "w_23")].alias == "w[1,2]");
}

TEST_CASE("derivation names: the tensor view reads x, W, w_0, a, z, v, v_0, ŷ, y, E",
          "[views][names]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  SeedGraph seed(tape);
  ComputationGraph graph = tensor_view(tape, seed.E);
  use_derivation_names(graph);
  for (const char* name : {"x", "W", "w_0", "a", "z", "v", "v_0", "ŷ", "y", "E"})
    CHECK(graph[vertex_named(graph, name)].name == name);
  CHECK(edge_named(graph, "a", "z").label == "∂z/∂a = z(1−z)");
  CHECK(edge_named(graph, "W", "a").label == "∂a/∂W = x");
  CHECK(edge_named(graph, "x", "a").label == "∂a/∂x = W");
  CHECK(edge_named(graph, "z", "ŷ").label == "∂ŷ/∂z = v");
}

TEST_CASE("derivation names: refused for a network the derivation does not describe",
          "[views][names]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  Parameter<double> W1(Tensor<double>({2, 2}, {0.1, 0.2, 0.3, 0.4}), "layers.0.weight");
  Parameter<double> W2(Tensor<double>({2, 2}, {0.5, 0.6, 0.7, 0.8}), "layers.1.weight");
  Parameter<double> W3(Tensor<double>({1, 2}, {0.9, 1.0}), "layers.2.weight");
  const Var<double> x = tape.constant(Tensor<double>({2}, {1, -1}), "x");
  const Var<double> y = tape.constant(Tensor<double>({1}, {0.5}), "y");
  const Var<double> E =  // two hidden layers
      sse_loss(linear(tanh(linear(tanh(linear(x, W1)), W2)), W3), y).named("E");
  E.backward();
  ComputationGraph graph = expanded_view(tape, E);
  CHECK_FALSE(derivation_names(graph));
  CHECK_THROWS_WITH(use_derivation_names(graph),
                    Contains("one hidden layer") && Contains("torch's names"));
  CHECK_THROWS_WITH(
      vertex_named(graph, "w_11"),
      Contains("no vertex named 'w_11'") &&
          Contains("layers.1.weight [2,2]: layers.1.weight[i,j] with i 0..1, j 0..1"));
}

TEST_CASE("name grammar: torch and derivation names in every spelling find the same vertex",
          "[views][names]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  SeedGraph seed(tape);
  ComputationGraph torch = expanded_view(tape, seed.E);
  ComputationGraph derivation = torch;
  use_derivation_names(derivation);
  for (ComputationGraph* graph : {&torch, &derivation}) {
    const GraphVertex w23 = vertex_named(*graph, "w[1,2]");
    for (const char* spelling : {"w_23", "w_2,3", "w_{2,3}", "w_{23}", " w_23 "}) {
      INFO(spelling);
      CHECK(vertex_named(*graph, spelling) == w23);
    }
    CHECK(vertex_named(*graph, "w_20") == vertex_named(*graph, "w0[1]"));
    CHECK(vertex_named(*graph, "v_0") == vertex_named(*graph, "v0[0]"));
    CHECK(vertex_named(*graph, "x_3") == vertex_named(*graph, "x[2]"));
    CHECK(vertex_named(*graph, "z_1") == vertex_named(*graph, "z[0]"));
    CHECK(vertex_named(*graph, "ŷ") == vertex_named(*graph, "ŷ[0]"));
    // The highlight follows the same names: w_23 → a_2 → z_2 → ŷ → E.
    CHECK(highlight(*graph, "w_2,3") == 5);
  }
}

TEST_CASE("name grammar: an empty or unknown name lists the parameters, shapes and index ranges",
          "[views][names]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  SeedGraph seed(tape);
  const ComputationGraph graph = expanded_view(tape, seed.E);
  for (const char* empty : {"", "   "})
    CHECK_THROWS_WITH(vertex_named(graph, empty),
                      Contains("an empty name") && Contains("w [2,3]: w[i,j] with i 0..1, j 0..2"));
  CHECK_THROWS_WITH(
      vertex_named(graph, "w_3,1"),  // H = 2
      Contains("no vertex named 'w_3,1'") &&
          Contains("w [2,3]: w[i,j] with i 0..1, j 0..2; or w_hj with h 1..2, j 1..3") &&
          Contains("w0 [2]: w0[i] with i 0..1; or w_h0 with h 1..2") &&
          Contains("v [1,2]: v[0,j] with j 0..1; or v_h with h 1..2") &&
          Contains("v0 [1]: v0; or v_0") &&
          Contains("x [3]: x[i] with i 0..2; or x_j with j 1..3"));
}

TEST_CASE("name grammar: the tensor view refuses an element and says to draw the expanded view",
          "[views][names]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  SeedGraph seed(tape);
  const ComputationGraph graph = tensor_view(tape, seed.E);
  CHECK_THROWS_WITH(vertex_named(graph, "w[1,2]"),
                    Contains("one element of w [2,3]") && Contains("--expanded"));
  CHECK_THROWS_WITH(vertex_named(graph, "w_2,3"),
                    Contains("names one element") && Contains("--expanded"));
  CHECK(vertex_named(graph, "W") == vertex_named(graph, "w"));
  CHECK(vertex_named(graph, "v_0") == vertex_named(graph, "v0"));
}

TEST_CASE("name grammar: digits that split two ways are refused, one way accepted",
          "[views][names]") {
  // d = 12 inputs and H = 12 hidden units: w_112 is w_1,12 or w_11,2.
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  Parameter<double> W(Tensor<double>({12, 12}, std::vector<double>(144, 0.01)), "W");
  Parameter<double> V(Tensor<double>({1, 12}, std::vector<double>(12, 0.1)), "V");
  const Var<double> x = tape.constant(Tensor<double>({12}, std::vector<double>(12, 1.0)), "x");
  const Var<double> y = tape.constant(Tensor<double>({1}, {0.5}), "y");
  const Var<double> E = sse_loss(linear(sigmoid(linear(x, W)), V), y).named("E");
  E.backward();
  const ComputationGraph graph = expanded_view(tape, E);
  CHECK_THROWS_WITH(vertex_named(graph, "w_112"), Contains("w_1,12 or w_11,2"));
  CHECK(vertex_named(graph, "w_1,12") == vertex_named(graph, "W[0,11]"));
  CHECK(vertex_named(graph, "w_1012") == vertex_named(graph, "W[9,11]"));  // only 10,12 fits
}

}  // namespace file_views_names_test
