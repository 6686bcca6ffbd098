// Gradients written, not added, by the first op that reaches them (BackwardContext::
// input_grad_target), and parameters' lazy zero_grad(). Every op of the catalog, and cases where
// one value is two inputs of an op, run twice: by the fast engine, on a tape and parameter
// storage filled with NaN beforehand, so that an op reading a buffer it was told to write gives
// NaN; and by the checked engine, which zeroes every buffer and adds into it. The gradients must
// be the same numbers.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <random>

#include "graph/checks.hpp"
#include "graph/op.hpp"
#include "graph/parameter.hpp"
#include "ops/catalog.hpp"
#include "ops/ops.hpp"
#include "random_inputs.hpp"

namespace file_ops_grad_target_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad;
using testing::random_input;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Fills the arena room that the next records of `tape` will get with NaN: a constant of NaN,
// given back at once.
void poison_tape(Tape<double>& tape) {
  const Tape<double>::Mark mark = tape.mark();
  constexpr std::size_t n = std::size_t{1} << 16;  // more than any case here records
  tape.constant(Tensor<double>::full(Shape{n}, kNaN));
  tape.rewind(mark);
}

// The engine for its scope: checked (contract checks on) or fast; then back as it was.
struct ContractChecksScope {
  explicit ContractChecksScope(bool on) : previous(ContractChecks::enabled()) {
    ContractChecks::set_enabled(on);
  }
  ~ContractChecksScope() { ContractChecks::set_enabled(previous); }
  bool previous;
};

enum class Leaves { kParameters, kTapeVariables };

// The gradients of Σ r ⊙ f(x) with respect to each x_k (r drawn from `seed`), with the fast
// engine on poisoned memory (checked = false) or the checked engine.
std::vector<Tensor<double>> gradients(const OpCase<double>& c, const std::vector<Tensor<double>>& x,
                                      std::uint64_t seed, Leaves leaves, bool checked) {
  const ContractChecksScope scope(checked);
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  poison_tape(tape);
  std::vector<Parameter<double>> parameters;
  std::vector<Var<double>> vars;
  for (const Tensor<double>& t : x) {
    if (leaves == Leaves::kParameters) {
      Parameter<double> p(t, "p");
      for (double& g : p.grads()) g = kNaN;  // what zero_grad() must not let backward read
      p.zero_grad();
      parameters.push_back(p);
      vars.push_back(p);
    } else {
      vars.push_back(tape.variable(t, true));
    }
  }
  const Var<double> y = c.call(vars);
  std::mt19937_64 rng(seed);
  const Var<double> r = random_input(y.shape(), Domain::kAny, rng);
  sum(mul(y, r)).backward();
  std::vector<Tensor<double>> grads;
  for (std::size_t k = 0; k < x.size(); ++k)
    grads.push_back(leaves == Leaves::kParameters ? parameters[k].grad() : vars[k].grad_tensor());
  return grads;
}

// Whether the fast engine on poisoned memory gives the checked engine's gradients exactly.
void check_same_gradients(const OpCase<double>& c, Leaves leaves) {
  std::mt19937_64 rng(7);
  std::vector<Tensor<double>> x;
  for (std::size_t k = 0; k < c.inputs.size(); ++k) x.push_back(catalog_input(c, k, rng));
  const auto fast = gradients(c, x, 11, leaves, false);
  const auto reference = gradients(c, x, 11, leaves, true);
  for (std::size_t k = 0; k < x.size(); ++k)
    for (std::size_t i = 0; i < x[k].size(); ++i) {
      INFO(c.op << " (" << c.description << "): input " << k << ", element " << i);
      REQUIRE(fast[k].values()[i] == reference[k].values()[i]);
    }
}

// One value given to an op as two of its inputs: the op writes the first input's gradient and
// must add the second's into the same buffer. Also a product large enough for BLAS (beta = 0
// must not read the NaN in the buffer).
std::vector<OpCase<double>> shared_input_cases() {
  using Vars = std::span<const Var<double>>;
  return {
      {"mul", "mul(a, a)", {Shape{3, 4}}, Domain::kAny, [](Vars v) { return mul(v[0], v[0]); }},
      {"linear",
       "linear(W, W, b), W square",
       {Shape{3, 3}, Shape{3}},
       Domain::kAny,
       [](Vars v) { return linear(v[0], v[0], v[1]); }},
      {"matmul",
       "matmul(a, a)",
       {Shape{4, 4}},
       Domain::kAny,
       [](Vars v) { return matmul(v[0], v[0]); }},
      {"sse_loss",
       "sse_loss(a, a + a)",
       {Shape{5}},
       Domain::kAny,
       [](Vars v) { return sse_loss(v[0], add(v[0], v[0])); }},
      {"sigmoid",
       "sigmoid(a) · a",
       {Shape{6}},
       Domain::kAny,
       [](Vars v) { return mul(sigmoid(v[0]), v[0]); }},
      {"linear",
       "linear through BLAS, 16x24 by 24x20",
       {Shape{16, 24}, Shape{20, 24}, Shape{20}},
       Domain::kAny,
       [](Vars v) { return sigmoid(linear(v[0], v[1], v[2])); }},
      {"matmul",
       "matmul through BLAS, 16x24 by 24x20",
       {Shape{16, 24}, Shape{24, 20}},
       Domain::kAny,
       [](Vars v) { return matmul(v[0], v[1]); }},
  };
}

