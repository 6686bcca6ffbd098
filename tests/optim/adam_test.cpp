// Adam against Algorithm 1 of Kingma & Ba, "Adam: A Method for Stochastic Optimization",
// ICLR 2015, written out here with bias correction.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "tapegrad.hpp"

namespace file_optim_adam_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad;
using Catch::Matchers::Contains;

namespace {

void set_step_gradient(Parameter<double>& p, int step) {
  for (std::size_t i = 0; i < p.size(); ++i)
    p.grads()[i] = std::cos(0.3 + 0.9 * static_cast<double>(i) - 1.7 * step) * (i + 1.0);
}

// Algorithm 1 for `steps` steps from θ with the gradients set_step_gradient gives.
std::vector<double> algorithm_1(std::vector<double> theta, double alpha, double beta1, double beta2,
                                double epsilon, double lambda, int steps) {
  Parameter<double> gradients(Tensor<double>(Shape{theta.size()}));
  std::vector<double> m(theta.size(), 0.0), v(theta.size(), 0.0);
  for (int t = 1; t <= steps; ++t) {
    set_step_gradient(gradients, t - 1);
    for (std::size_t i = 0; i < theta.size(); ++i) {
      const double g = gradients.grad()[i] + lambda * theta[i];
      m[i] = beta1 * m[i] + (1 - beta1) * g;
      v[i] = beta2 * v[i] + (1 - beta2) * g * g;
      const double m_hat = m[i] / (1 - std::pow(beta1, t));
      const double v_hat = v[i] / (1 - std::pow(beta2, t));
      theta[i] = theta[i] - alpha * m_hat / (std::sqrt(v_hat) + epsilon);
    }
  }
  return theta;
}

void check_adam_against_algorithm_1(const AdamOptions& options) {
  Parameter<double> p(Tensor<double>({5}, {0.5, -1.5, 2.0, 0.0, -0.25}));
  const std::vector<double> start(p.value().values().begin(), p.value().values().end());
  Adam<double> adam({p}, options);
  for (int step = 0; step < 3; ++step) {
    set_step_gradient(p, step);
    adam.step();
    const std::vector<double> expected =
        algorithm_1(start, options.lr(), options.beta1(), options.beta2(), options.eps(),
                    options.weight_decay(), step + 1);
    for (std::size_t i = 0; i < p.size(); ++i) {
      CAPTURE(step, i);
      CHECK(p.value()[i] == Approx(expected[i]).epsilon(1e-14));
    }
  }
}

}  // namespace

TEST_CASE("Adam over 3 steps equals Algorithm 1 with bias correction", "[optim][adam]") {
  check_adam_against_algorithm_1(AdamOptions(0.01));
}

TEST_CASE("Adam with other betas and eps and weight decay equals Algorithm 1 on g + λθ",
          "[optim][adam][weight_decay]") {
  check_adam_against_algorithm_1(AdamOptions(0.2).betas(0.5, 0.75).eps(1e-3).weight_decay(0.1));
}

