// gradcheck of a module with state (models/module_check.hpp): in training mode a network with
// dropout and batch norm passes, where checking its parameters alone cries wolf, and the module's
// running statistics and the generators are as they were afterwards; a wrong rule still fails.
#include <catch2/catch.hpp>

#include <memory>
#include <vector>

#include "tapegrad.hpp"

namespace file_nn_module_check_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad;

// tanh written by hand with a planted bug: its derivative taken as 1 − y instead of 1 − y².
struct WrongTanh {
  Var<double> forward(const Var<double>& x) const { return tanh(x); }
  void backward(const VjpContext<double>& ctx) const {
    ctx.add_input_grad(0, ctx.grad_output() * (1.0 - ctx.output()));
  }
};

struct Net : Module<double> {
  explicit Net(bool planted_bug) : planted_bug(planted_bug) {
    Generator init(3);
    first = register_module("first",
                            std::make_shared<Linear<double>>(LinearOptions(3, 4).generator(&init)));
    drop = register_module("drop", std::make_shared<Dropout<double>>(0.4));
    norm = register_module("norm", std::make_shared<BatchNorm1d<double>>(BatchNormOptions(4)));
    last = register_module("last",
                           std::make_shared<Linear<double>>(LinearOptions(4, 1).generator(&init)));
  }
  Var<double> forward(const Var<double>& x) override {
    const Var<double> h = norm->forward(drop->forward(first->forward(x)));
    return last->forward(planted_bug ? apply_function(WrongTanh{}, h) : tanh(h));
  }
  bool planted_bug;
  std::shared_ptr<Linear<double>> first, last;
  std::shared_ptr<Dropout<double>> drop;
  std::shared_ptr<BatchNorm1d<double>> norm;
};

Tensor<double> batch() {
  Generator g(8);
  return normal_tensor(Shape{6, 3}, 0.0, 1.0, g);
}

TEST_CASE("gradcheck of a module restores dropout's generator and batch norm's statistics",
          "[nn][gradcheck]") {
  Net net(false);
  net.train();
  manual_seed(1);
  const Tensor<double> x = batch();
  const auto loss = [&] { return sum(square(net.forward(Var<double>(x)))); };

  // The parameters alone: every evaluation draws another mask, so correct gradients fail.
  std::vector<Parameter<double>> parameters = net.parameters();
  CHECK_FALSE(gradcheck(parameters, loss).passed);

  const std::vector<double> mean_before(net.norm->running_mean.value().values().begin(),
                                        net.norm->running_mean.value().values().end());
  const std::int64_t batches_before = net.norm->num_batches_tracked.integer_value().values()[0];
  Generator expected_generator = default_generator();
  const GradcheckResult result = gradcheck(net, loss);
  CHECK(result.passed);
  CHECK(result.parameters.size() == parameters.size());
  CHECK(std::vector<double>(net.norm->running_mean.value().values().begin(),
                            net.norm->running_mean.value().values().end()) == mean_before);
  CHECK(net.norm->num_batches_tracked.integer_value().values()[0] == batches_before);
  CHECK(default_generator().bits() == expected_generator.bits());  // as before the check
}

TEST_CASE("gradcheck of a module still fails on a wrong derivative", "[nn][gradcheck]") {
  Net net(true);
  net.train();
  const Tensor<double> x = batch();
  const GradcheckResult result =
      gradcheck(net, [&] { return sum(square(net.forward(Var<double>(x)))); });
  CHECK_FALSE(result.passed);
  // The parameters before the wrong tanh (first, norm) are wrong; the last layer's are not.
  REQUIRE(result.parameters.size() == 6);
  for (std::size_t k = 0; k < 6; ++k) CHECK(result.parameters[k].passed == (k >= 4));
}

}  // namespace file_nn_module_check_test
