// sse_loss and mse_loss against their closed forms, prediction ŷ first and target y second:
// E = ½ Σ (y − ŷ)² with ∂E/∂ŷ = −(y − ŷ) and ∂E/∂y = y − ŷ, and
// M = (1/N) Σ (y − ŷ)² with ∂M/∂ŷ = −2(y − ŷ)/N and ∂M/∂y = 2(y − ŷ)/N; the incoming gradient g
// of the scalar loss scales each. Every case runs in double and in float.
#include "analytic_support.hpp"

namespace file_ops_analytic_losses_test {  // the file's own scope: the test programs are unity
                                           // builds

using namespace tapegrad;
using namespace tapegrad::analytic;

namespace {

struct LossExpectation {
  double value;
  std::vector<double> d_prediction, d_target;
};

// E = ½ Σ r² with r = y − ŷ: ∂E/∂ŷ_i = −r_i, ∂E/∂y_i = r_i, times g.
LossExpectation sse(const std::vector<double>& yhat, const std::vector<double>& y, double g) {
  LossExpectation e{0.0, std::vector<double>(y.size()), std::vector<double>(y.size())};
  for (std::size_t i = 0; i < y.size(); ++i) {
    const double r = y[i] - yhat[i];
    e.value += 0.5 * r * r;
    e.d_prediction[i] = -r * g;  // ∂E/∂ŷ = −(y − ŷ)
    e.d_target[i] = r * g;       // ∂E/∂y = y − ŷ
  }
  return e;
}

// M = (1/N) Σ r²: ∂M/∂ŷ_i = −2r_i/N, ∂M/∂y_i = 2r_i/N, times g.
LossExpectation mse(const std::vector<double>& yhat, const std::vector<double>& y, double g) {
  const double n = static_cast<double>(y.size());
  LossExpectation e{0.0, std::vector<double>(y.size()), std::vector<double>(y.size())};
  for (std::size_t i = 0; i < y.size(); ++i) {
    const double r = y[i] - yhat[i];
    e.value += r * r / n;
    e.d_prediction[i] = -2.0 * r / n * g;  // ∂M/∂ŷ = −2(y − ŷ)/N
    e.d_target[i] = 2.0 * r / n * g;       // ∂M/∂y = 2(y − ŷ)/N
  }
  return e;
}

}  // namespace

TEMPLATE_TEST_CASE("sse_loss is E = ½Σ(y − ŷ)² with ∂E/∂ŷ = −(y − ŷ) and ∂E/∂y = y − ŷ",
                   "[ops][sse_loss]", double, float) {
  using T = TestType;
  for (const Shape& shape : {Shape{3, 2}, Shape{5}, Shape{}}) {
    INFO("ŷ and y are " << shape.str());
    Tape<T> tape;
    TapeGuard<T> guard(tape);
    const std::vector<double> yhat = values(shape.size(), 0.2), y = values(shape.size(), 2.6);
    const double g = 0.875;
    const Var<T> vp = tape.variable(tensor_of<T>(shape, yhat), true);
    const Var<T> vt = tape.variable(tensor_of<T>(shape, y), true);

    const Var<T> loss = sse_loss(vp, vt);
    REQUIRE(loss.shape().str() == "[]");
    tape.backward(loss, Tensor<T>::scalar(static_cast<T>(g)));

    const LossExpectation want = sse(yhat, y, g);
    expect_close(loss.data(), {want.value});
    expect_close(vp.grad(), want.d_prediction);
    expect_close(vt.grad(), want.d_target);
  }
}

TEMPLATE_TEST_CASE("mse_loss is (1/N)Σ(y − ŷ)² with ∂/∂ŷ = −2(y − ŷ)/N and ∂/∂y = 2(y − ŷ)/N",
                   "[ops][mse_loss]", double, float) {
  using T = TestType;
  for (const Shape& shape : {Shape{3, 2}, Shape{5}, Shape{}}) {
    INFO("ŷ and y are " << shape.str());
    Tape<T> tape;
    TapeGuard<T> guard(tape);
    const std::vector<double> yhat = values(shape.size(), 0.2), y = values(shape.size(), 2.6);
    const double g = -1.25;
    const Var<T> vp = tape.variable(tensor_of<T>(shape, yhat), true);
    const Var<T> vt = tape.variable(tensor_of<T>(shape, y), true);

    const Var<T> loss = mse_loss(vp, vt);
    REQUIRE(loss.shape().str() == "[]");
    tape.backward(loss, Tensor<T>::scalar(static_cast<T>(g)));

    const LossExpectation want = mse(yhat, y, g);
    expect_close(loss.data(), {want.value});
    expect_close(vp.grad(), want.d_prediction);
    expect_close(vt.grad(), want.d_target);
  }
}

TEMPLATE_TEST_CASE("sse_loss and mse_loss against constant targets give only ∂/∂ŷ",
                   "[ops][sse_loss][mse_loss]", double, float) {
  using T = TestType;
  const std::vector<double> yhat = values(4, 0.2), y = values(4, 2.6);
  SECTION("sse_loss") {
    Tape<T> tape;
    TapeGuard<T> guard(tape);
    Parameter<T> prediction(tensor_of<T>({4}, yhat), "ŷ");
    const Var<T> target = tape.constant(tensor_of<T>({4}, y));
    sse_loss(prediction, target).backward();
    expect_close(prediction.grad().values(), sse(yhat, y, 1.0).d_prediction);
    CHECK(target.grad().empty());
  }
  SECTION("mse_loss") {
    Tape<T> tape;
    TapeGuard<T> guard(tape);
    Parameter<T> prediction(tensor_of<T>({4}, yhat), "ŷ");
    const Var<T> target = tape.constant(tensor_of<T>({4}, y));
    mse_loss(prediction, target).backward();
    expect_close(prediction.grad().values(), mse(yhat, y, 1.0).d_prediction);
    CHECK(target.grad().empty());
  }
}

TEMPLATE_TEST_CASE("loss(ŷ, y) + ŷ + y sums both paths into ∂/∂ŷ and ∂/∂y",
                   "[ops][sse_loss][mse_loss]", double, float) {
  using T = TestType;
  constexpr std::size_t n = 4;
  const std::vector<double> yhat = values(n, 0.2), y = values(n, 2.6), g = seed_values(n);
  double total_g = 0.0;  // the scalar loss is broadcast over the sum, so its gradient is Σ G
  for (const double gi : g) total_g += gi;

  for (const bool use_mse : {false, true}) {
    INFO((use_mse ? "mse_loss" : "sse_loss"));
    Tape<T> tape;
    TapeGuard<T> guard(tape);
    const Var<T> vp = tape.variable(tensor_of<T>({n}, yhat), true);
    const Var<T> vt = tape.variable(tensor_of<T>({n}, y), true);

    const Var<T> loss = use_mse ? mse_loss(vp, vt) : sse_loss(vp, vt);
    tape.backward(add(add(loss, vp), vt), tensor_of<T>({n}, g));

    const LossExpectation want = use_mse ? mse(yhat, y, total_g) : sse(yhat, y, total_g);
    std::vector<double> dp_want(n), dt_want(n);
    for (std::size_t i = 0; i < n; ++i) {
      dp_want[i] = g[i] + want.d_prediction[i];
      dt_want[i] = g[i] + want.d_target[i];
    }
    expect_close(vp.grad(), dp_want);
    expect_close(vt.grad(), dt_want);
  }
}

TEST_CASE("float reductions over 262,144 elements stay within 1e-6 of the sum in double",
          "[ops][losses][float]") {
  // Summed one by one in float, E drifts by about 4e-5 relative here (seen against libtorch in
  // bench/torch_compare.cpp); tapegrad's reductions add in double.
  const std::size_t n = 262144;
  Generator generator(11);
  const Tensor<double> yhat = uniform_tensor({n}, 2.0, 4.0, generator);
  const Tensor<double> y = uniform_tensor({n}, -4.0, -2.0, generator);
  Tensor<float> yhat_f({n}), y_f({n});
  double sse = 0, sum_yhat = 0;
  for (std::size_t i = 0; i < n; ++i) {
    yhat_f[i] = static_cast<float>(yhat[i]);
    y_f[i] = static_cast<float>(y[i]);
    const double r = double(y_f[i]) - double(yhat_f[i]);
    sse += r * r;
    sum_yhat += yhat_f[i];
  }
  Tape<float> tape;
  TapeGuard<float> guard(tape);
  CHECK(sse_loss(Var<float>(yhat_f), Var<float>(y_f)).item() == Approx(0.5 * sse).epsilon(1e-6));
  CHECK(mse_loss(Var<float>(yhat_f), Var<float>(y_f)).item() ==
        Approx(sse / double(n)).epsilon(1e-6));
  CHECK(sum(Var<float>(yhat_f)).item() == Approx(sum_yhat).epsilon(1e-6));
  CHECK(mean(Var<float>(yhat_f)).item() == Approx(sum_yhat / double(n)).epsilon(1e-6));
}

}  // namespace file_ops_analytic_losses_test
