// The network layout (graph/network.hpp): tested on the layout Graphviz computes (its JSON
// output, positions in points, y upwards), not on the DOT text: columns in order from left to
// right, the units of a column in index order from the top, every input→hidden edge left of the
// hidden column and every hidden→output edge right of it (so the two bundles cannot cross).
#include <nlohmann/json.hpp>

#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include "views_support.hpp"

namespace file_views_network_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad;
using namespace tapegrad::views_test;
using Catch::Matchers::Contains;

namespace {

struct Box {
  double x = 0, y = 0, half_width = 0, half_height = 0;  // centre and half sizes, in points
};

struct Layout {
  std::map<std::string, Box> nodes;                             // by DOT node name
  std::vector<std::pair<std::string, std::string>> edges;       // visible ones, tail → head
  std::vector<std::vector<std::pair<double, double>>> splines;  // their points
};

// Points on an edge as drawn, from Graphviz's "pos": the arrowhead's tip ("e,x,y") and
// points along each cubic Bézier segment (p0, then c1 c2 p3 per segment). The control points
// themselves may lie off the curve, even inside a unit the curve goes round, so they are not used.
std::vector<std::pair<double, double>> points_on_spline(const std::string& pos) {
  std::vector<std::pair<double, double>> controls, points;
  std::istringstream tokens(pos);
  for (std::string token; tokens >> token;) {
    const bool tip = token.rfind("e,", 0) == 0 || token.rfind("s,", 0) == 0;
    double x = 0, y = 0;
    REQUIRE(std::sscanf(token.c_str() + (tip ? 2 : 0), "%lf,%lf", &x, &y) == 2);
    (tip ? points : controls).emplace_back(x, y);
  }
  REQUIRE(controls.size() % 3 == 1);
  for (std::size_t k = 0; k + 3 < controls.size(); k += 3)
    for (double t = 0; t <= 1.0001; t += 0.125) {
      const double u = 1 - t, a = u * u * u, b = 3 * u * u * t, c = 3 * u * t * t, d = t * t * t;
      const auto& [p0, p1, p2, p3] =
          std::tie(controls[k], controls[k + 1], controls[k + 2], controls[k + 3]);
      points.emplace_back(a * p0.first + b * p1.first + c * p2.first + d * p3.first,
                          a * p0.second + b * p1.second + c * p2.second + d * p3.second);
    }
  return points;
}

// Graphviz's computed layout of `dot`, through libgvc's JSON renderer.
Layout computed_layout(const std::string& dot) {
  const nlohmann::json json = nlohmann::json::parse(render_dot(dot, "json"));
  Layout layout;
  std::map<int, std::string> names;
  for (const auto& object : json.at("objects")) {
    if (!object.contains("pos")) continue;  // subgraphs
    Box box;
    REQUIRE(std::sscanf(object.at("pos").get<std::string>().c_str(), "%lf,%lf", &box.x, &box.y) ==
            2);
    box.half_width = std::stod(object.at("width").get<std::string>()) * 72 / 2;
    box.half_height = std::stod(object.at("height").get<std::string>()) * 72 / 2;
    layout.nodes[object.at("name")] = box;
    names[object.at("_gvid")] = object.at("name");
  }
  for (const auto& edge : json.at("edges")) {
    if (edge.value("style", "") == "invis") continue;
    layout.edges.emplace_back(names.at(edge.at("tail")), names.at(edge.at("head")));
    layout.splines.push_back(points_on_spline(edge.at("pos")));
  }
  return layout;
}

// The seed network of the reference derivation, d = 3 and H = 4, after backward.
struct SeedNet {
  Tape<double> tape;
  TapeGuard<double> guard{tape};
  Generator generator{3};
  SeedNetwork<double> net{3, 4, &generator};
  ComputationGraph graph;
  SeedNet() {
    const Var<double> E =
        net.loss(Tensor<double>({3}, {0.5, -0.25, 0.8}), Tensor<double>({1}, {0.3}));
    E.backward();
    graph = expanded_view(tape, E);
  }
  std::string node(std::string_view name) const {  // the DOT node of an element
    return fmt::format("v{}", vertex_named(graph, name));
  }
};

}  // namespace