// The update runs as a vectorized loop with a scalar tail (optim/detail/adam_update.cpp): every
// element of a 37-element parameter (vector body and tail) must get the bits a one-element
// parameter gets from the same value and gradient, over three steps, and Algorithm 1's value.
template <class Optimizer, class Options>
void check_elements_independent(const Options& options, double lambda, bool decoupled) {
  constexpr std::size_t kN = 37;
  Parameter<float> whole(Tensor<float>(Shape{kN}));
  std::vector<Parameter<float>> singles;
  for (std::size_t i = 0; i < kN; ++i) {
    whole.values()[i] = static_cast<float>(std::sin(1.0 + 0.7 * static_cast<double>(i)));
    singles.emplace_back(Tensor<float>(Shape{1}, {whole.value()[i]}));
  }
  std::vector<double> reference(whole.value().values().begin(), whole.value().values().end());
  std::vector<double> m(kN, 0.0), v(kN, 0.0);
  Optimizer together({whole}, options);
  Optimizer apart(singles, options);
  for (int t = 1; t <= 3; ++t) {
    for (std::size_t i = 0; i < kN; ++i) {
      const float g = static_cast<float>(std::cos(0.4 * static_cast<double>(i) - t)) * 2.5f;
      whole.grads()[i] = g;
      singles[i].grads()[0] = g;
      // Algorithm 1 in double, decay in the gradient (Adam) or on the weights (AdamW)
      const double lr = options.lr(), b1 = options.beta1(), b2 = options.beta2();
      if (decoupled) reference[i] *= 1 - lr * lambda;
      const double gi = g + (decoupled ? 0.0 : lambda * reference[i]);
      m[i] = b1 * m[i] + (1 - b1) * gi;
      v[i] = b2 * v[i] + (1 - b2) * gi * gi;
      reference[i] -= lr * (m[i] / (1 - std::pow(b1, t))) /
                      (std::sqrt(v[i] / (1 - std::pow(b2, t))) + options.eps());
    }
    together.step();
    apart.step();
    for (std::size_t i = 0; i < kN; ++i) {
      CAPTURE(t, i);
      CHECK(whole.value()[i] == singles[i].value()[0]);
      CHECK(whole.value()[i] == Approx(reference[i]).epsilon(1e-5).margin(1e-6));
    }
  }
}

TEST_CASE("Adam and AdamW give every element of a long parameter the one-element update",
          "[optim][adam]") {
  check_elements_independent<Adam<float>>(AdamOptions(0.05), 0.0, false);
  check_elements_independent<Adam<float>>(AdamOptions(0.05).weight_decay(0.3), 0.3, false);
  check_elements_independent<AdamW<float>>(AdamWOptions(0.05).weight_decay(0.3), 0.3, true);
}

TEST_CASE("Adam's first step moves each element by about η against the gradient's sign",
          "[optim][adam]") {
  // At t = 1, m̂ = g and v̂ = g², so the step is η·g/(|g| + ε) ≈ η·sign(g).
  Parameter<double> p(Tensor<double>({3}, {1.0, 1.0, 1.0}));
  p.grads()[0] = 3.0;
  p.grads()[1] = -0.002;
  p.grads()[2] = 40.0;
  Adam<double> adam({p}, AdamOptions(0.1).eps(0.0));
  adam.step();
  CHECK(p.value()[0] == Approx(0.9).epsilon(1e-15));
  CHECK(p.value()[1] == Approx(1.1).epsilon(1e-15));
  CHECK(p.value()[2] == Approx(0.9).epsilon(1e-15));
}

TEST_CASE("Adam's defaults are the paper's lr 1e-3 and betas 0.9 and 0.999 and eps 1e-8",
          "[optim][adam]") {
  const AdamOptions options;
  CHECK(options.lr() == 1e-3);
  CHECK(options.beta1() == 0.9);
  CHECK(options.beta2() == 0.999);
  CHECK(options.eps() == 1e-8);
  CHECK(options.weight_decay() == 0.0);
}

TEST_CASE("Adam rejects bad options with a message naming the option", "[optim][adam][errors]") {
  Parameter<double> p(Tensor<double>({2}, {1.0, 2.0}));
  CHECK_THROWS_AS(Adam<double>({p}, AdamOptions(0.0)), Error);
  CHECK_THROWS_WITH(Adam<double>({p}, AdamOptions(-1.0)), Contains("learning rate must be > 0"));
  CHECK_THROWS_WITH(Adam<double>({p}, AdamOptions().betas(1.0, 0.999)),
                    Contains("betas must lie in [0, 1)"));
  CHECK_THROWS_WITH(Adam<double>({p}, AdamOptions().betas(0.9, -0.1)),
                    Contains("betas must lie in [0, 1)"));
  CHECK_THROWS_WITH(Adam<double>({p}, AdamOptions().eps(-1e-8)), Contains("eps must be >= 0"));
  CHECK_THROWS_WITH(Adam<double>({p}, AdamOptions().weight_decay(-0.1)),
                    Contains("weight_decay must be >= 0"));
}

}  // namespace file_optim_adam_test