// sigmoid whose backward asks for a target but always adds into it: a buffer it was told to
// write holds NaN (or an old gradient) here, and so its gradients are wrong.
class AddsIntoTargetNode final : public Node<double> {
 public:
  std::string_view name() const override { return "adds_into_target"; }
  std::string derivative(std::size_t) const override { return "{y}(1−{y})"; }
  void backward(const BackwardContext<double>& ctx) const override {
    const Value<double>& z = output();
    const GradTarget<double> ga = ctx.input_grad_target(0, z.shape);
    for (std::size_t i = 0; i < z.size(); ++i)
      ga.data[i] += ctx.grad_output()[i] * z.data[i] * (1 - z.data[i]);
  }
};

Var<double> adds_into_target(const Var<double>& a) {
  Op<double> op("adds_into_target", a);
  double* z = op.output(op.input(0).shape);
  for (std::size_t i = 0; i < op.input(0).size(); ++i)
    z[i] = 1 / (1 + std::exp(-op.input(0).data[i]));
  return op.finish<AddsIntoTargetNode>();
}

}  // namespace

TEST_CASE("every op's gradients are the same written into fresh buffers as added into zeros",
          "[ops][grad_target]") {
  for (const OpCase<double>& c : op_catalog<double>()) {
    check_same_gradients(c, Leaves::kParameters);
    check_same_gradients(c, Leaves::kTapeVariables);
  }
}

TEST_CASE("a value that is two inputs of one op gets both gradients, written then added",
          "[ops][grad_target]") {
  for (const OpCase<double>& c : shared_input_cases()) {
    check_same_gradients(c, Leaves::kParameters);
    check_same_gradients(c, Leaves::kTapeVariables);
  }
}

TEST_CASE("the comparison catches an op that adds into a buffer it was told to write",
          "[ops][grad_target]") {
  const OpCase<double> planted{
      "adds_into_target", "planted", {Shape{4}}, Domain::kAny, [](std::span<const Var<double>> v) {
        return adds_into_target(v[0]);
      }};
  std::mt19937_64 rng(3);
  const std::vector<Tensor<double>> x{random_input(Shape{4}, Domain::kAny, rng)};
  for (const Leaves leaves : {Leaves::kParameters, Leaves::kTapeVariables}) {
    const auto fast = gradients(planted, x, 5, leaves, false);
    const auto reference = gradients(planted, x, 5, leaves, true);
    for (std::size_t i = 0; i < 4; ++i) {
      CHECK(std::isfinite(reference[0].values()[i]));
      CHECK(std::isnan(fast[0].values()[i]));
    }
  }
}

TEST_CASE("zero_grad leaves a parameter's gradient reading as zeros until backward writes it",
          "[ops][grad_target]") {
  Parameter<double> w(Tensor<double>({2, 2}, {1, 2, 3, 4}), "w");
  const Tensor<double> x({3, 2}, {0.5, -1, 2, 0.25, -0.75, 1.5});
  const auto step = [&] {
    Tape<double> tape;
    TapeGuard<double> guard(tape);
    sum(linear(Var<double>(x), w)).backward();
  };
  // d Σ linear(x, W) / dW_jp = Σ_rows x_ip, the same for every row j.
  const std::vector<double> expected{0.5 + 2 - 0.75, -1 + 0.25 + 1.5, 0.5 + 2 - 0.75,
                                     -1 + 0.25 + 1.5};
  step();
  CHECK(w.grad().values()[0] == expected[0]);
  step();  // without zero_grad the gradients add up
  for (std::size_t i = 0; i < 4; ++i) CHECK(w.grad().values()[i] == 2 * expected[i]);

  w.zero_grad();
  CHECK(w.var().grad().empty());  // no gradient has reached it since
  for (double g : w.grad().values()) CHECK(g == 0);
  w.zero_grad();
  step();
  for (std::size_t i = 0; i < 4; ++i) CHECK(w.grad().values()[i] == expected[i]);
  CHECK(w.var().grad().size() == 4);

  w.zero_grad();
  for (double& g : w.grads()) g += 1;  // grads() reads zeros too, and its writes count
  step();
  for (std::size_t i = 0; i < 4; ++i) CHECK(w.grad().values()[i] == expected[i] + 1);
}

}  // namespace file_ops_grad_target_test
