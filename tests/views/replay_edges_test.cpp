// The edges of each backward replay frame (graph/replay.hpp): in frame k exactly the edges into
// the op replayed in frame k are highlighted, and each carries "derivative × grad in =
// contribution" with grad in the gradient of its target and the contribution their product. The
// checker is shown failing on frames drawn one step off, the bug it was written for.
#include <catch2/catch.hpp>

#include <optional>
#include <set>
#include <tuple>

#include "views_support.hpp"

namespace file_views_replay_edges_test {  // the file's own scope: the test programs are unity
                                          // builds

using namespace tapegrad;
using namespace tapegrad::views_test;

namespace {

// An edge by what it connects: (source name, target name, input index). Unique in a view.
using EdgeKey = std::tuple<std::string, std::string, std::size_t>;

EdgeKey key_of(const ComputationGraph& graph, GraphEdge e) {
  return {graph[boost::source(e, graph)].name, graph[boost::target(e, graph)].name, graph[e].input};
}

// "formula = factor × grad in = contribution": the three numbers after the formula.
struct ReplayLabel {
  double factor = 0, grad_in = 0, contribution = 0;
};
std::optional<ReplayLabel> parse_replay_label(const std::string& label) {
  const std::size_t times = label.rfind(" × "), equals = label.rfind(" = ");
  if (times == std::string::npos || equals == std::string::npos || equals < times) return {};
  const std::size_t factor_at = label.rfind(" = ", times - 1);
  if (factor_at == std::string::npos) return {};
  try {
    const std::size_t after_times = times + std::string_view(" × ").size();
    return ReplayLabel{std::stod(label.substr(factor_at + 3, times - factor_at - 3)),
                       std::stod(label.substr(after_times, equals - after_times)),
                       std::stod(label.substr(equals + 3))};
  } catch (const std::exception&) {
    return {};
  }
}

bool close6(double shown, double exact) {  // a number printed with 6 significant digits
  return std::abs(shown - exact) <= 1e-5 * std::abs(exact) + 1e-300;
}

// What is wrong with `drawn` as frame k of the replay of `expanded`; empty if nothing.
std::vector<std::string> frame_problems(const ComputationGraph& expanded, const ReplayFrame& frame,
                                        const ComputationGraph& drawn) {
  std::vector<std::string> problems;
  const std::set<GraphVertex> outputs(frame.outputs.begin(), frame.outputs.end());
  std::set<EdgeKey> expected, highlighted;
  for (GraphEdge e : boost::make_iterator_range(boost::edges(expanded)))
    if (outputs.contains(boost::target(e, expanded))) expected.insert(key_of(expanded, e));
  for (GraphEdge e : boost::make_iterator_range(boost::edges(drawn))) {
    const EdgeInfo& info = drawn[e];
    const auto label = parse_replay_label(info.label);
    if (!info.highlighted) {
      if (label) problems.push_back("a contribution on an edge not highlighted: " + info.label);
      continue;
    }
    highlighted.insert(key_of(drawn, e));
    const double grad_in = expanded[boost::target(e, drawn)].grads.at(0);
    if (!label) {
      problems.push_back("a highlighted edge without its contribution: " + info.label);
    } else if (!close6(label->factor, info.factor) || !close6(label->grad_in, grad_in) ||
               !close6(label->contribution, info.factor * grad_in)) {
      problems.push_back(fmt::format("{}: expected {:.6g} × {:.6g} = {:.6g}", info.label,
                                     info.factor, grad_in, info.factor * grad_in));
    }
  }
  if (highlighted != expected)
    problems.push_back(fmt::format("{} edges highlighted, the op {} ({}) has {} input edges",
                                   highlighted.size(), frame.op, frame.tensor, expected.size()));
  return problems;
}

}  // namespace

TEST_CASE("replay: every frame highlights exactly its op's edges, each with derivative × grad in",
          "[views][replay]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  SeedGraph seed(tape);
  const ComputationGraph graph = expanded_view(tape, seed.E);
  const std::vector<ReplayFrame> frames = backward_replay(graph);
  REQUIRE(frames.size() == 4);
  for (std::size_t k = 0; k < frames.size(); ++k) {
    INFO("frame " << k << ": " << frames[k].op << " (" << frames[k].tensor << ")");
    const std::vector<std::string> problems =
        frame_problems(graph, frames[k], replay_frame_graph(graph, frames, k));
    CHECK(problems == std::vector<std::string>{});
  }
  // Drawing frames leaves the graph they were drawn from as it was.
  const ComputationGraph fresh = expanded_view(tape, seed.E);
  for (GraphEdge e : boost::make_iterator_range(boost::edges(graph))) {
    CHECK_FALSE(graph[e].highlighted);
    CHECK(label_number(graph[e].label) == Approx(graph[e].factor).epsilon(1e-5));
  }
  CHECK(to_dot(graph) == to_dot(fresh));
}

TEST_CASE("replay: the last frame shows the contribution of every parameter edge",
          "[views][replay]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  SeedGraph seed(tape);
  const ComputationGraph graph = expanded_view(tape, seed.E);
  const std::vector<ReplayFrame> frames = backward_replay(graph);
  const ComputationGraph last = replay_frame_graph(graph, frames, frames.size() - 1);
  std::size_t weights = 0;
  for (GraphEdge e : boost::make_iterator_range(boost::edges(last))) {
    const VertexInfo& from = graph[boost::source(e, last)];  // the frame shows no final grads
    if (from.kind != VertexKind::kParameter || from.tensor == "v" || from.tensor == "v0") continue;
    INFO(last[e].label);
    CHECK(last[e].highlighted);
    const auto label = parse_replay_label(last[e].label);
    REQUIRE(label);
    // ∂E/∂w_hj = x_j · δ_h: its only contribution is its whole gradient.
    CHECK(close6(label->contribution, from.grads.at(0)));
    ++weights;
  }
  CHECK(weights == 2 * 3 + 2);  // w_hj and w_h0
}

TEST_CASE("replay: the edge check fails frames drawn one step late or early", "[views][replay]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  SeedGraph seed(tape);
  const ComputationGraph graph = expanded_view(tape, seed.E);
  const std::vector<ReplayFrame> frames = backward_replay(graph);
  for (std::size_t k = 0; k + 1 < frames.size(); ++k) {
    INFO("frame " << k);
    CHECK_FALSE(frame_problems(graph, frames[k], replay_frame_graph(graph, frames, k + 1)).empty());
    CHECK_FALSE(frame_problems(graph, frames[k + 1], replay_frame_graph(graph, frames, k)).empty());
  }
}

}  // namespace file_views_replay_edges_test
