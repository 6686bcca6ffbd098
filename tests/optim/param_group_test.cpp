// Parameter groups: each group's options, the optimizer's defaults filling in what a group does
// not set, a group's lr changed between steps, and the errors. Expected values are the update
// rules written out here as plain loops.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "tapegrad.hpp"

namespace file_optim_param_group_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad;
using Catch::Matchers::Contains;

namespace {

Parameter<double> parameter(std::vector<double> values, const char* name) {
  const std::size_t n = values.size();
  return Parameter<double>(Tensor<double>(Shape{n}, std::move(values)), name);
}

// A different gradient at each step.
void set_gradient(Parameter<double>& p, int step) {
  for (std::size_t i = 0; i < p.size(); ++i)
    p.grads()[i] = std::sin(0.4 + 0.9 * static_cast<double>(i) - 1.1 * step);
}

std::vector<double> copy(std::span<const double> values) {
  return {values.begin(), values.end()};
}

}  // namespace

TEST_CASE("SGD groups: weights with decay and momentum, biases with another lr, 3 steps",
          "[optim][groups][sgd]") {
  Parameter<double> w = parameter({0.5, -1.0, 2.0}, "w"), b = parameter({0.25, -0.75}, "b");
  // The group of w sets weight_decay; momentum 0.9 comes from the defaults. The group of b sets
  // lr 0.3 and keeps the default momentum, with no decay.
  SGD<double> sgd({ParamGroup<double>{{w}, SGDOptions(0.1).weight_decay(1e-2)},
                   ParamGroup<double>{{b}, SGDOptions().lr(0.3)}},
                  SGDOptions(0.1).momentum(0.9));
  std::vector<double> tw = copy(w.value().values()), tb = copy(b.value().values());
  std::vector<double> bw(tw.size()), bb(tb.size());
  for (int step = 0; step < 3; ++step) {
    set_gradient(w, step);
    set_gradient(b, step + 5);
    for (std::size_t i = 0; i < tw.size(); ++i) {
      const double g = w.grad()[i] + 1e-2 * tw[i];  // g + λθ
      bw[i] = step == 0 ? g : 0.9 * bw[i] + g;
      tw[i] -= 0.1 * bw[i];
    }
    for (std::size_t i = 0; i < tb.size(); ++i) {
      const double g = b.grad()[i];
      bb[i] = step == 0 ? g : 0.9 * bb[i] + g;
      tb[i] -= 0.3 * bb[i];
    }
    sgd.step();
    for (std::size_t i = 0; i < tw.size(); ++i) CHECK(w.value()[i] == Approx(tw[i]).epsilon(1e-14));
    for (std::size_t i = 0; i < tb.size(); ++i) CHECK(b.value()[i] == Approx(tb[i]).epsilon(1e-14));
  }
  REQUIRE(sgd.param_groups().size() == 2);
  const auto& second = static_cast<const SGDOptions&>(sgd.param_groups()[1].options());
  CHECK(second.lr() == 0.3);
  CHECK(second.momentum() == 0.9);  // filled in from the defaults
  CHECK(second.weight_decay() == 0.0);
}

TEST_CASE("Adam groups: different lr and weight decay per group, 3 steps",
          "[optim][groups][adam]") {
  Parameter<double> w = parameter({0.5, -1.0}, "w"), b = parameter({0.25}, "b");
  Adam<double> adam({ParamGroup<double>{{w}, AdamOptions().weight_decay(0.1)},
                     ParamGroup<double>{{b}, AdamOptions(0.05).betas(0.8, 0.99)}},
                    AdamOptions(0.01));
  struct Expected {
    std::vector<double> theta, m, v;
    double lr, beta1, beta2, decay;
  };
  Expected ew{copy(w.value().values()), {0, 0}, {0, 0}, 0.01, 0.9, 0.999, 0.1};
  Expected eb{copy(b.value().values()), {0}, {0}, 0.05, 0.8, 0.99, 0.0};
  auto update = [](Expected& e, const Parameter<double>& p, int t) {
    for (std::size_t i = 0; i < e.theta.size(); ++i) {
      const double g = p.grad()[i] + e.decay * e.theta[i];
      e.m[i] = e.beta1 * e.m[i] + (1 - e.beta1) * g;
      e.v[i] = e.beta2 * e.v[i] + (1 - e.beta2) * g * g;
      const double m_hat = e.m[i] / (1 - std::pow(e.beta1, t));
      const double v_hat = e.v[i] / (1 - std::pow(e.beta2, t));
      e.theta[i] -= e.lr * m_hat / (std::sqrt(v_hat) + 1e-8);
    }
  };
  for (int t = 1; t <= 3; ++t) {
    set_gradient(w, t);
    set_gradient(b, -t);
    update(ew, w, t);
    update(eb, b, t);
    adam.step();
    for (std::size_t i = 0; i < 2; ++i) CHECK(w.value()[i] == Approx(ew.theta[i]).epsilon(1e-13));
    CHECK(b.value()[0] == Approx(eb.theta[0]).epsilon(1e-13));
  }
}