TEST_CASE("network layout: columns left to right, units in index order from the top",
          "[views][network]") {
  SeedNet seed;
  const Layout layout = computed_layout(to_dot(seed.graph, {.layout = GraphLayout::kNetwork}));
  const auto at = [&](const std::string& node) { return layout.nodes.at(node); };
  std::vector<std::vector<std::string>> columns = {
      {"b0"}, {"b1"}, {seed.node("ŷ")}, {seed.node("E")}};
  for (int j = 0; j < 3; ++j) columns[0].push_back(seed.node(fmt::format("x[{}]", j)));
  for (int h = 0; h < 4; ++h) columns[1].push_back(seed.node(fmt::format("z[{}]", h)));
  columns[2].push_back(seed.node("y"));
  for (std::size_t c = 0; c < columns.size(); ++c)
    for (std::size_t r = 0; r < columns[c].size(); ++r) {
      INFO("column " << c << ", row " << r);
      CHECK(at(columns[c][r]).x == Approx(at(columns[c][0]).x).margin(0.5));  // one column
      if (r > 0) CHECK(at(columns[c][r]).y < at(columns[c][r - 1]).y);        // below the last
      if (c > 0) CHECK(at(columns[c][r]).x > at(columns[c - 1][0]).x);        // right of the last
    }
}

TEST_CASE("network layout: input→hidden edges left of the hidden column, hidden→output right",
          "[views][network]") {
  SeedNet seed;
  const Layout layout = computed_layout(to_dot(seed.graph, {.layout = GraphLayout::kNetwork}));
  std::set<std::string> hidden{"b1"};  // the hidden column: its "+1" and z_1..z_4
  for (int h = 0; h < 4; ++h) hidden.insert(seed.node(fmt::format("z[{}]", h)));
  const auto inside = [&](const std::string& node, double x, double y) {
    const Box& box = layout.nodes.at(node);
    return std::abs(x - box.x) <= box.half_width + 1 && std::abs(y - box.y) <= box.half_height + 1;
  };
  // An edge of the picture is two DOT edges: unit → its weight's label ("w<k>") → unit.
  std::map<std::string, std::string> weight_source, weight_target;
  for (const auto& [tail, head] : layout.edges) {
    if (head.starts_with("w")) weight_source[head] = tail;
    if (tail.starts_with("w")) weight_target[tail] = head;
  }
  double rightmost_in = -1e300, leftmost_out = 1e300;
  std::size_t before = 0, after = 0;
  for (std::size_t k = 0; k < layout.edges.size(); ++k) {
    const auto& [tail, head] = layout.edges[k];
    const std::string weight = head.starts_with("w") ? head : tail.starts_with("w") ? tail : "";
    if (weight.empty()) continue;  // the loss's edges
    const std::string from = weight_source.at(weight), to = weight_target.at(weight);
    const bool into_hidden = hidden.contains(to), out_of_hidden = hidden.contains(from);
    REQUIRE(into_hidden != out_of_hidden);
    for (const auto& [x, y] : layout.splines[k]) {
      INFO(tail << " -> " << head << " at (" << x << ", " << y << ")");
      // Left of (or, at its end, on) the unit it enters; right of the unit it leaves; through
      // no other unit of the hidden column.
      if (into_hidden)
        CHECK((x <= layout.nodes.at(to).x - layout.nodes.at(to).half_width + 0.5 ||
               inside(to, x, y)));
      if (out_of_hidden)
        CHECK((x >= layout.nodes.at(from).x + layout.nodes.at(from).half_width - 0.5 ||
               inside(from, x, y)));
      for (const std::string& unit : hidden)
        if (unit != to && unit != from) CHECK_FALSE(inside(unit, x, y));
      if (into_hidden) rightmost_in = std::max(rightmost_in, x);
      if (out_of_hidden) leftmost_out = std::min(leftmost_out, x);
    }
    (into_hidden ? before : after) += 1;
  }
  CHECK(before == 2 * (4 * 3 + 4));  // x_j → w_hj → z_h and +1 → w_h0 → z_h, two segments each
  CHECK(after == 2 * (4 + 1));       // z_h → v_h → ŷ and +1 → v_0 → ŷ
  // The two bundles do not cross: a vertical line separates them.
  CHECK(rightmost_in < leftmost_out);
}

