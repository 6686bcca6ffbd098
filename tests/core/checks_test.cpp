// Anomaly mode and the engine's contract checks (graph/checks.hpp): each finds a planted fault,
// names the op, its position and the input, and leaves the tape and the parameters as they were.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <thread>
#include <vector>

#include "tapegrad.hpp"

namespace file_core_checks_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad;
using Catch::Contains;

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();

// Runs f, which must throw AnomalyError, and returns the error.
template <class F>
AnomalyError anomaly_of(F&& f) {
  try {
    f();
  } catch (const AnomalyError& e) {
    return e;
  }
  FAIL("no AnomalyError was thrown");
  throw;  // not reached
}

}  // namespace

TEST_CASE("anomaly mode is off by default: NaN then flows on without an error", "[core][anomaly]") {
  CHECK_FALSE(AnomalyMode::enabled());
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  Parameter<double> w(Tensor<double>({2}, {-1.0, 2.0}), "w");
  const Var<double> loss = sum(log(w));  // log(−1) is NaN
  CHECK(std::isnan(loss.item()));
  CHECK_NOTHROW(loss.backward());
}

TEST_CASE("anomaly mode names the forward op that made the first NaN, and it is not recorded",
          "[core][anomaly]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  DetectAnomalyGuard anomaly;
  Parameter<double> w(Tensor<double>({3}, {0.5, -1.0, 2.0}), "w");
  const Var<double> h = scale(w, 2.0);  // op 0, finite
  const std::size_t size = tape.size(), used = tape.used_bytes();
  const AnomalyError e = anomaly_of([&] { return log(h); });  // would be op 1
  CHECK(e.op() == "log");
  CHECK(e.position() == 1);
  CHECK(e.phase() == AnomalyError::Phase::kForward);
  CHECK_THAT(e.what(), Contains("the forward of log (op 1 on the tape)") &&
                           Contains("element [1] of [3] is nan") &&
                           Contains("input 0: [3], values finite") &&
                           Contains("this op made the first NaN"));
  CHECK(tape.size() == size);  // the failed op left the tape as it was
  CHECK(tape.used_bytes() == used);
  sum(h).backward();  // and the tape still works
  CHECK(w.grad()[1] == 2.0);
}

TEST_CASE("anomaly mode says which inputs were non-finite already", "[core][anomaly]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  DetectAnomalyGuard anomaly;
  Parameter<double> w(Tensor<double>({2, 2}, {1, 2, 3, 4}), "w");
  const Tensor<double> data({2, 2}, {0.5, kNaN, 1.5, 2.5});  // a NaN in the data
  const AnomalyError e = anomaly_of([&] { return mul(w, Var<double>(data)); });
  CHECK(e.op() == "mul");
  CHECK_THAT(e.what(), Contains("input 0: [2,2], values finite") &&
                           Contains("input 1: [2,2], values non-finite (element [0,1] is nan)") &&
                           Contains("an input was non-finite already"));
  // An op that needs no gradient is checked too, and said to be off the tape.
  NoGradGuard no_grad;
  const AnomalyError off = anomaly_of([&] { return mul(w, Var<double>(data)); });
  CHECK_THAT(off.what(), Contains("not recorded"));
}

TEST_CASE("anomaly mode names the backward op that made the first infinity", "[core][anomaly]") {
  // log(1e-320) = −736.8 is finite, but its derivative 1/x overflows: the forward passes and the
  // backward of log is the culprit.
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  Parameter<double> w(Tensor<double>({2}, {1e-320, 1.0}), "w");
  auto loss = [&] { return sum(scale(log(w), 0.5)); };  // log op 0, scale 1, sum 2
  {
    tape.clear();
    const Var<double> good = sum(w);
    good.backward();  // w's gradient is now {1, 1}
  }
  tape.clear();
  DetectAnomalyGuard anomaly;
  const Var<double> E = loss();
  CHECK(std::isfinite(E.item()));
  const AnomalyError e = anomaly_of([&] { E.backward(); });
  CHECK(e.op() == "log");
  CHECK(e.position() == 0);
  CHECK(e.phase() == AnomalyError::Phase::kBackward);
  CHECK_THAT(e.what(), Contains("the backward of log (op 0 on the tape)") &&
                           Contains("non-finite gradient for input 0: element [0] of [2] is inf") &&
                           Contains("gradient flowing into its output [2]: finite"));
  // The failed backward left the parameter's gradient as it was.
  CHECK(w.grad()[0] == 1.0);
  CHECK(w.grad()[1] == 1.0);
}

TEST_CASE("anomaly mode finds a gradient left non-finite by an earlier backward",
          "[core][anomaly]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  Parameter<double> w(Tensor<double>({2}, {1e-320, 1.0}), "w");
  sum(log(w)).backward();  // anomaly mode off: w's gradient is now {inf, 1}
  REQUIRE(std::isinf(w.grad()[0]));
  tape.clear();
  DetectAnomalyGuard anomaly;
  const Var<double> E = sum(w);
  const AnomalyError e = anomaly_of([&] { E.backward(); });
  CHECK(e.op() == "sum");
  CHECK_THAT(e.what(),
             Contains("was non-finite before its backward ran") && Contains("zero_grad()"));
}