TEST_CASE("a group's lr changed between steps is used by the next step", "[optim][groups]") {
  Parameter<double> p = parameter({1.0, 2.0}, "p");
  SGD<double> sgd(std::vector<Parameter<double>>{p}, SGDOptions(0.1));
  p.grads()[0] = 1.0;
  p.grads()[1] = -2.0;
  sgd.step();  // θ ← θ − 0.1g
  sgd.param_groups()[0].options().set_lr(0.5);
  sgd.step();  // θ ← θ − 0.5g
  CHECK(p.value()[0] == 1.0 - 0.1 * 1.0 - 0.5 * 1.0);
  CHECK(p.value()[1] == 2.0 - 0.1 * -2.0 - 0.5 * -2.0);
  static_cast<SGDOptions&>(sgd.param_groups()[0].options()).lr(0.25);  // torch's typed form
  CHECK(sgd.param_groups()[0].options().lr() == 0.25);
}

TEST_CASE("a parameter in two groups, or twice in one, is an Error", "[optim][groups][errors]") {
  Parameter<double> a = parameter({1.0}, "a"), b = parameter({2.0}, "b");
  CHECK_THROWS_WITH(
      SGD<double>({ParamGroup<double>{{a, b}}, ParamGroup<double>{{b}}}, SGDOptions(0.1)),
      Contains("parameter 2 of 3 ('b', shape [1]) is given twice"));
  CHECK_THROWS_WITH(Adam<double>(std::vector<Parameter<double>>{a, a}, AdamOptions()),
                    Contains("is given twice"));
}

TEST_CASE("a group with another optimizer's options, or no lr at all, is an Error",
          "[optim][groups][errors]") {
  Parameter<double> a = parameter({1.0}, "a"), b = parameter({2.0}, "b");
  CHECK_THROWS_WITH(SGD<double>({ParamGroup<double>{{a}, AdamOptions(0.1)}}, SGDOptions(0.1)),
                    Contains("parameter group 0 has the options of another optimizer"));
  CHECK_THROWS_WITH(
      SGD<double>({ParamGroup<double>{{a}}, ParamGroup<double>{{b}, SGDOptions()}}, SGDOptions()),
      Contains("SGD (parameter group 0): learning rate must be > 0, got lr = nan (set it"));
  CHECK_THROWS_WITH(
      Adam<double>({ParamGroup<double>{{a}}, ParamGroup<double>{{b}, AdamOptions().eps(-1)}},
                   AdamOptions()),
      Contains("Adam (parameter group 1): eps must be >= 0"));
}

TEST_CASE("every optimizer leaves a frozen parameter and its state unchanged",
          "[optim][groups][frozen]") {
  auto check = [](auto make, const char* name) {
    INFO(name);
    Parameter<double> live = parameter({1.0, -1.0}, "live"), frozen = parameter({3.0, 4.0}, "f");
    auto optimizer = make(std::vector<Parameter<double>>{live, frozen});
    for (int step = 0; step < 3; ++step) {
      set_gradient(live, step);
      set_gradient(frozen, step);
      frozen.set_requires_grad(false);
      optimizer->step();
    }
    CHECK(frozen.value()[0] == 3.0);
    CHECK(frozen.value()[1] == 4.0);
    CHECK(live.value()[0] != 1.0);
    CHECK(optimizer->state(1).step == 0);
    CHECK(optimizer->state(0).step == 3);
    for (const auto& [buffer, tensor] : optimizer->state(1).buffers)
      for (double v : tensor.values()) CHECK(v == 0.0);
  };
  using P = std::vector<Parameter<double>>;
  check([](P p) { return std::make_unique<SGD<double>>(p, SGDOptions(0.1)); }, "SGD");
  check(
      [](P p) {
        return std::make_unique<SGD<double>>(
            p, SGDOptions(0.1).momentum(0.9).nesterov(true).weight_decay(0.1));
      },
      "SGD nesterov");
  check([](P p) { return std::make_unique<Adam<double>>(p, AdamOptions(0.1).weight_decay(0.1)); },
        "Adam");
  check([](P p) { return std::make_unique<AdamW<double>>(p, AdamWOptions(0.1)); }, "AdamW");
}

