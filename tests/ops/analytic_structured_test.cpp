// The reductions, shape ops, indexing, batched products and losses against derivatives worked out
// by hand, on small inputs whose answers the comments derive.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <vector>

#include "core.hpp"

namespace file_ops_analytic_structured_test {  // the file's own scope: the test programs are unity
                                               // builds

using namespace tapegrad;
using std::vector;

namespace {

auto near(const vector<double>& expected) {
  return Catch::Matchers::Approx(expected);
}

// The gradient of Σ seed ⊙ f(x) with respect to x, and f(x).
struct Run {
  vector<double> y, dx;
};
template <class F>
Run run(const Tensor<double>& x, F f, const vector<double>& seed = {}) {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  const Var<double> a = tape.variable(x, true);
  const Var<double> y = f(a);
  Tensor<double> s = Tensor<double>::full(y.shape(), 1.0);
  for (std::size_t i = 0; i < seed.size(); ++i) s[i] = seed[i];
  y.backward(s);
  return {vector<double>(y.data().begin(), y.data().end()), a.grad_tensor().values()};
}

}  // namespace

TEST_CASE("sum and mean over axes give each element the gradient of its sum", "[ops][analytic]") {
  const Tensor<double> x({2, 3}, {1, 2, 3, 4, 5, 6});
  // Σ over axis 0: [5, 7, 9]; with seed [1, 2, 3], ∂/∂x_ij = seed_j.
  const Run s = run(x, [](auto& a) { return sum(a, 0); }, {1, 2, 3});
  CHECK_THAT(s.y, near(vector<double>{5, 7, 9}));
  CHECK_THAT(s.dx, near(vector<double>{1, 2, 3, 1, 2, 3}));
  // mean over axis 1, kept: [[2], [5]]; ∂/∂x_ij = seed_i / 3.
  const Run m = run(x, [](auto& a) { return mean(a, 1, true); }, {3, 6});
  CHECK_THAT(m.y, near(vector<double>{2, 5}));
  CHECK_THAT(m.dx, near(vector<double>{1, 1, 1, 2, 2, 2}));
}

TEST_CASE("amax shares the gradient among ties, max along an axis gives it to the first",
          "[ops][analytic]") {
  const Tensor<double> x({2, 3}, {1, 3, 3, 2, 0, 2});
  const Run shared = run(x, [](auto& a) { return amax(a, 1); });
  CHECK_THAT(shared.y, near(vector<double>{3, 2}));
  CHECK_THAT(shared.dx, near(vector<double>{0, 0.5, 0.5, 0.5, 0, 0.5}));
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  const Var<double> a = tape.variable(x, true);
  const ValuesIndices<double> m = max(a, 1);
  CHECK(m.indices.values()[0] == 1);  // the first of the tied 3s
  CHECK(m.indices.values()[1] == 0);
  sum(m.values).backward();
  CHECK_THAT(a.grad_tensor().values(), near(vector<double>{0, 1, 0, 1, 0, 0}));
  CHECK(argmin(a).values()[0] == 4);  // the flat index of the 0
}

TEST_CASE("softmax and logsumexp differentiate to the softmax Jacobian and the softmax",
          "[ops][analytic]") {
  const Tensor<double> x({3}, {0.5, -1, 2});
  double z = 0;
  for (double v : x.values()) z += std::exp(v);
  vector<double> p;
  for (double v : x.values()) p.push_back(std::exp(v) / z);
  // ∂(Σ_k c_k y_k)/∂x_i = y_i(c_i − Σ_k c_k y_k) for y = softmax(x).
  const vector<double> c = {1, -2, 0.5};
  const double cy = c[0] * p[0] + c[1] * p[1] + c[2] * p[2];
  const Run s = run(
      x, [](auto& a) { return softmax(a, 0); }, c);
  CHECK_THAT(s.y, near(p));
  CHECK_THAT(s.dx,
             near(vector<double>{p[0] * (c[0] - cy), p[1] * (c[1] - cy), p[2] * (c[2] - cy)}));
  const Run l = run(x, [](auto& a) { return logsumexp(a); });
  CHECK(l.y[0] == Approx(std::log(z)));
  CHECK_THAT(l.dx, near(p));  // ∂ log Σ e^x/∂x_i = softmax_i
}

TEST_CASE("var, std and the norms differentiate as their formulas say", "[ops][analytic]") {
  const Tensor<double> x({4}, {1, 2, 4, -3});
  const double mean = 1, n = 4;  // Σ(x − 1)² = 0 + 1 + 9 + 16 = 26
  const Run v = run(x, [](auto& a) { return var(a); });
  CHECK(v.y[0] == Approx(26 / (n - 1)));
  for (std::size_t i = 0; i < 4; ++i) CHECK(v.dx[i] == Approx(2 * (x[i] - mean) / (n - 1)));
  const Run s = run(x, [](auto& a) { return tapegrad::std(a, {}, 0); });
  CHECK(s.y[0] == Approx(std::sqrt(26 / n)));
  for (std::size_t i = 0; i < 4; ++i) CHECK(s.dx[i] == Approx((x[i] - mean) / (n * s.y[0])));
  const Run two = run(x, [](auto& a) { return norm(a); });  // ‖x‖₂ = √30, ∂/∂x = x/‖x‖
  CHECK(two.y[0] == Approx(std::sqrt(30.0)));
  for (std::size_t i = 0; i < 4; ++i) CHECK(two.dx[i] == Approx(x[i] / std::sqrt(30.0)));
  const Run inf = run(x, [](auto& a) { return norm(a, std::numeric_limits<double>::infinity()); });
  CHECK(inf.y[0] == 4);
  CHECK_THAT(inf.dx, near(vector<double>{0, 0, 1, 0}));
}

TEST_CASE("shape ops move the gradient back to where each element came from", "[ops][analytic]") {
  const Tensor<double> x({2, 3}, {0, 1, 2, 3, 4, 5});
  // permute to [3,2] (the transpose): y_ji = x_ij; seed s_ji lands on x_ij.
  const Run p = run(x, [](auto& a) { return permute(a, {1, 0}); }, {10, 20, 30, 40, 50, 60});
  CHECK_THAT(p.y, near(vector<double>{0, 3, 1, 4, 2, 5}));
  CHECK_THAT(p.dx, near(vector<double>{10, 30, 50, 20, 40, 60}));
  // x[:, ::2]: columns 0 and 2; the others get 0.
  const Run sl = run(x, [](auto& a) { return slice(a, 1, 0, 3, 2); }, {1, 2, 3, 4});
  CHECK_THAT(sl.y, near(vector<double>{0, 2, 3, 5}));
  CHECK_THAT(sl.dx, near(vector<double>{1, 0, 2, 3, 0, 4}));
  // rows 1, 1, 0: row 1 is picked twice and gets both seeds.
  const Run is = run(x, [](auto& a) { return index_select(a, 0, IndexTensor({3}, {1, 1, 0})); });
  CHECK_THAT(is.dx, near(vector<double>{1, 1, 1, 2, 2, 2}));
  // gather along axis 1 with index [[2, 2], [0, 1]]: x_02 twice, then x_10 and x_11.
  const Run g = run(x, [](auto& a) { return gather(a, 1, IndexTensor({2, 2}, {2, 2, 0, 1})); });
  CHECK_THAT(g.y, near(vector<double>{2, 2, 3, 4}));
  CHECK_THAT(g.dx, near(vector<double>{0, 0, 2, 1, 1, 0}));
  // cat(x, x[0:1]) along axis 0: row 0 appears twice.
  const Run c = run(x, [](auto& a) { return cat({a, slice(a, 0, 0, 1)}, 0); });
  CHECK_THAT(c.dx, near(vector<double>{2, 2, 2, 1, 1, 1}));
}

TEST_CASE("batched matmul: dA = G·Bᵀ per batch, summed over broadcast batch axes",
          "[ops][analytic]") {
  // A [2,1,2] (two 1×2 rows), B [2,1] shared by both batches: C_b = A_b·B.
  const Tensor<double> a({2, 1, 2}, {1, 2, 3, 4}), b({2, 1}, {5, -1});
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  const Var<double> av = tape.variable(a, true), bv = tape.variable(b, true);
  const Var<double> c = matmul(av, bv);
  CHECK(c.shape() == Shape{2, 1, 1});
  CHECK_THAT(c.to_tensor().values(), near(vector<double>{3, 11}));
  c.backward(Tensor<double>({2, 1, 1}, {1, 10}));
  // dA_b = g_b·Bᵀ: [5, −1] and [50, −10]; dB = Σ_b A_bᵀ g_b = [1·1 + 3·10, 2·1 + 4·10].
  CHECK_THAT(av.grad_tensor().values(), near(vector<double>{5, -1, 50, -10}));
  CHECK_THAT(bv.grad_tensor().values(), near(vector<double>{31, 42}));
}

TEST_CASE("losses differentiate to their textbook gradients", "[ops][analytic]") {
  // cross_entropy over 2 rows: (softmax − one-hot)/2.
  const Tensor<double> logits({2, 3}, {1, 2, 0, 0, 0, 0});
  const Run ce = run(logits, [](auto& a) { return cross_entropy(a, IndexTensor({2}, {1, 2})); });
  const double z = std::exp(1.0) + std::exp(2.0) + 1;
  const vector<double> p0 = {std::exp(1.0) / z, std::exp(2.0) / z, 1 / z};
  CHECK(ce.y[0] == Approx((-std::log(p0[1]) - std::log(1.0 / 3)) / 2));
  CHECK_THAT(ce.dx, near(vector<double>{p0[0] / 2, (p0[1] - 1) / 2, p0[2] / 2, 1.0 / 6, 1.0 / 6,
                                        (1.0 / 3 - 1) / 2}));
  // binary cross entropy with logits, sum: ∂/∂x = σ(x) − y.
  const Tensor<double> x({2}, {0.5, -2});
  const Tensor<double> y({2}, {1, 0.25});
  const Run bce = run(x, [&](auto& a) {
    return binary_cross_entropy_with_logits(a, Var<double>(y), Reduction::kSum);
  });
  CHECK(bce.dx[0] == Approx(1 / (1 + std::exp(-0.5)) - 1));
  CHECK(bce.dx[1] == Approx(1 / (1 + std::exp(2.0)) - 0.25));
  // huber (delta 1), sum: d inside, sgn(d) outside.
  const Run h = run(Tensor<double>({3}, {0.5, -3, 2}), [](auto& a) {
    return huber_loss(a, Var<double>(Tensor<double>({3})), Reduction::kSum);
  });
  CHECK(h.y[0] == Approx(0.125 + 2.5 + 1.5));
  CHECK_THAT(h.dx, near(vector<double>{0.5, -1, 1}));
  // l1, mean over 2: sgn(ŷ − y)/2.
  const Run l1 = run(x, [](auto& a) {
    return l1_loss(a, Var<double>(Tensor<double>({2}, {1, -3})));
  });
  CHECK_THAT(l1.dx, near(vector<double>{-0.5, 0.5}));
}

TEST_CASE("where sends the gradient to the input it picked", "[ops][analytic]") {
  const Tensor<double> x({3}, {1, -2, 3});
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  const Var<double> a = tape.variable(x, true);
  const Var<double> b = tape.variable(Tensor<double>({3}, {10, 20, 30}), true);
  const Var<double> y = where(a > 0, a, b);
  CHECK_THAT(y.to_tensor().values(), near(vector<double>{1, 20, 3}));
  y.backward(Tensor<double>({3}, {1, 2, 3}));
  CHECK_THAT(a.grad_tensor().values(), near(vector<double>{1, 0, 3}));
  CHECK_THAT(b.grad_tensor().values(), near(vector<double>{0, 2, 0}));
}

}  // namespace file_ops_analytic_structured_test
