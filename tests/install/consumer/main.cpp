// Trains y = 2x with one weight for two SGD steps through the installed headers and library,
// and checks the update against the hand computation: w ← w − η·∂E/∂w, ∂E/∂w = −(y − wx)x.
#include <tapegrad/core.hpp>

#include <cmath>
#include <cstdio>

int main() {
  using namespace tapegrad;
  Parameter<double> w(Tensor<double>({1, 1}, {0.5}), "w");
  const Tensor<double> x({1, 1}, {3.0}), y({1, 1}, {6.0});
  const double eta = 0.01;
  double expected = 0.5;
  for (int step = 0; step < 2; ++step) {
    Tape<double>::current().clear();
    sse_loss(matmul(x, w), y).backward();
    w.values()[0] -= eta * w.grad()[0];
    w.zero_grad();
    expected -= eta * (-(6.0 - expected * 3.0) * 3.0);
  }
  const bool ok = std::abs(w.value()[0] - expected) < 1e-12;
  std::printf("w after two steps: %.12f (expected %.12f): %s\n", w.value()[0], expected,
              ok ? "ok" : "WRONG");
  return ok ? 0 : 1;
}
