#include <catch2/catch.hpp>

#include "tapegrad/tapegrad.hpp"

using namespace tapegrad;

TEST_CASE("smoke: sigmoid of a linear layer backpropagates", "[smoke]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  Parameter<double> w(Tensor<double>({2, 3}, {0.1, 0.2, 0.3, -0.1, -0.2, -0.3}), "w");
  Parameter<double> b(Tensor<double>({2}, {0.5, -0.5}), "b");
  Tensor<double> x({3}, {1.0, 2.0, 3.0});
  Var<double> z = sigmoid(linear(x, w, b));
  Var<double> loss = sum(z);
  loss.backward();
  CHECK(w.grad()[0] != 0.0);
}
