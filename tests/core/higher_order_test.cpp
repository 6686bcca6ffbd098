// Gradients of gradients (graph/higher_order.hpp): the seed network's Hessians against the
// hand-derived formulas, a third derivative of sigmoid against its closed form, hvp against the
// Hessian, Jacobians, and grad()'s contract.
#include <catch2/catch.hpp>
#include <cmath>

#include "../support/wrong_sigmoid.hpp"
#include "graph/higher_order.hpp"
#include "graph/random.hpp"
#include "models/seed/seed_network.hpp"
#include "ops/ops.hpp"

namespace file_core_higher_order_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad;

namespace {

// The seed network (d = 3, H = 4) and one example; z_h and ŷ computed by hand.
struct Seed {
  Generator generator{5};
  SeedNetwork<double> net{3, 4, &generator};
  Tensor<double> x = uniform_tensor({3}, -1.0, 1.0, generator);
  double y = 0.3;
  std::vector<double> z;  // z_1..z_H at index h − 1
  double yhat = 0;

  Seed() {
    const auto W = net.hidden_weight().value().values(), w0 = net.hidden_bias().value().values();
    const auto v = net.output_weight().value().values();
    yhat = net.output_bias().value().values()[0];
    for (std::size_t h = 0; h < 4; ++h) {
      double a = w0[h];
      for (std::size_t j = 0; j < 3; ++j) a += W[h * 3 + j] * x.values()[j];
      z.push_back(1 / (1 + std::exp(-a)));
      yhat += v[h] * z.back();
    }
  }
  // E as a function of the output layer's weights V [1,H] (the rest fixed).
  Var<double> loss_of_v(const Var<double>& V) const {
    const Var<double> zv = sigmoid(linear(x, net.hidden_weight(), net.hidden_bias()));
    return sse_loss(linear(zv, V, net.output_bias()), Tensor<double>({1}, {y}));
  }
  // E as a function of the hidden weights W [H,d].
  Var<double> loss_of_w(const Var<double>& W) const {
    const Var<double> zv = sigmoid(linear(x, W, net.hidden_bias()));
    return sse_loss(linear(zv, net.output_weight(), net.output_bias()), Tensor<double>({1}, {y}));
  }
};

bool close(double a, double b, double rtol = 1e-12, double atol = 1e-15) {
  return std::abs(a - b) <= atol + rtol * std::max(std::abs(a), std::abs(b));
}

}  // namespace

TEST_CASE("Hessian of the seed network's E with respect to v is z zᵀ, with z_0 = 1 for v_0",
          "[core][higher_order]") {
  // E = ½(y − ŷ)², ŷ = Σ_h v_h z_h + v_0: ∂E/∂v_h = −(y − ŷ) z_h, and since ŷ is linear in v,
  // ∂²E/∂v_h∂v_k = z_h z_k (z_0 = 1): no other term.
  const Seed s;
  const Tensor<double> H = hessian<double>([&](const Var<double>& V) { return s.loss_of_v(V); },
                                           s.net.output_weight().value());
  REQUIRE(H.shape().str() == "[4,4]");
  for (std::size_t h = 0; h < 4; ++h)
    for (std::size_t k = 0; k < 4; ++k) {
      INFO("h = " << h + 1 << ", k = " << k + 1);
      CHECK(close(H.values()[h * 4 + k], s.z[h] * s.z[k]));
    }

  // The row of v_0: ∂²E/∂v_0² = 1 and ∂²E/∂v_0∂v_h = z_h, through grad twice.
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  const Var<double> b = tape.variable(s.net.output_bias().value(), true);
  const Var<double> V = tape.variable(s.net.output_weight().value(), true);
  const Var<double> zv = sigmoid(linear(s.x, s.net.hidden_weight(), s.net.hidden_bias()));
  const Var<double> E = sse_loss(linear(zv, V, b), Tensor<double>({1}, {s.y}));
  const Var<double> dE_db = grad(E, {b}, {.create_graph = true})[0];
  const std::vector<Var<double>> second = grad(dE_db, {b, V});
  CHECK(close(second[0].item(), 1.0));                                            // z_0 z_0
  for (std::size_t h = 0; h < 4; ++h) CHECK(close(second[1].data()[h], s.z[h]));  // z_0 z_h
}

