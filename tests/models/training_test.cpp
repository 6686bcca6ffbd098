// End to end: an MLP, a loss, backward and an optimizer together fit a small regression task.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "tapegrad.hpp"

namespace file_models_training_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad;

namespace {

// y = sin(πx₁)/2 + x₂² − 1/3 at n points drawn uniformly from [−1, 1]².
struct Dataset {
  Tensor<double> x, y;  // [n,2], [n,1]
};

Dataset make_dataset(std::size_t n, Generator& generator) {
  Dataset data{uniform_tensor({n, 2}, -1.0, 1.0, generator), Tensor<double>({n, 1})};
  for (std::size_t i = 0; i < n; ++i) {
    const double x1 = data.x[2 * i], x2 = data.x[2 * i + 1];
    data.y[i] = 0.5 * std::sin(3.141592653589793 * x1) + x2 * x2 - 1.0 / 3.0;
  }
  return data;
}

// Full-batch training for `epochs` steps; returns the loss before the first step and after the
// last.
template <class MakeOptimizer>
std::pair<double, double> train(MakeOptimizer make_optimizer, int epochs) {
  Generator generator(2024);
  const Dataset data = make_dataset(64, generator);
  MLP<double> net(MLPOptions(2)
                      .layer(16, Activation::kTanh)
                      .layer(1, Activation::kIdentity)
                      .generator(&generator));
  auto optimizer = make_optimizer(net.parameters());
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  double first = 0.0, last = 0.0;
  for (int epoch = 0; epoch <= epochs; ++epoch) {
    tape.clear();
    const Var<double> loss = mse_loss(net.forward(data.x), data.y);
    (epoch == 0 ? first : last) = loss.item();
    if (epoch == epochs) break;
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
  }
  return {first, last};
}

}  // namespace

TEST_CASE("MLP trained with SGD and momentum cuts the regression loss 100-fold",
          "[models][training]") {
  const auto [first, last] = train(
      [](std::vector<Parameter<double>> parameters) {
        return SGD<double>(std::move(parameters), SGDOptions(0.1).momentum(0.9));
      },
      500);
  CAPTURE(first, last);
  CHECK(last < first / 100.0);
}

TEST_CASE("MLP trained with Adam cuts the regression loss 100-fold", "[models][training]") {
  const auto [first, last] = train(
      [](std::vector<Parameter<double>> parameters) {
        return Adam<double>(std::move(parameters), AdamOptions(0.01));
      },
      500);
  CAPTURE(first, last);
  CHECK(last < first / 100.0);
}

}  // namespace file_models_training_test
