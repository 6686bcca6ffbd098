// layer_norm and batch_norm against their definitions evaluated with plain loops in double: the
// statistics, y = x̂·w + b, and the gradients dx = r·(ĝ − mean ĝ − x̂·mean(ĝ ⊙ x̂)) (batch
// statistics) or dx = r·ĝ (running statistics, eval), dw = Σ g ⊙ x̂, db = Σ g; and batch_norm's
// update of the running statistics, r = (1 − momentum)·r + momentum·statistic with the unbiased
// variance. In float and in double.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "analytic_support.hpp"

namespace file_ops_analytic_normalization_test {  // the file's own scope: the test programs are
                                                  // unity builds

using namespace tapegrad;
using namespace tapegrad::analytic;
using std::vector;

namespace {

// Sums over cancelling terms: float is held to its precision relative to the terms.
template <class T>
Tolerance loose() {
  return std::is_same_v<T, float> ? Tolerance{2e-5, 2e-5} : Tolerance{1e-11, 1e-12};
}

// What a normalisation gives: y and the gradients of Σ g ⊙ y.
struct Expected {
  vector<double> y, dx, dw, db;
};

// The normalisation of x by groups: group_of(i) says which statistics element i uses, channel_of(i)
// which weight and bias. Batch statistics (of the group) unless `fixed_mean` is given.
template <class Group, class Channel>
Expected by_definition(const vector<double>& x, const vector<double>& g, const vector<double>& w,
                       const vector<double>& b, std::size_t groups, Group group_of,
                       Channel channel_of, double eps, const vector<double>* fixed_mean = nullptr,
                       const vector<double>* fixed_var = nullptr) {
  const std::size_t n = x.size();
  vector<double> mean(groups, 0), var(groups, 0), count(groups, 0);
  for (std::size_t i = 0; i < n; ++i) {
    mean[group_of(i)] += x[i];
    count[group_of(i)] += 1;
  }
  for (std::size_t k = 0; k < groups; ++k) mean[k] /= count[k];
  for (std::size_t i = 0; i < n; ++i) var[group_of(i)] += std::pow(x[i] - mean[group_of(i)], 2);
  for (std::size_t k = 0; k < groups; ++k) var[k] /= count[k];  // biased
  if (fixed_mean != nullptr) {  // eval: the running statistics instead
    mean = *fixed_mean;
    var = *fixed_var;
  }

  Expected e{vector<double>(n), vector<double>(n), vector<double>(w.size(), 0),
             vector<double>(b.size(), 0)};
  vector<double> xhat(n), ghat(n), mean_g(groups, 0), mean_gx(groups, 0);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t k = group_of(i), c = channel_of(i);
    xhat[i] = (x[i] - mean[k]) / std::sqrt(var[k] + eps);
    e.y[i] = xhat[i] * (w.empty() ? 1 : w[c]) + (b.empty() ? 0 : b[c]);
    ghat[i] = g[i] * (w.empty() ? 1 : w[c]);
    mean_g[k] += ghat[i] / count[k];
    mean_gx[k] += ghat[i] * xhat[i] / count[k];
    if (!w.empty()) e.dw[c] += g[i] * xhat[i];
    if (!b.empty()) e.db[c] += g[i];
  }
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t k = group_of(i);
    const double r = 1 / std::sqrt(var[k] + eps);
    e.dx[i] =
        fixed_mean != nullptr ? r * ghat[i] : r * (ghat[i] - mean_g[k] - xhat[i] * mean_gx[k]);
  }
  return e;
}

// Leaves for x, w and b (w and b left out where empty), the call, then backward with seed g.
template <class T, class F>
void check(const Shape& xs, const vector<double>& x, const vector<double>& w,
           const vector<double>& b, const vector<double>& g, const Shape& ws, F call,
           const Expected& e) {
  Tape<T> tape;
  TapeGuard<T> guard(tape);
  const Var<T> vx = tape.variable(tensor_of<T>(xs, x), true);
  const Var<T> vw = w.empty() ? Var<T>() : tape.variable(tensor_of<T>(ws, w), true);
  const Var<T> vb = b.empty() ? Var<T>() : tape.variable(tensor_of<T>(ws, b), true);
  const Var<T> y = call(vx, vw, vb);
  REQUIRE(y.shape() == xs);
  tape.backward(y, tensor_of<T>(xs, g));
  expect_close(y.data(), e.y, loose<T>());
  expect_close(vx.grad(), e.dx, loose<T>());
  if (!w.empty()) expect_close(vw.grad(), e.dw, loose<T>());
  if (!b.empty()) expect_close(vb.grad(), e.db, loose<T>());
}

}  // namespace