TEST_CASE("Hessian of E with respect to the hidden weights matches the hand-derived formula",
          "[core][higher_order]") {
  // With σ' = z(1 − z) and σ'' = z(1 − z)(1 − 2z) at a_h, and r = y − ŷ:
  //   ∂E/∂w_hj = −r v_h σ'_h x_j.
  // Differentiating again with respect to w_ki (∂r/∂w_ki = −v_k σ'_k x_i, ∂σ'_h/∂w_ki = 0 for
  // k ≠ h and σ''_h x_i for k = h):
  //   ∂²E/∂w_hj∂w_ki = v_h σ'_h x_j · v_k σ'_k x_i − [h = k] r v_h σ''_h x_i x_j.
  const Seed s;
  const Tensor<double> H = hessian<double>([&](const Var<double>& W) { return s.loss_of_w(W); },
                                           s.net.hidden_weight().value());
  REQUIRE(H.shape().str() == "[12,12]");
  const auto v = s.net.output_weight().value().values();
  const auto x = s.x.values();
  const double r = s.y - s.yhat;
  for (std::size_t h = 0; h < 4; ++h)
    for (std::size_t j = 0; j < 3; ++j)
      for (std::size_t k = 0; k < 4; ++k)
        for (std::size_t i = 0; i < 3; ++i) {
          const double dz_h = s.z[h] * (1 - s.z[h]), dz_k = s.z[k] * (1 - s.z[k]);
          double want = v[h] * dz_h * x[j] * v[k] * dz_k * x[i];
          if (h == k) want -= r * v[h] * dz_h * (1 - 2 * s.z[h]) * x[i] * x[j];
          INFO("w_" << h + 1 << j + 1 << ", w_" << k + 1 << i + 1);
          CHECK(close(H.values()[(h * 3 + j) * 12 + (k * 3 + i)], want, 1e-12, 1e-16));
        }
}

TEST_CASE("hvp is the Hessian times v", "[core][higher_order]") {
  const Seed s;
  const ScalarFunction<double> f = [&](const Var<double>& W) { return s.loss_of_w(W); };
  const Tensor<double>& W = s.net.hidden_weight().value();
  const Tensor<double> H = hessian<double>(f, W);
  Generator generator(9);
  const Tensor<double> v = uniform_tensor(W.shape(), -1.0, 1.0, generator);
  const Tensor<double> Hv = hvp<double>(f, W, v);
  REQUIRE(Hv.shape() == W.shape());
  for (std::size_t i = 0; i < 12; ++i) {
    double want = 0;
    for (std::size_t j = 0; j < 12; ++j) want += H.values()[i * 12 + j] * v.values()[j];
    CHECK(close(Hv.values()[i], want, 1e-12, 1e-16));
  }
  CHECK_THROWS_AS(hvp<double>(f, W, Tensor<double>({3})), ShapeError);
}

TEST_CASE("the third derivative of sigmoid is σ(1 − σ)(1 − 6σ + 6σ²)", "[core][higher_order]") {
  for (double a : {-2.5, -0.3, 0.0, 0.7, 3.0}) {
    Tape<double> tape;
    TapeGuard<double> guard(tape);
    const Var<double> x = tape.variable(Tensor<double>({1}, {a}), true);
    const Var<double> s = sum(sigmoid(x));
    const Var<double> d1 = grad(s, {x}, {.create_graph = true})[0];
    const Var<double> d2 = grad(sum(d1), {x}, {.create_graph = true})[0];
    const Var<double> d3 = grad(sum(d2), {x})[0];
    const double z = 1 / (1 + std::exp(-a));
    INFO("a = " << a);
    CHECK(close(d1.item(), z * (1 - z)));
    CHECK(close(d2.item(), z * (1 - z) * (1 - 2 * z), 1e-12, 1e-16));
    CHECK(close(d3.item(), z * (1 - z) * (1 - 6 * z + 6 * z * z), 1e-12, 1e-16));
  }
}

TEST_CASE("jacobian: of A·x it is A; of an elementwise sigmoid it is diagonal",
          "[core][higher_order]") {
  const Tensor<double> A({2, 3}, {1, -2, 0.5, 3, 0.25, -1});
  const Tensor<double> x({3}, {0.2, -0.4, 0.9});
  const Tensor<double> J = jacobian<double>([&](const Var<double>& v) { return matmul(A, v); }, x);
  REQUIRE(J.shape().str() == "[2,3]");
  for (std::size_t i = 0; i < 6; ++i) CHECK(J.values()[i] == A.values()[i]);

  const Tensor<double> D = jacobian<double>([](const Var<double>& v) { return sigmoid(v); }, x);
  for (std::size_t i = 0; i < 3; ++i)
    for (std::size_t j = 0; j < 3; ++j) {
      const double z = 1 / (1 + std::exp(-x.values()[i]));
      CHECK(close(D.values()[i * 3 + j], i == j ? z * (1 - z) : 0.0));
    }
}

TEST_CASE(
    "grad: touches no .grad buffer, records nothing without create_graph, zeros for an "
    "unused input",
    "[core][higher_order]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  Parameter<double> p(Tensor<double>({2}, {0.5, -1.5}), "p");
  const Var<double> unused = tape.variable(Tensor<double>({3}, {1, 2, 3}), true);
  const Var<double> E = sum(mul(p, p));
  const std::size_t recorded = tape.size();
  const std::vector<Var<double>> g = grad(E, {Var<double>(p), unused});
  CHECK(tape.size() == recorded);  // values only
  CHECK(g[0].data()[0] == 1.0);    // 2p
  CHECK(g[0].data()[1] == -3.0);
  CHECK_FALSE(g[0].requires_grad());
  CHECK(g[1].shape().str() == "[3]");
  for (double v : g[1].data()) CHECK(v == 0.0);
  for (double v : p.grad().values()) CHECK(v == 0.0);  // backward() was never called

  // create_graph records the reverse pass, and its result can be differentiated.
  const Var<double> g2 = grad(E, {Var<double>(p)}, {.create_graph = true})[0];
  CHECK(tape.size() > recorded);
  CHECK(g2.requires_grad());

  // A grad_output of the wrong shape, and an op that cannot be differentiated twice.
  CHECK_THROWS_AS(grad(E, {Var<double>(p)}, {}, Var<double>(Tensor<double>({2}))), ShapeError);
  const Var<double> w = sum(testing::wrong_sigmoid(p));
  CHECK_THROWS_WITH(grad(w, {Var<double>(p)}, {.create_graph = true}),
                    Catch::Contains("wrong_sigmoid: this op has no vjp"));
  CHECK_NOTHROW(grad(w, {Var<double>(p)}));  // first derivatives still work without it
}

