// User-defined differentiable functions (graph/function.hpp): a forward and one backward rule
// give first-order gradients, double backward, forward mode, gradcheck and a label; the
// function's C++ state lives until tape.clear(); a failing function leaves the tape as it was.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "graph/function.hpp"
#include "graph/gradcheck.hpp"
#include "graph/higher_order.hpp"
#include "ops/ops.hpp"

namespace file_core_function_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad;

namespace {

// y = x³, computed by hand in forward; dy/dx = 3x², written with ops so that it can be
// differentiated again.
struct Cube {
  std::string_view name() const { return "cube"; }
  template <class T>
  Var<T> forward(const Var<T>& x) const {
    Tensor<T> y = x.to_tensor();
    for (T& v : y.values()) v = v * v * v;
    return Tape<T>::current().variable(y, false);
  }
  template <class T>
  void backward(const VjpContext<T>& ctx) const {
    ctx.add_input_grad(0, ctx.grad_output() * 3.0 * square(ctx.input(0)));  // d x³/dx = 3x²
  }
};

// The same with a planted bug: 2x² instead of 3x².
struct WrongCube : Cube {
  template <class T>
  void backward(const VjpContext<T>& ctx) const {
    ctx.add_input_grad(0, ctx.grad_output() * 2.0 * square(ctx.input(0)));
  }
};

// r = √(a² + b²) elementwise; the rule reads the output: ∂r/∂a = a/r, ∂r/∂b = b/r.
struct Hypot {
  std::string_view name() const { return "hypot"; }
  std::string derivative(std::size_t k) const { return k == 0 ? "{0}/{y}" : "{1}/{y}"; }
  template <class T>
  Var<T> forward(const Var<T>& a, const Var<T>& b) const {
    return sqrt(square(a) + square(b));
  }
  template <class T>
  void backward(const VjpContext<T>& ctx) const {
    const Var<T> g_over_r = ctx.grad_output() / ctx.output();
    if (ctx.needs_grad(0)) ctx.add_input_grad(0, g_over_r * ctx.input(0));  // ∂r/∂a = a/r
    if (ctx.needs_grad(1)) ctx.add_input_grad(1, g_over_r * ctx.input(1));  // ∂r/∂b = b/r
  }
};

// Any number of inputs through a span: their sum, each input's gradient the output's.
struct SumAll {
  template <class T>
  Var<T> forward(std::span<const Var<T>> inputs) const {
    Var<T> total = inputs[0];
    for (std::size_t k = 1; k < inputs.size(); ++k) total = total + inputs[k];
    return total;
  }
  template <class T>
  void backward(const VjpContext<T>& ctx) const {
    for (std::size_t k = 0; k < ctx.num_inputs(); ++k) ctx.add_input_grad(k, ctx.grad_output());
  }
};

// C++ state kept from forward for backward: which elements were clipped, in a std::vector;
// its destructor counts, to show when the tape lets it go.
struct Clip {
  static inline int destroyed = 0;
  double limit;
  std::vector<bool> kept;
  explicit Clip(double limit) : limit(limit) {}
  Clip(Clip&& other) noexcept : limit(other.limit), kept(std::move(other.kept)) {
    other.moved_from = true;
  }
  ~Clip() {
    if (!moved_from) ++destroyed;
  }
  Clip(const Clip&) = delete;
  Clip& operator=(const Clip&) = delete;
  Clip& operator=(Clip&&) = delete;
  bool moved_from = false;

  std::string_view name() const { return "clip"; }
  Var<double> forward(const Var<double>& x) {
    Tensor<double> y = x.to_tensor();
    kept.clear();
    for (double& v : y.values()) {
      kept.push_back(std::abs(v) <= limit);
      v = std::clamp(v, -limit, limit);
    }
    return Tape<double>::current().variable(y, false);
  }
  void backward(const VjpContext<double>& ctx) const {  // 1 where kept, 0 where clipped
    Tensor<double> mask(ctx.input(0).shape());
    for (std::size_t i = 0; i < kept.size(); ++i) mask.values()[i] = kept[i] ? 1.0 : 0.0;
    ctx.add_input_grad(0, ctx.grad_output() * Var<double>(mask));
  }
};

struct Throwing {
  std::string_view name() const { return "throwing"; }
  Var<double> forward(const Var<double>& x) const {
    (void)exp(x);  // something recorded on the tape first
    throw std::runtime_error("forward failed");
  }
  void backward(const VjpContext<double>&) const {}
};

Tensor<double> values(std::vector<double> v) {
  const std::size_t n = v.size();
  return Tensor<double>(Shape{n}, std::move(v));
}

}  // namespace

TEST_CASE("a function's gradient is its rule: d x³/dx = 3x²", "[function]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  const std::vector<double> x0{-1.5, 0.5, 2.0};
  Var<double> x = tape.variable(values(x0), true);
  Var<double> y = apply_function(Cube{}, x);
  sum(y).backward();
  for (std::size_t i = 0; i < x0.size(); ++i) {
    CHECK(y.data()[i] == Approx(x0[i] * x0[i] * x0[i]));
    CHECK(x.grad()[i] == Approx(3 * x0[i] * x0[i]));
  }
  REQUIRE(tape.size() == 2);  // the function and the sum: forward's own work is not recorded
  CHECK(tape.nodes()[0]->name() == "cube");
  CHECK(tape.nodes()[0]->derivative(0) == "∂cube/∂{0}");
}

