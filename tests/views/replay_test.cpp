// The backward replay (graph/replay.hpp): one frame per op in backward's order, each
// contribution the derivative times the gradient flowing in, and running sums that end as the
// gradients.
#include <catch2/catch.hpp>

#include <set>

#include "views_support.hpp"

namespace file_views_replay_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad;
using namespace tapegrad::views_test;

TEST_CASE("replay: one frame per op of the seed network, from the loss back", "[views][replay]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  SeedGraph seed(tape);
  const ComputationGraph graph = expanded_view(tape, seed.E);
  const std::vector<ReplayFrame> frames = backward_replay(graph);
  REQUIRE(frames.size() == tape.size());  // linear, sigmoid, linear, sse_loss
  CHECK(frames[0].tensor == "E");
  CHECK(frames[0].op == "sse_loss");
  CHECK(frames[1].tensor == "ŷ");
  CHECK(frames[2].tensor == "z");
  CHECK(frames[2].op == "sigmoid");
  CHECK(frames[3].tensor == "a");
  CHECK(frames[2].outputs.size() == 2);  // z[0], z[1]

  // The sigmoid frame by the reference derivation: z_h receives −(y − ŷ)·v_h and sends back
  // z_h(1 − z_h) times it to a_h.
  const SeedExample& ex = seed.example;
  const double dE_dyhat = -(ex.y - ex.yhat());
  for (const ReplayContribution& c : frames[2].contributions) {
    const std::string to = graph[c.target].name;
    const std::size_t h = to == "z[0]" ? 0 : 1;
    CHECK(c.grad_in == Approx(dE_dyhat * ex.V[h]).epsilon(1e-12));
    CHECK(c.factor == Approx(ex.z(h) * (1 - ex.z(h))).epsilon(1e-12));
    CHECK(c.contribution == Approx(c.factor * c.grad_in).epsilon(1e-15));
  }
}

TEST_CASE("replay: the running sums in the last frame are the gradients", "[views][replay]") {
  auto check_last_frame = [](const ComputationGraph& graph) {
    const std::vector<ReplayFrame> frames = backward_replay(graph);
    REQUIRE_FALSE(frames.empty());
    const ReplayFrame& last = frames.back();
    std::size_t compared = 0;
    for (GraphVertex v : boost::make_iterator_range(boost::vertices(graph))) {
      if (graph[v].grads.empty()) continue;  // constants: no gradient kept
      INFO(graph[v].name);
      CHECK(last.touched[v]);
      CHECK(last.running[v] == Approx(graph[v].grads[0]).epsilon(1e-12).margin(1e-15));
      ++compared;
    }
    CHECK(compared > 0);
  };
  {
    Tape<double> tape;
    TapeGuard<double> guard(tape);
    SeedGraph seed(tape);
    check_last_frame(expanded_view(tape, seed.E));
  }
  {
    // A value used twice, and a weight shared by two ops.
    Tape<double> tape;
    TapeGuard<double> guard(tape);
    Parameter<double> w(Tensor<double>({2}, {0.5, -1.5}), "w");
    const Var<double> x = tape.constant(Tensor<double>({2}, {2.0, 3.0}), "x");
    const Var<double> E = sum(add(mul(w, w), mul(tanh(w), x))).named("E");
    E.backward();
    check_last_frame(expanded_view(tape, E));
  }
}

TEST_CASE("replay: each frame draws as DOT with its op highlighted and running sums noted",
          "[views][replay]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  SeedGraph seed(tape);
  const ComputationGraph graph = expanded_view(tape, seed.E);
  const std::vector<ReplayFrame> frames = backward_replay(graph);
  for (std::size_t k = 0; k < frames.size(); ++k) {
    INFO("frame " << k);
    const ComputationGraph drawn = replay_frame_graph(graph, frames, k);
    std::set<std::string> highlighted;
    for (GraphVertex v : boost::make_iterator_range(boost::vertices(drawn)))
      if (drawn[v].highlighted && drawn[v].tensor == frames[k].tensor)
        highlighted.insert(drawn[v].name);
    CHECK(highlighted.size() == frames[k].outputs.size());
    const std::string dot = to_dot(drawn);
    CHECK(dot_parses(dot));
    CHECK_THAT(dot, Catch::Contains("grad in"));
    CHECK_THAT(dot, Catch::Contains("sum so far"));
  }
  CHECK_THROWS_AS(replay_frame_graph(graph, frames, frames.size()), Error);
  // A tensor view keeps no per-element gradients: replay refuses it.
  CHECK_THROWS_WITH(backward_replay(tensor_view(tape, seed.E)), Catch::Contains("expanded view"));
}

}  // namespace file_views_replay_test
