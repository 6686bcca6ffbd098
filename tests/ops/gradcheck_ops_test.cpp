// Every op's backward against central finite differences in double, through the op catalog;
// and the checker itself, shown failing on a planted wrong derivative.
#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <set>
#include <sstream>

#include "graph/gradcheck.hpp"
#include "graph/op.hpp"
#include "ops/catalog.hpp"
#include "ops/ops.hpp"
#include "random_inputs.hpp"

namespace file_ops_gradcheck_ops_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad;

TEST_CASE("every op's backward agrees with central finite differences in double",
          "[ops][gradcheck]") {
  std::mt19937_64 rng(2026);
  for (const OpCase<double>& c : op_catalog<double>()) {
    for (int trial = 0; trial < 3; ++trial) {
      std::vector<Tensor<double>> inputs;
      for (std::size_t k = 0; k < c.inputs.size(); ++k) inputs.push_back(catalog_input(c, k, rng));
      const GradcheckResult r = gradcheck(c.call, inputs);
      INFO(c.op << ": " << c.description << " (trial " << trial << ")");
      for (const ParameterCheck& p : r.parameters) {
        INFO(p.name << ": max abs error " << p.max_abs_error << ", worst element "
                    << p.worst.element << " of output " << p.worst.output << ": autodiff "
                    << p.worst.autodiff << " vs numeric " << p.worst.numeric);
        CHECK(p.passed);
      }
      CHECK(r.passed);
    }
  }
}

TEST_CASE("the op catalog has a case for every op file in ops/", "[ops][gradcheck]") {
  std::set<std::string> covered;
  for (const OpCase<double>& c : op_catalog<double>()) covered.insert(c.op);
  std::stringstream files(TAPEGRAD_OP_FILES);
  std::string op;
  int count = 0;
  while (std::getline(files, op, ',')) {
    INFO("ops/" << op << ".cpp has no case in ops/catalog.cpp");
    CHECK(covered.count(op) == 1);
    ++count;
  }
  CHECK(count >= 16);
}

namespace {

// A test-only op: square(a) = a², whose backward is planted wrong in one element: it returns
// 2a everywhere except element `wrong`, where it returns 2a + 0.01.
class BadSquareNode final : public Node<double> {
 public:
  explicit BadSquareNode(std::size_t wrong) : wrong_(wrong) {}
  std::string_view name() const override { return "bad_square"; }
  std::string derivative(std::size_t) const override { return "2{0}"; }
  void backward(const BackwardContext<double>& ctx) const override {
    const Value<double>& a = input(0);
    double* ga = ctx.input_grad(0, a.shape);
    for (std::size_t i = 0; i < a.size(); ++i)
      ga[i] += ctx.grad_output()[i] * (2 * a.data[i] + (i == wrong_ ? 0.01 : 0.0));
  }

 private:
  std::size_t wrong_;
};

Var<double> bad_square(const Var<double>& a, std::size_t wrong) {
  Op<double> op("bad_square", a);
  const Value<double>& in = op.input(0);
  double* y = op.output(in.shape);
  for (std::size_t i = 0; i < in.size(); ++i) y[i] = in.data[i] * in.data[i];
  return op.finish<BadSquareNode>(wrong);
}

}  // namespace

TEST_CASE("gradcheck fails on a planted wrong derivative and names the element",
          "[ops][gradcheck]") {
  const Tensor<double> x({2, 3}, {0.5, -1.0, 1.5, 2.0, -0.25, 0.75});
  const std::size_t wrong = 4;
  const GradcheckResult r =
      gradcheck([&](std::span<const Var<double>> v) { return sum(bad_square(v[0], wrong)); },
                std::vector<Tensor<double>>{x});
  CHECK_FALSE(r.passed);
  REQUIRE(r.parameters.size() == 1);
  const ParameterCheck& p = r.parameters[0];
  CHECK_FALSE(p.passed);
  CHECK(p.name == "input0");
  CHECK(p.failures == 1);
  CHECK(p.worst.element == wrong);
  CHECK(p.worst.autodiff == Approx(2 * x[wrong] + 0.01));
  CHECK(p.worst.numeric == Approx(2 * x[wrong]).epsilon(1e-8));
  CHECK(p.max_abs_error == Approx(0.01).epsilon(1e-6));
}

