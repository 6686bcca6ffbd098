// The tape and its backward engine: the reverse walk, gradient accumulation, reuse of memory
// across steps, and the errors a user can act on.
#include <catch2/catch.hpp>

#include <cmath>
#include <string_view>
#include <thread>
#include <type_traits>

#include "tapegrad.hpp"

namespace file_core_tape_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad;
using Catch::Matchers::Contains;

TEST_CASE("backward walks a chain of 1,000,000 ops without recursion", "[core][tape]") {
  // y = x·c·c·…·c with c = 1 + 1e-7; dy/dx = c^N. A recursive engine would overflow the stack.
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  constexpr std::size_t kLength = 1'000'000;
  const double c = 1 + 1e-7;
  Parameter<double> x(Tensor<double>::scalar(0.5), "x");
  Var<double> y = x;
  for (std::size_t i = 0; i < kLength; ++i) y = scale(y, c);
  REQUIRE(tape.size() == kLength);
  y.backward();
  CHECK(x.grad()[0] == Approx(std::pow(c, static_cast<double>(kLength))).epsilon(1e-9));
}

TEST_CASE("gradients are summed where a value is used more than once", "[core][tape]") {
  // f = x·x + 3x  ⇒  df/dx = 2x + 3, reached along three paths.
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  Parameter<double> x(Tensor<double>({2}, {1.5, -2.0}), "x");
  sum(x * x + 3.0 * x).backward();
  CHECK(x.grad()[0] == Approx(2 * 1.5 + 3));
  CHECK(x.grad()[1] == Approx(2 * -2.0 + 3));
}

TEST_CASE("parameter gradients accumulate across backward calls until zero_grad", "[core][tape]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  Parameter<double> w(Tensor<double>({1}, {2.0}), "w");
  for (int step = 1; step <= 3; ++step) {
    tape.clear();
    sum(w * w).backward();  // d(w²)/dw = 2w = 4 each time
    CHECK(w.grad()[0] == Approx(4.0 * step));
  }
  w.zero_grad();
  CHECK(w.grad()[0] == 0.0);
}

TEST_CASE("a second backward on the same tape restarts intermediate gradients", "[core][tape]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  Parameter<double> w(Tensor<double>({1}, {3.0}), "w");
  Var<double> h = sigmoid(w);
  Var<double> loss = sum(h * h);
  loss.backward();
  const double once = w.grad()[0];
  const double dh_once = h.grad()[0];
  loss.backward();
  CHECK(w.grad()[0] == Approx(2 * once));  // the parameter accumulates
  CHECK(h.grad()[0] == Approx(dh_once));   // the intermediate does not double-count
}

TEST_CASE("inputs that need no gradient are skipped and get none", "[core][tape]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  Parameter<double> w(Tensor<double>({2}, {1.0, 2.0}), "w");
  Var<double> x = tape.constant(Tensor<double>({2}, {3.0, 4.0}), "x");
  Parameter<double> frozen(Tensor<double>({2}, {5.0, 6.0}), "frozen", false);
  sum(w * x * frozen).backward();
  CHECK(x.grad().empty());
  CHECK(frozen.grad()[0] == 0.0);
  CHECK(w.grad()[0] == Approx(3.0 * 5.0));
  CHECK(w.grad()[1] == Approx(4.0 * 6.0));
}

TEST_CASE("ops on values that need no gradient record nothing", "[core][tape]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  Var<double> x = tape.constant(Tensor<double>({2}, {3.0, 4.0}));
  Var<double> y = sigmoid(x * x);
  CHECK(tape.size() == 0);
  CHECK_FALSE(y.requires_grad());
  CHECK(y.data()[0] == Approx(1 / (1 + std::exp(-9.0))));
}

TEST_CASE("NoGradGuard turns recording off in its scope only", "[core][tape]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  Parameter<double> w(Tensor<double>({2}, {1.0, 2.0}), "w");
  {
    NoGradGuard no_grad;
    Var<double> y = sigmoid(w);
    CHECK(tape.size() == 0);
    CHECK_FALSE(y.requires_grad());
    CHECK_THROWS_WITH(sum(y).backward(), Contains("does not require grad"));
  }
  CHECK(sigmoid(w).requires_grad());
  CHECK(tape.size() == 1);
}