TEST_CASE("add_param_group: a group added later gets the defaults, its own options and state",
          "[optim][groups]") {
  // SGD with momentum 0.9 by default; b joins after a step with lr 0.3 of its own. From then on
  // each follows v ← μv + g, θ ← θ − ηv from its own zero buffer, as torch's add_param_group.
  Parameter<double> w = parameter({0.5, -1.0, 2.0}, "w"), b = parameter({0.25, -0.75}, "b");
  SGD<double> sgd({w}, SGDOptions(0.1).momentum(0.9));
  set_gradient(w, 0);
  sgd.step();
  sgd.add_param_group(ParamGroup<double>{{b}, SGDOptions(0.3)});
  REQUIRE(sgd.param_groups().size() == 2);
  CHECK(sgd.param_groups()[1].options().lr() == 0.3);
  CHECK(static_cast<const SGDOptions&>(sgd.param_groups()[1].options()).momentum() == 0.9);
  REQUIRE(sgd.parameters().size() == 2);
  std::vector<double> theta = copy(b.values()), v(2, 0.0);
  for (int step = 1; step <= 2; ++step) {
    set_gradient(w, step);
    set_gradient(b, step);
    sgd.step();
    for (std::size_t i = 0; i < 2; ++i) {
      v[i] = 0.9 * v[i] + b.grad()[i];
      theta[i] -= 0.3 * v[i];
    }
  }
  CHECK_THAT(copy(b.values()), Catch::Matchers::Approx(theta).epsilon(1e-15));

  // Adam: the added group's moments start at zero and its steps count from 1.
  Parameter<double> c = parameter({1.0, -2.0}, "c");
  Adam<double> adam({w}, AdamOptions(0.01));
  adam.step();
  adam.add_param_group(ParamGroup<double>{{c}});
  CHECK(adam.state(1).buffers.size() == 2);
  const std::vector<double> before = copy(c.values());
  set_gradient(c, 0);
  adam.step();
  CHECK(adam.state(1).step == 1);
  for (std::size_t i = 0; i < 2; ++i)  // Adam's first step: θ − η·g/(|g| + ε/...) ≈ θ − η·sgn g
    CHECK(c.values()[i] == Approx(before[i] - 0.01 * (c.grad()[i] > 0 ? 1 : -1)).epsilon(1e-6));
}

TEST_CASE(
    "add_param_group refuses a parameter it has, a bad lr or another optimizer's options, "
    "changing nothing",
    "[optim][groups][errors]") {
  Parameter<double> w = parameter({0.5, -1.0}, "w"), b = parameter({0.25}, "b");
  SGD<double> sgd({w}, SGDOptions(0.1));
  CHECK_THROWS_WITH(sgd.add_param_group(ParamGroup<double>{{b, w}}), Contains("given twice"));
  CHECK_THROWS_WITH(sgd.add_param_group(ParamGroup<double>{{b}, SGDOptions(-1.0)}),
                    Contains("SGD (parameter group 1): learning rate must be > 0"));
  CHECK_THROWS_WITH(sgd.add_param_group(ParamGroup<double>{{b}, AdamOptions(0.1)}),
                    Contains("options of another optimizer"));
  CHECK_THROWS_WITH(sgd.add_param_group(ParamGroup<double>{{Parameter<double>()}}),
                    Contains("undefined"));
  CHECK(sgd.param_groups().size() == 1);
  CHECK(sgd.parameters().size() == 1);
  sgd.add_param_group(ParamGroup<double>{{b}});  // and a valid group still joins
  CHECK(sgd.parameters().size() == 2);
  Adam<double> adam({w}, AdamOptions(0.1));
  CHECK_THROWS_WITH(adam.add_param_group(ParamGroup<double>{{b}, AdamOptions(0.1).betas(1.5, 0.9)}),
                    Contains("betas must lie in [0, 1)"));
  CHECK(adam.parameters().size() == 1);
}

}  // namespace file_optim_param_group_test