TEST_CASE("gradcheck passes the same op once its derivative is right", "[ops][gradcheck]") {
  // The control for the planted-bug test: with no element planted wrong, the check passes.
  const Tensor<double> x({2, 3}, {0.5, -1.0, 1.5, 2.0, -0.25, 0.75});
  const GradcheckResult r =
      gradcheck([&](std::span<const Var<double>> v) { return sum(bad_square(v[0], x.size())); },
                std::vector<Tensor<double>>{x});
  CHECK(r.passed);
}

TEST_CASE("gradcheck checks the whole Jacobian of a non-scalar output", "[ops][gradcheck]") {
  // The wrong element only matters for one output; a check of a sum would see it too, but here
  // the report must locate it by output index as well.
  const Tensor<double> x({3}, {0.5, -1.0, 1.5});
  const GradcheckResult r =
      gradcheck([&](std::span<const Var<double>> v) { return bad_square(v[0], 1); },
                std::vector<Tensor<double>>{x});
  CHECK_FALSE(r.passed);
  CHECK(r.output_shape == Shape{3});
  CHECK(r.parameters[0].worst.output == 1);
  CHECK(r.parameters[0].worst.element == 1);
}

TEST_CASE("gradcheck leaves the parameters' values and gradients as they were",
          "[ops][gradcheck]") {
  Parameter<double> w(Tensor<double>({2}, {0.3, -0.7}), "w");
  w.grads()[0] = 5.0;  // an accumulated gradient the caller has not used yet
  const auto r = gradcheck(std::vector<Parameter<double>>{w}, [&] { return sum(sigmoid(w)); });
  CHECK(r.passed);
  CHECK(w.value()[0] == 0.3);
  CHECK(w.value()[1] == -0.7);
  CHECK(w.grad()[0] == 5.0);
  CHECK(w.grad()[1] == 0.0);
}

TEST_CASE("gradcheck reports relu at exactly 0 as a kink and does not fail there",
          "[ops][gradcheck][kinks]") {
  // relu′ is 0 on one side of 0 and 1 on the other; central differences give ½ at 0 whatever
  // the op's convention. That is not a wrong derivative, and the check must not cry wolf.
  const Tensor<double> x({4}, {0.0, 1.5, -0.5, 0.0});
  const GradcheckResult r =
      gradcheck([](std::span<const Var<double>> v) { return sum(relu(v[0])); },
                std::vector<Tensor<double>>{x});
  CHECK(r.passed);
  CHECK(r.parameters[0].kinks == 2);
  CHECK(r.parameters[0].failures == 0);
  REQUIRE(r.parameters[0].kink_entries.size() == 2);  // named: elements 0 and 3
  CHECK(r.parameters[0].kink_entries[0].element == 0);
  CHECK(r.parameters[0].kink_entries[1].element == 3);
  CHECK(r.parameters[0].kink_entries[1].numeric == Approx(0.5).epsilon(1e-6));

  GradcheckOptions strict;
  strict.detect_kinks = false;  // the control: without detection, the same elements fail
  const GradcheckResult s =
      gradcheck([](std::span<const Var<double>> v) { return sum(relu(v[0])); },
                std::vector<Tensor<double>>{x}, strict);
  CHECK_FALSE(s.passed);
  CHECK(s.parameters[0].failures == 2);
}

TEST_CASE("a planted wrong derivative at a smooth point is a failure and not a kink",
          "[ops][gradcheck][kinks]") {
  const Tensor<double> x({3}, {0.0, 1.0, -2.0});  // even at 0, a² is smooth
  const GradcheckResult r =
      gradcheck([](std::span<const Var<double>> v) { return sum(bad_square(v[0], 0)); },
                std::vector<Tensor<double>>{x});
  CHECK_FALSE(r.passed);
  CHECK(r.parameters[0].kinks == 0);
  CHECK(r.parameters[0].failures == 1);
  CHECK(r.parameters[0].worst.element == 0);
}

