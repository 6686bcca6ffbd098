// A small convolutional network on the UCI optical digits (8×8 images, 10 classes), trained
// with Adam on mini-batches: Conv2d(1→16, 3, pad 1) → ReLU → MaxPool2d(2) → Conv2d(16→32, 3,
// pad 1) → ReLU → Flatten → Linear(32·4·4 → 10), cross entropy. In float32, as users run it.
//
//   build/examples/digits_cnn                 # the full run (README, "Digits")
//   build/examples/digits_cnn --quick         # the shortened run of the test
//   build/examples/digits_cnn --epochs 20 --seed 3 --batch-size 64 --lr 0.002
#include <cstdio>
#include <exception>
#include <memory>

#include "digits_common.hpp"

using namespace tapegrad;

namespace {

constexpr int kFullEpochs = 30;
constexpr int kQuickEpochs = 6;
constexpr double kLearningRate = 2e-3;

Sequential<float> make_network() {
  return Sequential<float>{
      std::make_shared<Conv2d<float>>(Conv2dOptions(1, 16, 3).padding(1)),
      std::make_shared<ReLU<float>>(),
      std::make_shared<MaxPool2d<float>>(Pool2dOptions(2)),  // 8×8 → 4×4
      std::make_shared<Conv2d<float>>(Conv2dOptions(16, 32, 3).padding(1)),
      std::make_shared<ReLU<float>>(),
      std::make_shared<Flatten<float>>(),
      std::make_shared<Linear<float>>(32 * 4 * 4, digits::kClasses),
  };
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const digits::Options options = digits::parse_options(argc, argv);
    manual_seed(options.seed);  // the layers' initial weights
    Sequential<float> network = make_network();
    const int epochs = options.epochs > 0 ? options.epochs
                       : options.quick    ? kQuickEpochs
                                          : kFullEpochs;
    const double lr = options.lr > 0 ? options.lr : kLearningRate;
    return digits::run(network, options, epochs, lr, Shape{1, 8, 8});
  } catch (const std::exception& error) {
    std::fprintf(stderr, "digits_cnn: %s\n", error.what());
    return 2;
  }
}
