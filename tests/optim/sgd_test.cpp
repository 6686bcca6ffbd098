// SGD against its update rules written out here: θ ← θ − ηg, PyTorch's momentum and Nesterov
// momentum recurrences, and weight decay g ← g + λθ.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <vector>

#include "tapegrad.hpp"

namespace file_optim_sgd_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad;
using Catch::Matchers::Contains;

namespace {

// A parameter with values and gradient drawn from `generator`.
Parameter<double> random_parameter(const Shape& shape, Generator& generator) {
  Parameter<double> p(uniform_tensor(shape, -1.0, 1.0, generator), "p");
  for (double& g : p.grads()) g = generator.uniform(-1.0, 1.0);
  return p;
}

// A different gradient at each step, so the recurrences see changing inputs.
void set_step_gradient(Parameter<double>& p, int step) {
  for (std::size_t i = 0; i < p.size(); ++i)
    p.grads()[i] = std::sin(1.0 + 0.7 * static_cast<double>(i) + 1.3 * step);
}

std::vector<double> copy(std::span<const double> values) {
  return {values.begin(), values.end()};
}

}  // namespace

TEST_CASE("SGD step is θ − η·∂E/∂θ exactly", "[optim][sgd]") {
  Generator generator(11);
  Parameter<double> a = random_parameter({3, 4}, generator), b = random_parameter({5}, generator);
  const std::vector<double> a_old = copy(a.value().values()), b_old = copy(b.value().values());
  const double eta = 0.37;
  SGD<double> sgd({a, b}, SGDOptions(eta));
  sgd.step();
  for (std::size_t i = 0; i < a.size(); ++i) CHECK(a.value()[i] == a_old[i] - eta * a.grad()[i]);
  for (std::size_t i = 0; i < b.size(); ++i) CHECK(b.value()[i] == b_old[i] - eta * b.grad()[i]);
}

TEST_CASE("SGD with momentum follows b ← g then b ← μb + g and θ ← θ − ηb over 3 steps",
          "[optim][sgd][momentum]") {
  Generator generator(12);
  Parameter<double> p = random_parameter({2, 3}, generator);
  const double eta = 0.1, mu = 0.9;
  std::vector<double> theta = copy(p.value().values()), buffer(p.size());
  SGD<double> sgd({p}, SGDOptions(eta).momentum(mu));
  for (int step = 0; step < 3; ++step) {
    set_step_gradient(p, step);
    for (std::size_t i = 0; i < p.size(); ++i) {
      const double g = p.grad()[i];
      buffer[i] = step == 0 ? g : mu * buffer[i] + g;
      theta[i] -= eta * buffer[i];
    }
    sgd.step();
    for (std::size_t i = 0; i < p.size(); ++i)
      CHECK(p.value()[i] == Approx(theta[i]).epsilon(1e-14));
  }
}

TEST_CASE("SGD with Nesterov momentum steps along g + μb over 3 steps", "[optim][sgd][nesterov]") {
  Generator generator(13);
  Parameter<double> p = random_parameter({4}, generator);
  const double eta = 0.05, mu = 0.8;
  std::vector<double> theta = copy(p.value().values()), buffer(p.size());
  SGD<double> sgd({p}, SGDOptions(eta).momentum(mu).nesterov(true));
  for (int step = 0; step < 3; ++step) {
    set_step_gradient(p, step);
    for (std::size_t i = 0; i < p.size(); ++i) {
      const double g = p.grad()[i];
      buffer[i] = step == 0 ? g : mu * buffer[i] + g;
      theta[i] -= eta * (g + mu * buffer[i]);
    }
    sgd.step();
    for (std::size_t i = 0; i < p.size(); ++i)
      CHECK(p.value()[i] == Approx(theta[i]).epsilon(1e-14));
  }
}

TEST_CASE("SGD weight decay adds λθ to the gradient", "[optim][sgd][weight_decay]") {
  Generator generator(14);
  Parameter<double> p = random_parameter({6}, generator);
  const double eta = 0.2, lambda = 0.01;
  const std::vector<double> old = copy(p.value().values());
  SGD<double> sgd({p}, SGDOptions(eta).weight_decay(lambda));
  sgd.step();
  for (std::size_t i = 0; i < p.size(); ++i)
    CHECK(p.value()[i] == Approx(old[i] - eta * (p.grad()[i] + lambda * old[i])).epsilon(1e-15));
}

