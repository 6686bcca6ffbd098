// Training on several threads at once gives bit-for-bit the parameters of the same trainings run
// one after the other: tapes, grad mode and the default generator are per thread, and the ops,
// models and optimizers share nothing else. scripts/tsan.sh runs these under ThreadSanitizer.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "ops/detail/gemm.hpp"
#include "training_runs.hpp"

namespace file_threads_concurrent_training_test {  // the file's own scope: the test programs are
                                                   // unity builds

using namespace tapegrad;
using namespace tapegrad::testing;

namespace {

// Both paths of gemm run concurrently: the regression's one-example products take the direct
// loop, the classification's batch products go through BLAS.
static_assert(!detail::gemm_uses_backend<float>(false, true, 1, 8, 4));
static_assert(detail::gemm_uses_backend<float>(false, true, kClassificationRows, 16, 3));
static_assert(detail::gemm_uses_backend<float>(false, true, kRegressionRows, 8, 4));

// Each concurrent outcome equals its sequential one, and each run learned something.
void check_equal(const std::vector<Run>& runs, const std::vector<Outcome>& concurrent,
                 const std::vector<Outcome>& sequential) {
  REQUIRE(concurrent.size() == runs.size());
  REQUIRE(sequential.size() == runs.size());
  for (std::size_t i = 0; i < runs.size(); ++i) {
    CAPTURE(i, runs[i].seed);
    const std::string found = difference(concurrent[i], sequential[i]);
    CHECK(found == "");
    REQUIRE(sequential[i].losses.size() == static_cast<std::size_t>(runs[i].steps));
    const std::vector<double>& progress =
        runs[i].task == Task::kRegression ? sequential[i].evaluations : sequential[i].losses;
    CHECK(progress.back() < progress.front());
  }
}

}  // namespace

TEMPLATE_TEST_CASE(
    "two models trained at once on their threads' default tapes equal the same two trainings "
    "run one after the other",
    "[threads][training]", float, double) {
  const std::vector<Run> runs = {{Task::kRegression, 11, 400, TapeChoice::kThreadDefault},
                                 {Task::kClassification, 12, 400, TapeChoice::kThreadDefault}};
  const std::vector<Outcome> sequential = train_sequentially<TestType>(runs);
  const std::vector<Outcome> concurrent = train_concurrently<TestType>(runs);
  check_equal(runs, concurrent, sequential);
}

TEMPLATE_TEST_CASE(
    "two models trained at once, each thread on its own Tape under a TapeGuard, equal the same "
    "two trainings run one after the other",
    "[threads][training]", float, double) {
  const std::vector<Run> runs = {{Task::kRegression, 21, 400, TapeChoice::kOwnTape},
                                 {Task::kClassification, 22, 400, TapeChoice::kOwnTape}};
  const std::vector<Outcome> sequential = train_sequentially<TestType>(runs);
  const std::vector<Outcome> concurrent = train_concurrently<TestType>(runs);
  check_equal(runs, concurrent, sequential);
}

TEMPLATE_TEST_CASE(
    "eight threads training their own models at once equal the eight trainings "
    "run one after the other",
    "[threads][training]", float, double) {
  // Both tasks and both kinds of tape, mixed; every run has its own seed.
  std::vector<Run> runs;
  for (std::uint64_t i = 0; i < 8; ++i)
    runs.push_back({i % 2 == 0 ? Task::kRegression : Task::kClassification, 100 + i, 300,
                    i / 2 % 2 == 0 ? TapeChoice::kThreadDefault : TapeChoice::kOwnTape});
  const std::vector<Outcome> sequential = train_sequentially<TestType>(runs);
  const std::vector<Outcome> concurrent = train_concurrently<TestType>(runs);
  check_equal(runs, concurrent, sequential);
  // Different seeds: the runs are not all the same one.
  CHECK(difference(sequential[0], sequential[2]) != "");
}

}  // namespace file_threads_concurrent_training_test