TEST_CASE("backward on a non-scalar root without a seed says what to do", "[core][tape][errors]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  Parameter<double> w(Tensor<double>({2, 3}), "w");
  Var<double> y = sigmoid(w);
  CHECK_THROWS_AS(y.backward(), TapeError);
  CHECK_THROWS_WITH(y.backward(), Contains("backward() needs a scalar loss or an explicit seed") &&
                                      Contains("[2,3]") && Contains("sum, mean"));
  CHECK_THROWS_WITH(y.backward(Tensor<double>({3})),
                    Contains("seed gradient of shape [3] for a root of shape [2,3]"));
  // With a seed of the right shape it works: dσ/dw = σ(1−σ) times the seed.
  Tensor<double> seed({2, 3});
  seed.fill(2.0);
  y.backward(seed);
  const double s = y.data()[0];
  CHECK(w.grad()[0] == Approx(2.0 * s * (1 - s)));
}

TEST_CASE("clear() keeps the tape's memory for the next step", "[core][tape]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  Parameter<double> w(Tensor<double>({16, 16}), "w");
  Tensor<double> x({8, 16});
  auto step = [&] {
    tape.clear();
    sse_loss(sigmoid(linear(x, w)), Tensor<double>({8, 16})).backward();
  };
  step();
  const std::size_t reserved = tape.reserved_bytes();
  const std::size_t used = tape.used_bytes();
  REQUIRE(reserved > 0);
  for (int i = 0; i < 10; ++i) step();
  CHECK(tape.reserved_bytes() == reserved);  // nothing new taken from the heap
  CHECK(tape.used_bytes() == used);          // the same memory reused
  tape.clear();
  CHECK(tape.size() == 0);
  CHECK(tape.used_bytes() == 0);
  CHECK(tape.reserved_bytes() == reserved);  // and not given back
}

TEST_CASE("a Var kept across tape.clear() is refused, not read from reused memory",
          "[core][tape][errors]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  Parameter<double> w(Tensor<double>({2}, {1.0, 2.0}), "w");
  Var<double> old = sigmoid(w);
  tape.clear();
  CHECK(old.stale());
  CHECK_THROWS_WITH(sigmoid(old), Contains("sigmoid: input 0 was recorded before tape.clear()"));
  CHECK_THROWS_AS(old.data(), TapeError);
  CHECK(sigmoid(w).data().size() == 2);  // parameters never go stale
}

TEST_CASE("a Var from another tape is refused with a hint", "[core][tape][errors]") {
  Tape<double> first, second;
  Parameter<double> w(Tensor<double>({2}, {1.0, 2.0}), "w");
  Var<double> on_first;
  {
    TapeGuard<double> guard(first);
    on_first = sigmoid(w);
  }
  TapeGuard<double> guard(second);
  CHECK_THROWS_WITH(add(on_first, w), Contains("add: input 0 was recorded on a different tape"));
  CHECK_THROWS_WITH(add(w, Var<double>()), Contains("add: input 1 is an undefined Var"));
}

TEST_CASE("a failed op leaves the tape exactly as it was", "[core][tape][errors]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  Parameter<double> a(Tensor<double>({3, 4}), "a");
  Parameter<double> b(Tensor<double>({5, 2}), "b");
  Var<double> h = sigmoid(a);
  const std::size_t size = tape.size(), used = tape.used_bytes();
  CHECK_THROWS_AS(matmul(h, b), ShapeError);
  CHECK(tape.size() == size);
  CHECK(tape.used_bytes() == used);
  sum(h).backward();                   // the tape still works
  CHECK(a.grad()[0] == Approx(0.25));  // σ'(0) = ¼
}