TEST_CASE("a function works in float as in double", "[function]") {
  Tape<float> tape;
  TapeGuard<float> guard(tape);
  Var<float> x = tape.variable(Tensor<float>(Shape{2}, {1.5f, -2.0f}), true);
  sum(apply_function(Cube{}, x)).backward();
  CHECK(x.grad()[0] == Approx(3 * 1.5f * 1.5f));
  CHECK(x.grad()[1] == Approx(12.0f));
}

TEST_CASE("gradcheck and gradgradcheck pass on user-defined functions", "[function][gradcheck]") {
  const std::vector<Tensor<double>> one{values({-1.2, 0.4, 1.7})};
  const auto cube = [](std::span<const Var<double>> v) { return apply_function(Cube{}, v[0]); };
  CHECK(gradcheck(cube, one).passed);
  const GradgradcheckResult cube2 = gradgradcheck(cube, one);
  CHECK(cube2.first_order_passed);
  CHECK(cube2.passed);

  const std::vector<Tensor<double>> two{values({-1.2, 0.4, 1.7}), values({0.8, -0.9, 0.3})};
  const auto hypot = [](std::span<const Var<double>> v) {
    return apply_function(Hypot{}, v[0], v[1]);
  };
  CHECK(gradcheck(hypot, two).passed);
  CHECK(gradgradcheck(hypot, two).passed);

  const auto summed = [](std::span<const Var<double>> v) { return apply_function(SumAll{}, v); };
  CHECK(gradcheck(summed, two).passed);
  CHECK(gradgradcheck(summed, two).passed);
}

TEST_CASE("gradcheck catches a wrong rule in a user-defined function", "[function][gradcheck]") {
  const std::vector<Tensor<double>> one{values({-1.2, 0.4, 1.7})};
  const GradcheckResult result = gradcheck(
      [](std::span<const Var<double>> v) { return apply_function(WrongCube{}, v[0]); }, one);
  CHECK_FALSE(result.passed);
  REQUIRE(result.parameters.size() == 1);
  CHECK(result.parameters[0].failures == 3);
  // 2x² against 3x² at x = 1.7: off by 1.7² = 2.89
  CHECK(result.parameters[0].max_abs_error == Approx(1.7 * 1.7).epsilon(1e-6));
}

TEST_CASE("forward mode transposes the rule: J·v = 3x²·v", "[function][jvp]") {
  const Tensor<double> x = values({-1.0, 0.5, 2.0}), v = values({0.3, -1.0, 2.0});
  const JvpResult<double> r =
      jvp<double>([](const Var<double>& a) { return apply_function(Cube{}, a); }, x, v);
  for (std::size_t i = 0; i < 3; ++i) {
    const double xi = x.values()[i];
    CHECK(r.value.values()[i] == Approx(xi * xi * xi));
    CHECK(r.tangent.values()[i] == Approx(3 * xi * xi * v.values()[i]));
  }
}

TEST_CASE("a function's label comes from its derivative() if it has one", "[function]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  Var<double> a = tape.variable(values({3.0}), true), b = tape.variable(values({4.0}), true);
  Var<double> r = apply_function(Hypot{}, a, b);
  CHECK(r.item() == Approx(5.0));
  CHECK(tape.nodes().back()->derivative(0) == "{0}/{y}");
  CHECK(tape.nodes().back()->derivative(1) == "{1}/{y}");
  const Var<double> s = apply_function(SumAll{}, std::span<const Var<double>>(std::vector{a, b}));
  CHECK(tape.nodes().back()->name() == "function");  // no name(): the default
  CHECK(s.item() == Approx(7.0));
}

TEST_CASE("a function's C++ state lives until the tape is cleared", "[function]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  Clip::destroyed = 0;
  Var<double> x = tape.variable(values({-3.0, 0.5, 2.0}), true);
  Var<double> y = apply_function(Clip(1.0), x);
  CHECK(Clip::destroyed == 0);  // kept for backward, which reads its mask
  sum(y).backward();
  CHECK(x.grad()[0] == 0.0);
  CHECK(x.grad()[1] == 1.0);
  CHECK(x.grad()[2] == 0.0);
  CHECK(y.data()[0] == -1.0);
  CHECK(Clip::destroyed == 0);
  tape.clear();
  CHECK(Clip::destroyed == 1);

  // Nothing needs a gradient: nothing is recorded, and the state goes at once.
  Var<double> c = tape.variable(values({5.0}), false);
  CHECK(apply_function(Clip(1.0), c).item() == 1.0);
  CHECK(tape.size() == 0);
  CHECK(Clip::destroyed == 2);
}

TEST_CASE("a failing function leaves the tape as it was", "[function][errors]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  Var<double> x = tape.variable(values({1.0, 2.0}), true);
  const std::size_t ops = tape.size(), bytes = tape.used_bytes();
  CHECK_THROWS_WITH(apply_function(Throwing{}, x), "forward failed");
  CHECK(tape.size() == ops);
  CHECK(tape.used_bytes() == bytes);

  Tape<double> other;
  Var<double> foreign = other.variable(values({1.0}), true);
  CHECK_THROWS_AS(apply_function(Cube{}, foreign), TapeError);
  CHECK(tape.size() == ops);
  CHECK(tape.used_bytes() == bytes);
}

TEST_CASE("a function takes parameters as inputs", "[function]") {
  Parameter<double> w(values({2.0, -1.0}), "w");
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  Var<double> b = tape.variable(values({1.0, 1.0}), false);
  sum(apply_function(Hypot{}, w, b)).backward();
  CHECK(w.grad()[0] == Approx(2.0 / std::sqrt(5.0)));
  CHECK(w.grad()[1] == Approx(-1.0 / std::sqrt(2.0)));
}

}  // namespace file_core_function_test
