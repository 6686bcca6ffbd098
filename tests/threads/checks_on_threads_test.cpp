// The tools around the engine on several threads at once: gradcheck (which records on a private
// tape of its own) and the graph views with their DOT text (which read one thread's tape) give
// each thread what they give it alone. Rendering is left out: graph/render.cpp serialises it with
// a lock, but Graphviz's text layout starts a fontconfig thread through GLib, whose futex-based
// locks ThreadSanitizer cannot see, so it reports races inside GLib that are not tapegrad's.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "training_runs.hpp"

namespace file_threads_checks_on_threads_test {  // the file's own scope: the test programs are
                                                 // unity builds

using namespace tapegrad;
using namespace tapegrad::testing;

namespace {

struct Report {
  bool gradcheck_passed = false;
  std::vector<std::uint64_t> gradcheck_errors;  // each parameter's max_abs_error, as bits
  std::string tensor_dot, expanded_dot, layers_dot;

  friend bool operator==(const Report&, const Report&) = default;
};

// A 2-3-1 tanh MLP of its own (weights from manual_seed(seed)) on four points: its gradcheck,
// then one backward on this thread's default tape drawn in the three views.
Report check_and_draw(std::uint64_t seed) {
  manual_seed(seed);
  MLP<double> model(MLPOptions(2).layer(3, Activation::kTanh).layer(1, Activation::kIdentity));
  const Tensor<double> x({4, 2}, {0, 0, 0, 1, 1, 0, 1, 1}), y({4, 1}, {0, 1, 1, 0});
  const std::vector<Parameter<double>> parameters = model.parameters();
  Report report;
  const GradcheckResult result =
      gradcheck(parameters, [&] { return sse_loss(model.forward(x), y); });
  report.gradcheck_passed = result.passed;
  for (const ParameterCheck& check : result.parameters)
    report.gradcheck_errors.push_back(bits_of(check.max_abs_error));

  Tape<double>& tape = Tape<double>::current();
  tape.clear();
  model.zero_grad();
  const Var<double> loss = sse_loss(model.forward(x), y);
  loss.backward();
  const ComputationGraph tensors = tensor_view(tape, loss);
  report.tensor_dot = to_dot(tensors);
  report.expanded_dot = to_dot(expanded_view(tape, loss));
  report.layers_dot = to_dot(collapse_layers(tensors));
  return report;
}

}  // namespace

TEST_CASE("gradcheck and the DOT views on four threads at once give what they give alone",
          "[threads][gradcheck][views]") {
  constexpr std::size_t kThreads = 4;
  std::vector<Report> alone, together(kThreads);
  for (std::size_t i = 0; i < kThreads; ++i) alone.push_back(check_and_draw(40 + i));
  on_threads(kThreads, [&](std::size_t i) { together[i] = check_and_draw(40 + i); });
  for (std::size_t i = 0; i < kThreads; ++i) {
    CAPTURE(i);
    CHECK(alone[i].gradcheck_passed);
    CHECK(together[i] == alone[i]);
  }
  CHECK(alone[0].tensor_dot != alone[1].tensor_dot);  // the seeds give different weights
}

}  // namespace file_threads_checks_on_threads_test