TEST_CASE(
    "gradcheck's error estimate tracks the central difference's error and Richardson "
    "removes it",
    "[ops][gradcheck][richardson]") {
  // d/dx eˣ = eˣ. With a large step the central difference errs by about h²eˣ/6.
  const double x0 = 0.7, exact = std::exp(x0);
  GradcheckOptions coarse;
  coarse.eps = 1e-2;
  const auto check = [&](const GradcheckOptions& options) {
    return gradcheck([](std::span<const Var<double>> v) { return sum(exp(v[0])); },
                     std::vector<Tensor<double>>{Tensor<double>({1}, {x0})}, options)
        .parameters[0]
        .worst;
  };
  const JacobianEntry central = check(coarse);
  const double central_error = std::abs(central.numeric - exact);
  CHECK(central_error == Approx(1e-4 * exact / 6).epsilon(0.01));
  CHECK(central.error_estimate == Approx(central_error).epsilon(0.01));

  coarse.richardson = true;
  const JacobianEntry extrapolated = check(coarse);
  CHECK(std::abs(extrapolated.numeric - exact) < 1e-3 * central_error);
}

TEST_CASE("locate_wrong_op names the op with the planted wrong backward inside a model",
          "[ops][gradcheck][locate]") {
  Parameter<double> w(Tensor<double>({3, 2}, {0.3, -0.2, 0.5, 0.1, -0.4, 0.25}), "w");
  Parameter<double> b(Tensor<double>({3}, {0.05, -0.1, 0.2}), "b");
  const Tensor<double> x({4, 2}, {0.5, -1.0, 1.5, 2.0, -0.25, 0.75, 1.0, -0.5});
  const std::size_t wrong = 7;
  // linear (position 0), bad_square (1), sigmoid (2), sum (3)
  auto model = [&] { return sum(sigmoid(bad_square(linear(x, w, b), wrong))); };

  const GradcheckResult whole = gradcheck(std::vector<Parameter<double>>{w, b}, model);
  CHECK_FALSE(whole.passed);  // the whole-model check sees something is wrong...

  const std::optional<OpCheck> culprit = locate_wrong_op(model);  // ...this says where
  REQUIRE(culprit.has_value());
  CHECK(culprit->op == "bad_square");
  CHECK(culprit->position == 1);
  CHECK(culprit->input == 0);
  CHECK(culprit->element == wrong);
  REQUIRE(culprit->input_shapes.size() == 1);
  CHECK(culprit->input_shapes[0] == Shape{4, 3});
  CHECK(culprit->output_shape == Shape{4, 3});
  CHECK(culprit->abs_error > 1e-4);

  const std::vector<OpCheck> all = check_ops(model);
  REQUIRE(all.size() == 4);
  CHECK(all[0].op == "linear");
  CHECK(all[0].passed);
  CHECK(all[2].passed);
  CHECK(all[3].passed);
}

TEST_CASE("check_ops passes every op of correct models and handles a value used twice",
          "[ops][gradcheck][locate]") {
  Parameter<double> w(Tensor<double>({2, 3}, {0.3, -0.2, 0.5, 0.1, -0.4, 0.25}), "w");
  const Tensor<double> x({2, 3}, {0.5, -1.0, 1.5, 2.0, -0.25, 0.75});
  const Tensor<double> y({2, 2}, {1, 0, 0, 1});
  const std::vector<std::function<Var<double>()>> models{
      [&] { return sse_loss(tanh(linear(x, w)), Var<double>(y)); },
      [&] { return mse_loss(relu(linear(x, w)), Var<double>(y)); },
      [&] { return softmax_cross_entropy(linear(x, w), Var<double>(y)); },
      [&] { return sum(mul(w, w)); },  // w used twice by one op
      [&] { return sum(exp(scale(w, 0.5)) + log(mul(w, w))); },
  };
  for (std::size_t m = 0; m < models.size(); ++m) {
    INFO("model " << m);
    for (const OpCheck& check : check_ops(models[m])) {
      INFO(check.op << " at position " << check.position);
      CHECK(check.passed);
    }
  }
}

TEST_CASE("check_ops reports relu at exactly 0 inside a model as a kink",
          "[ops][gradcheck][locate]") {
  // x·wᵀ is exactly 0 in its first element, the corner of relu.
  Parameter<double> w(Tensor<double>({1, 2}, {1.0, 1.0}), "w");
  const Tensor<double> x({2, 2}, {0.5, -0.5, 1.0, 2.0});
  const std::vector<OpCheck> checks = check_ops([&] { return sum(relu(linear(x, w))); });
  REQUIRE(checks.size() == 3);
  CHECK(checks[1].op == "relu");
  CHECK(checks[1].passed);
  CHECK(checks[1].kinks == 1);
}

