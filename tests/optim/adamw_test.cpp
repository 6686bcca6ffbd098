// AdamW against its update written out here: the decoupled decay θ ← θ − ηλθ before Adam's
// update with the plain gradient (Loshchilov & Hutter 2019; torch.optim.AdamW).
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "tapegrad.hpp"

namespace file_optim_adamw_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad;
using Catch::Matchers::Contains;

namespace {

void set_gradient(Parameter<double>& p, int step) {
  for (std::size_t i = 0; i < p.size(); ++i)
    p.grads()[i] = std::cos(0.2 + 0.7 * static_cast<double>(i) + 1.9 * step) * (i + 1.0);
}

}  // namespace

TEST_CASE("AdamW decays the weights by ηλθ, then takes Adam's step on the plain gradient",
          "[optim][adamw]") {
  Parameter<double> p(Tensor<double>({4}, {0.5, -1.5, 2.0, 0.0}), "p");
  const double lr = 0.05, beta1 = 0.85, beta2 = 0.99, eps = 1e-6, lambda = 0.2;
  AdamW<double> adamw({p}, AdamWOptions(lr).betas(beta1, beta2).eps(eps).weight_decay(lambda));
  std::vector<double> theta(p.value().values().begin(), p.value().values().end());
  std::vector<double> m(4, 0.0), v(4, 0.0);
  for (int t = 1; t <= 3; ++t) {
    set_gradient(p, t);
    for (std::size_t i = 0; i < 4; ++i) {
      const double g = p.grad()[i];
      theta[i] = theta[i] - lr * lambda * theta[i];  // decoupled: not added to g
      m[i] = beta1 * m[i] + (1 - beta1) * g;
      v[i] = beta2 * v[i] + (1 - beta2) * g * g;
      const double m_hat = m[i] / (1 - std::pow(beta1, t)), v_hat = v[i] / (1 - std::pow(beta2, t));
      theta[i] -= lr * m_hat / (std::sqrt(v_hat) + eps);
    }
    adamw.step();
    for (std::size_t i = 0; i < 4; ++i) CHECK(p.value()[i] == Approx(theta[i]).epsilon(1e-13));
  }
  CHECK(adamw.steps() == 3);
  CHECK(adamw.name() == "AdamW");
}

TEST_CASE("AdamW and Adam with weight decay differ; with decay 0 they agree", "[optim][adamw]") {
  auto run = [](auto& optimizer, Parameter<double>& p) {
    for (int t = 1; t <= 3; ++t) {
      set_gradient(p, t);
      optimizer.step();
    }
    return std::vector<double>(p.value().values().begin(), p.value().values().end());
  };
  const Tensor<double> start({3}, {1.0, -2.0, 0.5});
  Parameter<double> a(start), b(start), c(start), d(start);
  AdamW<double> decoupled({a}, AdamWOptions(0.1).weight_decay(0.5));
  Adam<double> coupled({b}, AdamOptions(0.1).weight_decay(0.5));
  CHECK(run(decoupled, a) != run(coupled, b));
  AdamW<double> plain_w({c}, AdamWOptions(0.1).weight_decay(0.0));
  Adam<double> plain({d}, AdamOptions(0.1));
  CHECK(run(plain_w, c) == run(plain, d));
}

TEST_CASE("AdamW's defaults are torch's: lr 1e-3, weight_decay 1e-2", "[optim][adamw]") {
  const AdamWOptions options;
  CHECK(options.lr() == 1e-3);
  CHECK(options.weight_decay() == 1e-2);
  CHECK(options.beta1() == 0.9);
  CHECK(options.beta2() == 0.999);
  CHECK(options.eps() == 1e-8);
  CHECK(AdamOptions().weight_decay() == 0.0);
  Parameter<double> p(Tensor<double>({1}, {1.0}));
  CHECK_THROWS_WITH(AdamW<double>({p}, AdamWOptions().weight_decay(-1.0)),
                    Contains("AdamW: weight_decay must be >= 0"));
}

}  // namespace file_optim_adamw_test