TEST_CASE("network layout: every weight written once on the edge it weighs", "[views][network]") {
  SeedNet seed;
  const NetworkLayout layout = network_layout(seed.graph);
  CHECK(layout.columns == 4);
  CHECK(layout.units.size() == 1 + 3 + 1 + 4 + 2 + 1);  // +1, x; +1, z; ŷ, y; E
  CHECK(layout.links.size() == 4 * (3 + 1) + (4 + 1) + 2);
  std::set<GraphVertex> weights;
  std::map<std::size_t, GraphEdge> by_id;
  for (GraphEdge e : boost::make_iterator_range(boost::edges(seed.graph)))
    by_id[seed.graph[e].id] = e;
  for (const NetworkLink& link : layout.links) {
    if (!link.weight) continue;
    CHECK(weights.insert(*link.weight).second);
    REQUIRE(link.weight_edge);
    const GraphEdge e = by_id.at(*link.weight_edge);
    CHECK(boost::source(e, seed.graph) == *link.weight);
    // The target unit's pre-activation (a_h) or output (ŷ) is where the weight's edge goes.
    const NetworkUnit& to = layout.units[link.to];
    CHECK(boost::target(e, seed.graph) == (to.pre_activation ? *to.pre_activation : to.output));
  }
  std::size_t parameters = 0;
  for (GraphVertex v : boost::make_iterator_range(boost::vertices(seed.graph)))
    parameters += seed.graph[v].kind == VertexKind::kParameter ? 1 : 0;
  CHECK(weights.size() == parameters);
}

TEST_CASE("network layout: refuses a batch, an op outside the layers and the tensor view",
          "[views][network]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  Parameter<double> W(Tensor<double>({2, 2}, {0.1, 0.2, 0.3, 0.4}), "W");
  const Var<double> batch = tape.constant(Tensor<double>({2, 2}, {1, 2, 3, 4}), "x");
  const Var<double> E1 = sum(sigmoid(linear(batch, W))).named("E");
  E1.backward();
  CHECK_THROWS_WITH(network_layout(expanded_view(tape, E1)), Contains("more than one example"));
  CHECK_THROWS_WITH(network_layout(tensor_view(tape, E1)), Contains("not an expanded view"));
  const Var<double> x = tape.constant(Tensor<double>({2}, {1, 2}), "x1");
  const Var<double> y = tape.constant(Tensor<double>({2}, {0, 1}), "y");
  const Var<double> E2 = sse_loss(mul(sigmoid(linear(x, W)), x), y).named("E2");
  E2.backward();
  CHECK_THROWS_WITH(to_dot(expanded_view(tape, E2), {.layout = GraphLayout::kNetwork}),
                    Contains("computed by mul") && Contains("--layout boxes"));
}

TEST_CASE("network layout: derivation names on units and weights; details only when asked",
          "[views][network]") {
  SeedNet seed;
  ComputationGraph graph = seed.graph;
  use_derivation_names(graph);
  const std::string dot = to_dot(graph, {.layout = GraphLayout::kNetwork});
  CHECK(dot_parses(dot));
  CHECK_THAT(dot, Contains(R"(label="z_2 = sigmoid(a_2)\na_2 = )"));
  CHECK_THAT(dot, Contains(R"(label="w_23 = )") && Contains(R"(label="w_20 = )") &&
                      Contains(R"(label="v_0 = )") && Contains(R"(label="x_3 = )"));
  CHECK_THAT(dot, !Contains("layers.") && !Contains("constant") && !Contains("linear →"));
  const std::string detailed = to_dot(graph, {.layout = GraphLayout::kNetwork, .details = true});
  CHECK_THAT(detailed, Contains("constant") && Contains("linear → sigmoid"));
}

}  // namespace file_views_network_test