TEST_CASE("gradcheck keeps each parameter's worst entries in order", "[ops][gradcheck]") {
  const Tensor<double> x({2, 3}, {0.5, -1.0, 1.5, 2.0, -0.25, 0.75});
  GradcheckOptions options;
  options.report_worst = 3;
  const GradcheckResult r =
      gradcheck([&](std::span<const Var<double>> v) { return sum(bad_square(v[0], 4)); },
                std::vector<Tensor<double>>{x}, options);
  const auto& worst = r.parameters[0].worst_entries;
  REQUIRE(worst.size() == 3);
  CHECK(worst[0].element == 4);  // the planted one first
  CHECK(worst[0].abs_error > worst[1].abs_error);
  CHECK(worst[1].abs_error < 1e-6);
}

TEST_CASE("the default step fits double: ε^(1/3) for central differences, ε^(1/5) for Richardson",
          "[ops][gradcheck][step]") {
  const double epsilon = std::numeric_limits<double>::epsilon();
  CHECK(relative_step(GradcheckOptions{}) == std::cbrt(epsilon));
  CHECK(relative_step(GradcheckOptions{.richardson = true}) == std::pow(epsilon, 0.2));
  CHECK(relative_step(GradcheckOptions{.eps = 1e-4}) == 1e-4);  // given: used as is
  CHECK_THROWS_WITH(relative_step(GradcheckOptions{.eps = -1e-6}), Catch::Contains("eps"));
  CHECK_THROWS_WITH(relative_step(GradcheckOptions{.eps = NAN}), Catch::Contains("eps"));

  // Elements from 0.2 to 10⁴: the step follows each one's magnitude, so the derivative of log θ
  // (whose derivatives scale as 1/θ) comes out to about 1e-10 relative everywhere, with either
  // method. A fixed step of 6e-6 would leave θ = 10⁴ with rounding error ε·|log θ|/h ≈ 3e-10
  // of a derivative of 1e-4: 3e-6 relative.
  const Tensor<double> x({6}, {0.2, 0.7, 3, 40, 300, 1e4});
  auto f = [](std::span<const Var<double>> v) { return log(v[0]); };
  for (bool richardson : {false, true}) {
    INFO("richardson " << richardson);
    GradcheckOptions options;
    options.richardson = richardson;
    options.atol = 0;
    options.rtol = 1e-9;
    const GradcheckResult r = gradcheck(f, std::vector<Tensor<double>>{x}, options);
    CHECK(r.passed);
    CHECK(r.parameters[0].max_rel_error < 1e-9);
  }
}

TEST_CASE("gradcheck ranks entries by error relative to tolerance, exact zeros last",
          "[ops][gradcheck]") {
  // A dead relu's derivative is exactly 0 by both methods: nothing to learn from it. Ranked by
  // slack under the tolerance (atol − 0 beats atol + rtol·|e^x| − tiny), it used to come first.
  const Tensor<double> x({3}, {-1.0, 0.7, 1.3});
  GradcheckOptions options;
  options.report_worst = 3;
  const GradcheckResult r =
      gradcheck([](std::span<const Var<double>> v) { return sum(exp(relu(v[0]))); },
                std::vector<Tensor<double>>{x}, options);
  REQUIRE(r.passed);
  const auto& worst = r.parameters[0].worst_entries;
  REQUIRE(worst.size() == 3);
  CHECK(worst[2].element == 0);  // the dead relu: autodiff 0, finite difference 0
  CHECK(worst[2].abs_error == 0);
  CHECK(worst[2].error_ratio == 0);
  CHECK(worst[0].error_ratio >= worst[1].error_ratio);
  CHECK(worst[1].error_ratio > 0);
  CHECK(r.parameters[0].worst.element == worst[0].element);
  for (const JacobianEntry& e : worst) {  // the ratio is the error over the stated tolerance
    CHECK(e.tolerance == Approx(1e-6 + 1e-5 * std::abs(e.numeric) + e.error_estimate));
    CHECK(e.error_ratio == Approx(e.abs_error / e.tolerance));
  }
}

}  // namespace file_ops_gradcheck_ops_test
