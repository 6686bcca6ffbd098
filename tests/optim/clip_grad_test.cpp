// Gradient clipping against torch's formulas written out here: by the total norm (scale
// max_norm/(norm + 1e-6) when below 1) and by value.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "tapegrad.hpp"

namespace file_optim_clip_grad_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad;
using Catch::Matchers::Contains;

namespace {

// Parameters with gradients (3, −4) and (12): 2-norm 13, ∞-norm 12, 1-norm 19.
std::vector<Parameter<double>> parameters() {
  Parameter<double> a(Tensor<double>({2})), b(Tensor<double>({1}));
  a.grads()[0] = 3.0;
  a.grads()[1] = -4.0;
  b.grads()[0] = 12.0;
  return {a, b};
}

}  // namespace

TEST_CASE("clip_grad_norm_ scales by max_norm/(‖g‖₂ + 1e-6) and returns ‖g‖₂", "[optim][clip]") {
  std::vector<Parameter<double>> p = parameters();
  CHECK(clip_grad_norm_(p, 6.5) == 13.0);
  const double scale = 6.5 / (13.0 + 1e-6);
  CHECK(p[0].grad()[0] == 3.0 * scale);
  CHECK(p[0].grad()[1] == -4.0 * scale);
  CHECK(p[1].grad()[0] == 12.0 * scale);
}

TEST_CASE("clip_grad_norm_ leaves gradients within max_norm alone", "[optim][clip]") {
  std::vector<Parameter<double>> p = parameters();
  CHECK(clip_grad_norm_(p, 13.0) == 13.0);  // 13/(13 + 1e-6) < 1: torch scales it, by a hair
  CHECK(p[1].grad()[0] == 12.0 * (13.0 / (13.0 + 1e-6)));
  std::vector<Parameter<double>> q = parameters();
  CHECK(clip_grad_norm_(q, 20.0) == 13.0);
  CHECK(q[0].grad()[1] == -4.0);
}

TEST_CASE("clip_grad_norm_ with the ∞-norm and the 1-norm", "[optim][clip]") {
  std::vector<Parameter<double>> p = parameters();
  CHECK(clip_grad_norm_(p, 6.0, kInfinityNorm) == 12.0);  // max |g|
  CHECK(p[1].grad()[0] == 12.0 * (6.0 / (12.0 + 1e-6)));
  std::vector<Parameter<double>> q = parameters();
  CHECK(clip_grad_norm_(q, 1.0, 1.0) == Approx(19.0).epsilon(1e-15));  // Σ|g|
  CHECK(q[0].grad()[0] == Approx(3.0 / (19.0 + 1e-6)).epsilon(1e-15));
}

TEST_CASE("clip_grad_norm_ skips frozen parameters", "[optim][clip][frozen]") {
  std::vector<Parameter<double>> p = parameters();
  p[1].set_requires_grad(false);
  CHECK(clip_grad_norm_(p, 1.0) == 5.0);  // ‖(3, −4)‖
  CHECK(p[1].grad()[0] == 12.0);
}

TEST_CASE("clip_grad_value_ clamps every element into [−c, c]", "[optim][clip]") {
  std::vector<Parameter<double>> p = parameters();
  clip_grad_value_(p, 3.5);
  CHECK(p[0].grad()[0] == 3.0);
  CHECK(p[0].grad()[1] == -3.5);
  CHECK(p[1].grad()[0] == 3.5);
}

TEST_CASE("clipping refuses negative bounds and norm types ≤ 0", "[optim][clip][errors]") {
  std::vector<Parameter<double>> p = parameters();
  CHECK_THROWS_WITH(clip_grad_norm_(p, -1.0), Contains("max_norm must be >= 0"));
  CHECK_THROWS_WITH(clip_grad_norm_(p, 1.0, 0.0), Contains("norm_type must be > 0"));
  CHECK_THROWS_WITH(clip_grad_value_(p, -0.5), Contains("clip_value must be >= 0"));
}

}  // namespace file_optim_clip_grad_test