TEST_CASE("SGD weight decay enters the momentum buffer", "[optim][sgd][weight_decay]") {
  Generator generator(15);
  Parameter<double> p = random_parameter({3}, generator);
  const double eta = 0.1, mu = 0.5, lambda = 0.1;
  std::vector<double> theta = copy(p.value().values()), buffer(p.size());
  SGD<double> sgd({p}, SGDOptions(eta).momentum(mu).weight_decay(lambda));
  for (int step = 0; step < 3; ++step) {
    set_step_gradient(p, step);
    for (std::size_t i = 0; i < p.size(); ++i) {
      const double g = p.grad()[i] + lambda * theta[i];
      buffer[i] = step == 0 ? g : mu * buffer[i] + g;
      theta[i] -= eta * buffer[i];
    }
    sgd.step();
    for (std::size_t i = 0; i < p.size(); ++i)
      CHECK(p.value()[i] == Approx(theta[i]).epsilon(1e-14));
  }
}

TEST_CASE("SGD step leaves the gradients unchanged", "[optim][sgd]") {
  Generator generator(16);
  Parameter<double> p = random_parameter({5}, generator);
  const std::vector<double> grad = copy(p.grad().values());
  SGD<double> sgd({p}, SGDOptions(0.1).momentum(0.9).weight_decay(0.1));
  sgd.step();
  for (std::size_t i = 0; i < p.size(); ++i) CHECK(p.grad()[i] == grad[i]);
}

TEST_CASE("SGD skips parameters that do not require grad", "[optim][sgd]") {
  Generator generator(17);
  Parameter<double> frozen = random_parameter({3}, generator);
  Parameter<double> trained = random_parameter({3}, generator);
  frozen.set_requires_grad(false);
  const std::vector<double> frozen_old = copy(frozen.value().values());
  const std::vector<double> trained_old = copy(trained.value().values());
  SGD<double> sgd({frozen, trained}, SGDOptions(0.5));
  sgd.step();
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(frozen.value()[i] == frozen_old[i]);
    CHECK(trained.value()[i] != trained_old[i]);
  }
}

TEST_CASE("SGD rejects bad options with a message naming the option", "[optim][sgd][errors]") {
  Parameter<double> p(Tensor<double>({2}, {1.0, 2.0}));
  const double nan = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_AS(SGD<double>({p}, SGDOptions(0.0)), Error);
  CHECK_THROWS_WITH(SGD<double>({p}, SGDOptions(0.0)), Contains("learning rate must be > 0"));
  CHECK_THROWS_WITH(SGD<double>({p}, SGDOptions(-0.1)), Contains("learning rate must be > 0"));
  CHECK_THROWS_WITH(SGD<double>({p}, SGDOptions(nan)), Contains("learning rate must be > 0"));
  CHECK_THROWS_WITH(SGD<double>({p}, SGDOptions(0.1).momentum(-0.5)),
                    Contains("momentum must be >= 0"));
  CHECK_THROWS_WITH(SGD<double>({p}, SGDOptions(0.1).nesterov(true)),
                    Contains("nesterov momentum needs momentum > 0"));
  CHECK_THROWS_WITH(SGD<double>({p}, SGDOptions(0.1).weight_decay(-1.0)),
                    Contains("weight_decay must be >= 0"));
  CHECK_NOTHROW(SGD<double>({p}, SGDOptions(0.1).momentum(0.9).nesterov(true)));
}

TEST_CASE("SGD options chain and read back", "[optim][sgd]") {
  const SGDOptions options = SGDOptions(0.3).momentum(0.7).nesterov(true).weight_decay(0.02);
  CHECK(options.lr() == 0.3);
  CHECK(options.momentum() == 0.7);
  CHECK(options.nesterov());
  CHECK(options.weight_decay() == 0.02);
  const SGDOptions plain(0.1);
  CHECK(plain.momentum() == 0.0);
  CHECK_FALSE(plain.nesterov());
  CHECK(plain.weight_decay() == 0.0);
}

TEST_CASE("SGD in float moves against the gradient", "[optim][sgd][float]") {
  Parameter<float> p(Tensor<float>({3}, {1.0f, -2.0f, 0.5f}));
  for (std::size_t i = 0; i < 3; ++i) p.grads()[i] = 0.25f * static_cast<float>(i + 1);
  SGD<float> sgd({p}, SGDOptions(0.5));
  sgd.step();
  CHECK(p.value()[0] == 1.0f - 0.5f * 0.25f);
  CHECK(p.value()[1] == -2.0f - 0.5f * 0.5f);
  CHECK(p.value()[2] == 0.5f - 0.5f * 0.75f);
}

}  // namespace file_optim_sgd_test