TEST_CASE("grad: the same input twice, the output itself, a parameter as the output",
          "[core][higher_order]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  const Var<double> x = tape.variable(Tensor<double>({2}, {0.5, -2.0}), true);
  const Var<double> E = sum(mul(x, x));
  const std::vector<Var<double>> twice = grad(E, {x, x});
  for (const Var<double>& g : twice) {
    CHECK(g.data()[0] == 1.0);  // 2x
    CHECK(g.data()[1] == -4.0);
  }
  // ∂x/∂x with grad_output g is g itself.
  const Var<double> seed(Tensor<double>({2}, {3.0, 7.0}));
  const Var<double> self = grad(x, {x}, {}, seed)[0];
  CHECK(self.data()[0] == 3.0);
  CHECK(self.data()[1] == 7.0);
  // A parameter as the output: its own gradient is ones; another input's is zeros.
  Parameter<double> p(Tensor<double>({3}, {1, 2, 3}), "p");
  const std::vector<Var<double>> of_p = grad(Var<double>(p), {Var<double>(p), x});
  for (double v : of_p[0].data()) CHECK(v == 1.0);
  for (double v : of_p[1].data()) CHECK(v == 0.0);
}

TEST_CASE("grad refuses an input that needs no gradient; hessian and jvp work inside NoGradGuard",
          "[core][higher_order]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  const Var<double> c = tape.constant(Tensor<double>({2}, {1, 2}));
  const Var<double> x = tape.variable(Tensor<double>({2}, {0.5, -2.0}), true);
  CHECK_THROWS_WITH(grad(sum(mul(c, x)), {x, c}),
                    Catch::Contains("input 1 does not require a gradient"));

  // f(x) = Σ x³: H = diag(6x), J v = 3x²·v. A caller's NoGradGuard must not silence them.
  const NoGradGuard no_grad;
  const Tensor<double> at({2}, {0.5, -2.0});
  const ScalarFunction<double> cube = [](const Var<double>& v) { return sum(mul(mul(v, v), v)); };
  const Tensor<double> H = hessian<double>(cube, at);
  CHECK(close(H.values()[0], 3.0));
  CHECK(H.values()[1] == 0.0);
  CHECK(close(H.values()[3], -12.0));
  const JvpResult<double> t = jvp<double>(cube, at, Tensor<double>({2}, {1.0, 1.0}));
  CHECK(close(t.tangent.values()[0], 3 * 0.25 + 3 * 4.0));
  CHECK_FALSE(GradMode::enabled());  // and the caller's mode is back
}

namespace {

// mul whose vjp forgets its second input.
class ForgetfulMulNode final : public Node<double> {
 public:
  std::string_view name() const override { return "forgetful_mul"; }
  std::string derivative(std::size_t k) const override { return k == 0 ? "{1}" : "{0}"; }
  void backward(const BackwardContext<double>& ctx) const override {
    const double g = ctx.grad_output()[0];
    if (double* ga = ctx.input_grad(0, input(0).shape)) ga[0] += g * input(1).data[0];
    if (double* gb = ctx.input_grad(1, input(1).shape)) gb[0] += g * input(0).data[0];
  }
  void vjp(const VjpContext<double>& ctx) const override {
    ctx.add_input_grad(0, mul(ctx.grad_output(), ctx.input(1)));
  }
};

}  // namespace

TEST_CASE("grad with create_graph names an op whose vjp forgets an input", "[core][higher_order]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  const Var<double> a = tape.variable(Tensor<double>({1}, {2.0}), true);
  const Var<double> b = tape.variable(Tensor<double>({1}, {3.0}), true);
  Op<double> op("forgetful_mul", a, b);
  *op.output(Shape{1}) = 6.0;
  const Var<double> y = op.finish<ForgetfulMulNode>();
  CHECK_NOTHROW(grad(y, {a}, {.create_graph = true}));  // b's gradient is not asked for
  CHECK_THROWS_AS(grad(y, {a, b}, {.create_graph = true}), ContractError);
  CHECK_THROWS_WITH(grad(y, {a, b}, {.create_graph = true}),
                    Catch::Contains("forgetful_mul (op 0 on the tape): vjp gave no "
                                    "gradient for input 1"));
}

}  // namespace file_core_higher_order_test