TEMPLATE_TEST_CASE("layer_norm standardises each row and differentiates as its definition",
                   "[ops][analytic][layer_norm]", float, double) {
  using T = TestType;
  // x [3,4] over its last axis, with weight and bias [4]: row i, column j.
  const vector<double> x = values(12, 0.3), w = values(4, 1.1), b = values(4, 2.2);
  const vector<double> g = seed_values(12);
  const auto row = [](std::size_t i) { return i / 4; };
  const auto column = [](std::size_t i) { return i % 4; };
  check<T>(
      Shape{3, 4}, x, w, b, g, Shape{4},
      [](auto& vx, auto& vw, auto& vb) { return layer_norm(vx, Shape{4}, vw, vb); },
      by_definition(x, g, w, b, 3, row, column, 1e-5));
  // eps 0.5 instead of 1e-5, weight only.
  check<T>(
      Shape{3, 4}, x, w, {}, g, Shape{4},
      [](auto& vx, auto& vw, auto&) { return layer_norm(vx, Shape{4}, vw, {}, 0.5); },
      by_definition(x, g, w, {}, 3, row, column, 0.5));
}

TEMPLATE_TEST_CASE("layer_norm over several trailing axes takes the statistics of each slice",
                   "[ops][analytic][layer_norm]", float, double) {
  using T = TestType;
  // x [2,3,4] over [3,4]: slice i / 12; bias only, of shape [3,4].
  const vector<double> x = values(24, 0.7), b = values(12, 1.9), g = seed_values(24);
  check<T>(
      Shape{2, 3, 4}, x, {}, b, g, Shape{3, 4},
      [](auto& vx, auto&, auto& vb) {
        return layer_norm(vx, Shape{3, 4}, {}, vb);
      },
      by_definition(
          x, g, {}, b, 2, [](std::size_t i) { return i / 12; },
          [](std::size_t i) { return i % 12; }, 1e-5));
  // And over the whole tensor, without weight or bias.
  check<T>(
      Shape{2, 3, 4}, x, {}, {}, g, Shape{},
      [](auto& vx, auto&, auto&) {
        return layer_norm(vx, Shape{2, 3, 4});
      },
      by_definition(
          x, g, {}, {}, 1, [](std::size_t) { return 0; }, [](std::size_t) { return 0; }, 1e-5));
}

TEMPLATE_TEST_CASE("batch_norm in training standardises each channel over the batch and space",
                   "[ops][analytic][batch_norm]", float, double) {
  using T = TestType;
  // x [4,3,2] (N, C, L): element (n, c, l) is at (n·3 + c)·2 + l, its channel (i / 2) % 3.
  const vector<double> x = values(24, 0.1), w = values(3, 0.9), b = values(3, 2.5);
  const vector<double> g = seed_values(24);
  const auto channel = [](std::size_t i) { return (i / 2) % 3; };
  check<T>(
      Shape{4, 3, 2}, x, w, b, g, Shape{3},
      [](auto& vx, auto& vw, auto& vb) { return batch_norm(vx, nullptr, nullptr, vw, vb, true); },
      by_definition(x, g, w, b, 3, channel, channel, 1e-5));
  // [N, C, H, W] = [2,2,2,3], no weight or bias: channel (i / 6) % 2.
  const vector<double> x4 = values(24, 2.3);
  const auto channel4 = [](std::size_t i) { return (i / 6) % 2; };
  check<T>(
      Shape{2, 2, 2, 3}, x4, {}, {}, g, Shape{2},
      [](auto& vx, auto&, auto&) { return batch_norm(vx, nullptr, nullptr, {}, {}, true); },
      by_definition(x4, g, {}, {}, 2, channel4, channel4, 1e-5));
}

