// Learning-rate schedulers against their sequences computed by hand (torch's closed forms).
#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>
#include <vector>

#include "tapegrad.hpp"

namespace file_optim_scheduler_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad;
using Catch::Matchers::Contains;

namespace {

// Two groups with base lrs 0.1 and 0.4.
struct TwoGroups {
  Parameter<double> a{Tensor<double>({1}, {1.0})}, b{Tensor<double>({1}, {1.0})};
  SGD<double> sgd{{ParamGroup<double>{{a}}, ParamGroup<double>{{b}, SGDOptions(0.4)}},
                  SGDOptions(0.1)};
};

// The lrs of both groups after construction and after each of `steps` calls of step().
template <class Scheduler>
std::vector<std::vector<double>> sequence(Scheduler& scheduler, int steps) {
  std::vector<std::vector<double>> lrs{scheduler.last_lr()};
  for (int s = 0; s < steps; ++s) {
    scheduler.step();
    lrs.push_back(scheduler.last_lr());
  }
  return lrs;
}

void check_sequence(const std::vector<std::vector<double>>& got,
                    const std::vector<double>& factors_of_a, const std::vector<double>& of_b) {
  REQUIRE(got.size() == factors_of_a.size());
  for (std::size_t t = 0; t < got.size(); ++t) {
    INFO("t = " << t);
    CHECK(got[t][0] == Approx(factors_of_a[t]).epsilon(1e-15));
    CHECK(got[t][1] == Approx(of_b[t]).epsilon(1e-15));
  }
}

}  // namespace

TEST_CASE("StepLR multiplies by γ every step_size steps", "[optim][scheduler]") {
  TwoGroups groups;
  StepLR<double> schedule(groups.sgd, 2, 0.5);
  // base·0.5^⌊t/2⌋ for t = 0..5
  check_sequence(sequence(schedule, 5), {0.1, 0.1, 0.05, 0.05, 0.025, 0.025},
                 {0.4, 0.4, 0.2, 0.2, 0.1, 0.1});
  CHECK(schedule.last_epoch() == 5);
  CHECK(schedule.base_lrs() == std::vector<double>{0.1, 0.4});
}

TEST_CASE("CosineAnnealingLR follows η_min + (base − η_min)(1 + cos(πt/T_max))/2",
          "[optim][scheduler]") {
  TwoGroups groups;
  CosineAnnealingLR<double> schedule(groups.sgd, 4, 0.01);
  // cos(πt/4) for t = 0..6: 1, √½, 0, −√½, −1, −√½, 0
  const double h = std::sqrt(0.5);
  std::vector<double> a, b;
  for (double c : {1.0, h, 0.0, -h, -1.0, -h, 0.0}) {
    a.push_back(0.01 + (0.1 - 0.01) * (1 + c) / 2);
    b.push_back(0.01 + (0.4 - 0.01) * (1 + c) / 2);
  }
  check_sequence(sequence(schedule, 6), a, b);
}

TEST_CASE("LinearLR (linear warm-up) rises from start_factor·base to base, then stays",
          "[optim][scheduler]") {
  TwoGroups groups;
  LinearWarmup<double> schedule(groups.sgd, 0.25, 1.0, 3);
  // factors 0.25, 0.5, 0.75, 1, 1
  check_sequence(sequence(schedule, 4), {0.025, 0.05, 0.075, 0.1, 0.1}, {0.1, 0.2, 0.3, 0.4, 0.4});
}

TEST_CASE("a scheduler's lr is the one the next optimizer step uses", "[optim][scheduler]") {
  Parameter<double> p(Tensor<double>({1}, {1.0}));
  SGD<double> sgd({p}, SGDOptions(1.0));
  StepLR<double> schedule(sgd, 1, 0.5);
  double expected = 1.0;
  for (int step = 0; step < 3; ++step) {
    p.grads()[0] = 1.0;
    sgd.step();
    expected -= std::pow(0.5, step);  // lr 1, 0.5, 0.25
    schedule.step();
  }
  CHECK(p.value()[0] == expected);
}

TEST_CASE("schedulers refuse settings torch refuses", "[optim][scheduler][errors]") {
  TwoGroups groups;
  CHECK_THROWS_WITH(StepLR<double>(groups.sgd, 0), Contains("step_size must be at least 1"));
  CHECK_THROWS_WITH(CosineAnnealingLR<double>(groups.sgd, 0), Contains("T_max must be at least 1"));
  CHECK_THROWS_WITH(LinearLR<double>(groups.sgd, 0.0), Contains("start_factor must lie in (0, 1]"));
  CHECK_THROWS_WITH(LinearLR<double>(groups.sgd, 0.5, 1.0, 0),
                    Contains("total_iters must be at least 1"));
}

}  // namespace file_optim_scheduler_test