TEST_CASE("anomaly mode checks the seed gradient", "[core][anomaly]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  DetectAnomalyGuard anomaly;
  Parameter<double> w(Tensor<double>({2}, {1, 2}), "w");
  const Var<double> y = scale(w, 3.0);
  const AnomalyError e = anomaly_of([&] { y.backward(Tensor<double>({2}, {1.0, kNaN})); });
  CHECK_THAT(e.what(), Contains("seed gradient") && Contains("element [1] of [2] is nan"));
  CHECK(w.grad()[1] == 0.0);
}

TEST_CASE("anomaly mode is per thread and scoped by its guard", "[core][anomaly]") {
  {
    DetectAnomalyGuard on;
    CHECK(AnomalyMode::enabled());
    bool other_thread = true;
    std::thread([&] { other_thread = AnomalyMode::enabled(); }).join();
    CHECK_FALSE(other_thread);
    {
      DetectAnomalyGuard off(false);
      CHECK_FALSE(AnomalyMode::enabled());
    }
    CHECK(AnomalyMode::enabled());
  }
  CHECK_FALSE(AnomalyMode::enabled());
}

TEST_CASE("anomaly mode works in float too", "[core][anomaly]") {
  Tape<float> tape;
  TapeGuard<float> guard(tape);
  DetectAnomalyGuard anomaly;
  Parameter<float> w(Tensor<float>({2}, {1e30f, 1.0f}), "w");
  const AnomalyError e = anomaly_of([&] { return mul(w, w); });  // 1e60 overflows float
  CHECK(e.op() == "mul");
  CHECK_THAT(e.what(), Contains("element [0] of [2] is inf"));
}

namespace {

// A test-only op y = a + b whose backward forgets b's gradient.
struct ForgetfulAddNode final : Node<double> {
  std::string_view name() const override { return "forgetful_add"; }
  std::string derivative(std::size_t) const override { return "1"; }
  void backward(const BackwardContext<double>& ctx) const override {
    if (double* ga = ctx.input_grad(0, input(0).shape))
      for (std::size_t i = 0; i < input(0).size(); ++i) ga[i] += ctx.grad_output()[i];
  }
};

Var<double> forgetful_add(const Var<double>& a, const Var<double>& b) {
  Op<double> op("forgetful_add", a, b);
  double* y = op.output(a.shape());
  for (std::size_t i = 0; i < a.size(); ++i) y[i] = op.input(0).data[i] + op.input(1).data[i];
  return op.finish<ForgetfulAddNode>();
}

// Turns the contract checks on (or off) for its scope, then back to what they were.
struct ContractCheckScope {
  explicit ContractCheckScope(bool on = true) : previous(ContractChecks::enabled()) {
    ContractChecks::set_enabled(on);
  }
  ~ContractCheckScope() { ContractChecks::set_enabled(previous); }
  bool previous;
};

}  // namespace

TEST_CASE("contract checks find an input whose gradient the backward forgot", "[core][contracts]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  Parameter<double> a(Tensor<double>({2}, {1, 2}), "a");
  Parameter<double> b(Tensor<double>({2}, {3, 4}), "b");
  a.grads()[0] = 5;  // a gradient from before, which a failed backward must keep
  ContractCheckScope checks;
  const Var<double> E = sum(scale(forgetful_add(a, b), 2.0));  // forgetful_add is op 0
  CHECK_THROWS_AS(E.backward(), ContractError);
  CHECK_THROWS_WITH(E.backward(), Contains("forgetful_add (op 0 on the tape)") &&
                                      Contains("no gradient for input 1 (shape [2])"));
  CHECK(a.grad()[0] == 5);  // left as it was
  CHECK(a.grad()[1] == 0);
}

TEST_CASE("contract checks pass every op of the catalog", "[core][contracts]") {
  ContractCheckScope checks;
  for (const OpCase<double>& c : op_catalog<double>()) {
    INFO(c.op << ": " << c.description);
    std::vector<Tensor<double>> inputs;
    for (const Shape& s : c.inputs) {
      Tensor<double> t(s);
      for (std::size_t i = 0; i < t.size(); ++i) t[i] = 0.5 + 0.25 * static_cast<double>(i % 5);
      inputs.push_back(t);
    }
    CHECK(gradcheck(c.call, inputs).passed);  // gradcheck's backward runs under the checks
  }
}

TEST_CASE("the contract checks start as TAPEGRAD_CONTRACT_CHECKS says and switch at run time",
          "[core][contracts]") {
  // The suite runs with the variable unset and again with it set to 1 (scripts/sanitize.sh);
  // a new thread starts from it, whatever the build type.
  const char* variable = std::getenv("TAPEGRAD_CONTRACT_CHECKS");
  const bool from_environment = variable != nullptr && std::string_view(variable) == "1";
  bool on_new_thread = !from_environment;
  std::thread([&] { on_new_thread = ContractChecks::enabled(); }).join();
  CHECK(on_new_thread == from_environment);

  Tape<double> tape;
  TapeGuard<double> guard(tape);
  Parameter<double> a(Tensor<double>({2}, {1, 2}), "a");
  Parameter<double> b(Tensor<double>({2}, {3, 4}), "b");
  {
    ContractCheckScope off(false);
    CHECK_FALSE(ContractChecks::enabled());
    CHECK_NOTHROW(sum(forgetful_add(a, b)).backward());  // unchecked: b silently gets nothing
    CHECK(b.grad()[0] == 0);
  }
  tape.clear();
  ContractCheckScope on(true);
  CHECK_THROWS_AS(sum(forgetful_add(a, b)).backward(), ContractError);
}

}  // namespace file_core_checks_test