TEST_CASE("a node reads back its inputs and output in order, for one, two and three inputs",
          "[core][tape]") {
  // The list of inputs is stored in the node's own arena block (Tape::record): check that each
  // node hands back exactly the values it was recorded with.
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  Parameter<double> w(Tensor<double>({3, 2}, {1, 2, 3, 4, 5, 6}), "w");
  Parameter<double> b(Tensor<double>({3}, {1, 1, 1}), "b");
  Var<double> x = tape.variable(Tensor<double>({2}, {0.5, -0.5}), true, "x");
  Var<double> a = linear(x, w, b);  // three inputs
  Var<double> z = sigmoid(a);       // one
  Var<double> p = mul(z, a);        // two
  REQUIRE(tape.size() == 3);
  const auto nodes = tape.nodes();
  const std::vector<std::vector<const Value<double>*>> expected{
      {x.value(), w.var().value(), b.var().value()}, {a.value()}, {z.value(), a.value()}};
  const std::vector<const Value<double>*> outputs{a.value(), z.value(), p.value()};
  for (std::size_t n = 0; n < 3; ++n) {
    INFO("node " << n << " (" << nodes[n]->name() << ")");
    CHECK(nodes[n]->position() == n);
    CHECK(&nodes[n]->output() == outputs[n]);
    REQUIRE(nodes[n]->num_inputs() == expected[n].size());
    for (std::size_t k = 0; k < expected[n].size(); ++k) {
      CHECK(&nodes[n]->input(k) == expected[n][k]);
      CHECK(nodes[n]->inputs()[k] == expected[n][k]);
    }
  }
}

TEST_CASE("an op takes one to Op::kMaxInputs inputs, checked when it is compiled",
          "[core][tape][errors]") {
  using V = const Var<double>&;
  STATIC_REQUIRE(std::is_constructible_v<Op<double>, std::string_view, V>);
  STATIC_REQUIRE(std::is_constructible_v<Op<double>, std::string_view, V, V, V, V>);
  STATIC_REQUIRE_FALSE(std::is_constructible_v<Op<double>, std::string_view, V, V, V, V, V>);
  STATIC_REQUIRE_FALSE(std::is_constructible_v<Op<double>, std::string_view>);
}

TEST_CASE("labels are copied onto the tape and read back whole", "[core][tape]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  Parameter<double> w(Tensor<double>({2}, {1.0, 2.0}), "layers.0.weight");
  const std::string long_label(300, 'q');
  std::string text = "z₁ (hidden)";
  Var<double> z = sigmoid(w);
  z.named(text);
  text = "changed";  // the tape keeps its own copy
  CHECK(z.label() == "z₁ (hidden)");
  CHECK(sigmoid(z).named(long_label).label() == long_label);
  CHECK(sigmoid(z).label().empty());
  CHECK(tape.constant(Tensor<double>({1}), "").label().empty());
  CHECK(tape.constant(Tensor<double>({1}), "x").label() == "x");
  CHECK(w.var().label() == "layers.0.weight");
  w.set_name("renamed");
  CHECK(w.var().label() == "renamed");
}

TEST_CASE("the engine rejects a backward that returns a gradient of the wrong shape",
          "[core][tape][errors]") {
  // A test-only op whose backward claims a gradient shape unlike its input's.
  struct WrongShapeNode final : Node<double> {
    std::string_view name() const override { return "wrong_shape"; }
    std::string derivative(std::size_t) const override { return "1"; }
    void backward(const BackwardContext<double>& ctx) const override {
      ctx.input_grad(0, Shape{7});
    }
  };
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  Parameter<double> a(Tensor<double>({2, 3}), "a");
  Op<double> op("wrong_shape", a);
  *op.output(Shape{}) = 0;
  Var<double> y = op.finish<WrongShapeNode>();
  CHECK_THROWS_AS(y.backward(), ContractError);
  CHECK_THROWS_WITH(y.backward(), Contains("wrong_shape") && Contains("shape [7] for input 0") &&
                                      Contains("[2,3]"));
}

TEST_CASE("each thread records on its own tape", "[core][tape]") {
  // Two threads train on their own default tapes at once; neither sees the other's ops.
  auto work = [](double start, double* result) {
    Parameter<double> w(Tensor<double>({1}, {start}), "w");
    for (int i = 0; i < 100; ++i) {
      Tape<double>::current().clear();
      sum(w * w).backward();
      w.values()[0] -= 0.1 * w.grad()[0];
      w.zero_grad();
    }
    *result = w.value()[0];
  };
  double r1 = 0, r2 = 0;
  std::thread t1(work, 1.0, &r1), t2(work, 2.0, &r2);
  t1.join();
  t2.join();
  // w ← w − 0.1·2w = 0.8w per step.
  CHECK(r1 == Approx(1.0 * std::pow(0.8, 100)));
  CHECK(r2 == Approx(2.0 * std::pow(0.8, 100)));
}

}  // namespace file_core_tape_test