TEMPLATE_TEST_CASE(
    "batch_norm in eval normalises with the running statistics, which get no "
    "gradient and stay as they were",
    "[ops][analytic][batch_norm]", float, double) {
  using T = TestType;
  // x [3,2] (N, C): channel i % 2.
  const vector<double> x = values(6, 0.4), w = values(2, 1.3), b = values(2, 0.2);
  const vector<double> g = seed_values(6), mean = {0.25, -0.5}, var = {0.75, 1.5};
  Tensor<T> running_mean = tensor_of<T>(Shape{2}, mean), running_var = tensor_of<T>(Shape{2}, var);
  const auto channel = [](std::size_t i) { return i % 2; };
  check<T>(
      Shape{3, 2}, x, w, b, g, Shape{2},
      [&](auto& vx, auto& vw, auto& vb) {
        return batch_norm(vx, &running_mean, &running_var, vw, vb, false);
      },
      by_definition(x, g, w, b, 2, channel, channel, 1e-5, &mean, &var));
  expect_close(std::span<const T>(running_mean.values()), mean, tolerance<double>());
  expect_close(std::span<const T>(running_var.values()), var, tolerance<double>());
}

TEMPLATE_TEST_CASE(
    "batch_norm in training moves the running statistics towards the batch's, "
    "with the unbiased variance",
    "[ops][analytic][batch_norm]", float, double) {
  using T = TestType;
  // x [3,2,2] (N, C, L): 6 values per channel, channel (i / 2) % 2.
  const vector<double> x = values(12, 1.7);
  vector<double> mean = {0.5, -0.25}, var = {1.0, 2.0};
  Tensor<T> running_mean = tensor_of<T>(Shape{2}, mean), running_var = tensor_of<T>(Shape{2}, var);
  // torch's default momentum, then another, compounding; the last without a gradient (a
  // constant input), which moves the statistics just the same.
  for (const auto& [momentum, needs_grad] : {std::pair{0.1, true}, {0.3, true}, {0.1, false}}) {
    Tape<T> tape;
    TapeGuard<T> guard(tape);
    batch_norm(tape.variable(tensor_of<T>(Shape{3, 2, 2}, x), needs_grad), &running_mean,
               &running_var, {}, {}, true, momentum);
    for (std::size_t c = 0; c < 2; ++c) {
      double m = 0, s = 0;
      for (std::size_t i = 0; i < 12; ++i)
        if ((i / 2) % 2 == c) m += x[i] / 6;
      for (std::size_t i = 0; i < 12; ++i)
        if ((i / 2) % 2 == c) s += (x[i] - m) * (x[i] - m) / 5;  // unbiased: n − 1 = 5
      mean[c] = (1 - momentum) * mean[c] + momentum * m;
      var[c] = (1 - momentum) * var[c] + momentum * s;
    }
    INFO("momentum " << momentum);
    expect_close(std::span<const T>(running_mean.values()), mean);
    expect_close(std::span<const T>(running_var.values()), var);
  }
}

namespace {

// batch_norm (training, running statistics, weight) then layer_norm over [5,5] (weight) of x
// [16,4,5,5]: the values, the gradients and the running variance.
template <class T>
vector<vector<double>> two_normalisations() {
  Tape<T> tape;
  TapeGuard<T> guard(tape);
  const Var<T> x = tape.variable(tensor_of<T>(Shape{16, 4, 5, 5}, values(1600, 0.2)), true);
  const Var<T> bn_w = tape.variable(tensor_of<T>(Shape{4}, values(4, 3.0)), true);
  const Var<T> ln_w = tape.variable(tensor_of<T>(Shape{5, 5}, values(25, 1.0)), true);
  Tensor<T> mean(Shape{4}), var = Tensor<T>::full(Shape{4}, T(1));
  const Var<T> y = layer_norm(batch_norm(x, &mean, &var, bn_w, {}, true), Shape{5, 5}, ln_w);
  tape.backward(y, tensor_of<T>(y.shape(), seed_values(1600)));
  const auto list = [](auto span) { return vector<double>(span.begin(), span.end()); };
  return {list(y.data()), list(x.grad()), list(bn_w.grad()), list(ln_w.grad()), list(var.values())};
}

}  // namespace

TEST_CASE("layer_norm and batch_norm on larger inputs give the same in float as in double",
          "[ops][float][layer_norm][batch_norm]") {
  const vector<vector<double>> f = two_normalisations<float>(), d = two_normalisations<double>();
  for (std::size_t k = 0; k < d.size(); ++k) {
    INFO("result " << k << " (y, dx, dw of batch_norm, dw of layer_norm, running variance)");
    expect_close(std::span<const double>(f[k]), d[k], Tolerance{1e-4, 1e-5});
  }
}

}  // namespace file_ops_analytic_normalization_test
