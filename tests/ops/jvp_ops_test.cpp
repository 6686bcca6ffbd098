// Forward mode (graph/higher_order.hpp): every op's jvp against its vector-Jacobian product,
// ⟨u, J v⟩ = ⟨Jᵀ u, v⟩ for random u and v, through the op catalog; against central differences
// for the whole seed network; and the check shown failing on a planted wrong jvp.
#include <catch2/catch.hpp>
#include <cmath>

#include "graph/higher_order.hpp"
#include "graph/op.hpp"
#include "graph/random.hpp"
#include "ops/catalog.hpp"
#include "ops/ops.hpp"
#include "random_inputs.hpp"

namespace file_ops_jvp_ops_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad;

namespace {

using Function = std::function<Var<double>(std::span<const Var<double>>)>;

double dot(const Tensor<double>& a, const Tensor<double>& b) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += a.values()[i] * b.values()[i];
  return s;
}

struct Adjoint {
  double forward = 0;   // ⟨u, J v⟩ by jvp
  double backward = 0;  // Σ_k ⟨(Jᵀ u)_k, v_k⟩ by the reverse pass
  double scale = 0;     // Σ |terms|, for the rounding tolerance
};

// Both sides of the adjoint identity for f at x, with u and v drawn from `rng`.
Adjoint adjoint_sides(const Function& f, const std::vector<Tensor<double>>& x,
                      std::mt19937_64& rng) {
  std::uniform_real_distribution<double> uniform(-1, 1);
  std::vector<Tensor<double>> v;
  for (const Tensor<double>& t : x) {
    Tensor<double> r(t.shape());
    for (double& e : r.values()) e = uniform(rng);
    v.push_back(std::move(r));
  }
  const JvpResult<double> forward = jvp<double>(f, x, v);
  Tensor<double> u(forward.tangent.shape());
  for (double& e : u.values()) e = uniform(rng);

  Tape<double> tape;
  TapeGuard<double> guard(tape);
  std::vector<Var<double>> vars;
  for (const Tensor<double>& t : x) vars.push_back(tape.variable(t, true));
  const std::vector<Var<double>> vjp =
      grad(f(vars), std::span<const Var<double>>(vars), {}, Var<double>(u));
  Adjoint a;
  a.forward = dot(u, forward.tangent);
  for (std::size_t i = 0; i < u.size(); ++i)
    a.scale += std::abs(u.values()[i] * forward.tangent.values()[i]);
  for (std::size_t k = 0; k < x.size(); ++k) {
    const Tensor<double> g = vjp[k].to_tensor();
    a.backward += dot(g, v[k]);
    for (std::size_t i = 0; i < g.size(); ++i)
      a.scale += std::abs(g.values()[i] * v[k].values()[i]);
  }
  return a;
}

// sigmoid with a jvp that forgets the (1 − z) factor.
class WrongJvpSigmoidNode final : public Node<double> {
 public:
  std::string_view name() const override { return "wrong_jvp_sigmoid"; }
  std::string derivative(std::size_t) const override { return "{y}(1−{y})"; }
  void backward(const BackwardContext<double>& ctx) const override {
    const Value<double>& z = output();
    double* ga = ctx.input_grad(0, z.shape);
    for (std::size_t i = 0; i < z.size(); ++i)
      ga[i] += ctx.grad_output()[i] * z.data[i] * (1 - z.data[i]);
  }
  void jvp(const JvpContext<double>& ctx) const override {
    const Value<double>& z = output();
    if (const double* ta = ctx.input_tangent(0))
      for (std::size_t i = 0; i < z.size(); ++i) ctx.output_tangent()[i] += z.data[i] * ta[i];
  }
};

Var<double> wrong_jvp_sigmoid(const Var<double>& a) {
  Op<double> op("wrong_jvp_sigmoid", a);
  double* z = op.output(op.input(0).shape);
  for (std::size_t i = 0; i < op.input(0).size(); ++i)
    z[i] = 1 / (1 + std::exp(-op.input(0).data[i]));
  return op.finish<WrongJvpSigmoidNode>();
}

}  // namespace

TEST_CASE("every op's jvp agrees with its vjp: ⟨u, J v⟩ = ⟨Jᵀ u, v⟩", "[ops][jvp]") {
  std::mt19937_64 rng(2028);
  for (const OpCase<double>& c : op_catalog<double>()) {
    for (int trial = 0; trial < 3; ++trial) {
      std::vector<Tensor<double>> inputs;
      for (std::size_t k = 0; k < c.inputs.size(); ++k) inputs.push_back(catalog_input(c, k, rng));
      const Adjoint a = adjoint_sides(c.call, inputs, rng);
      INFO(c.op << ": " << c.description << " (trial " << trial << "): ⟨u, Jv⟩ = " << a.forward
                << ", ⟨Jᵀu, v⟩ = " << a.backward);
      CHECK(std::abs(a.forward - a.backward) <= 1e-12 * std::max(a.scale, 1e-300));
    }
  }
}

TEST_CASE("the adjoint check fails on a planted wrong jvp", "[ops][jvp]") {
  std::mt19937_64 rng(7);
  const std::vector<Tensor<double>> x{Tensor<double>({3}, {0.4, -1.1, 0.8})};
  const Adjoint bad =
      adjoint_sides([](std::span<const Var<double>> v) { return wrong_jvp_sigmoid(v[0]); }, x, rng);
  CHECK(std::abs(bad.forward - bad.backward) > 1e-3 * bad.scale);
  const Adjoint good =
      adjoint_sides([](std::span<const Var<double>> v) { return sigmoid(v[0]); }, x, rng);
  CHECK(std::abs(good.forward - good.backward) <= 1e-12 * good.scale);
}

TEST_CASE("jvp through a whole MLP equals central differences along v", "[ops][jvp]") {
  Generator generator(3);
  const Tensor<double> W = uniform_tensor({4, 3}, -1.0, 1.0, generator);
  const Tensor<double> V = uniform_tensor({1, 4}, -1.0, 1.0, generator);
  const Tensor<double> x = uniform_tensor({5, 3}, -1.0, 1.0, generator);
  const Tensor<double> y = uniform_tensor({5, 1}, -1.0, 1.0, generator);
  const Tensor<double> dW = uniform_tensor({4, 3}, -1.0, 1.0, generator);
  const auto E = [&](const Var<double>& w) { return sse_loss(linear(tanh(linear(x, w)), V), y); };
  const JvpResult<double> r = jvp<double>(E, W, dW);
  const auto at = [&](double t) {
    Tensor<double> w = W;
    for (std::size_t i = 0; i < w.size(); ++i) w.values()[i] += t * dW.values()[i];
    Tape<double> tape;
    TapeGuard<double> guard(tape);
    return E(Var<double>(w)).item();
  };
  const double h = 1e-5, numeric = (at(h) - at(-h)) / (2 * h);
  CHECK(r.value.values()[0] == Approx(at(0)).epsilon(1e-14));
  CHECK(r.tangent.values()[0] == Approx(numeric).epsilon(1e-8));
  CHECK_THROWS_AS(jvp<double>(E, W, Tensor<double>({3})), ShapeError);
}

}  // namespace file_ops_jvp_ops_test
