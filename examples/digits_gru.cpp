// A recurrent classifier on the UCI optical digits: each 8×8 image read as a sequence of its 8
// rows (8 steps of 8 pixels) by a GRU with 64 hidden units, and a linear layer on the last
// hidden state giving the 10 classes' logits; cross entropy, Adam, mini-batches, float32.
//
//   build/examples/digits_gru                 # the full run (README, "Digits")
//   build/examples/digits_gru --quick         # the shortened run of the test
#include <cstdio>
#include <exception>
#include <memory>

#include "digits_common.hpp"

using namespace tapegrad;

namespace {

constexpr std::size_t kHidden = 64;
constexpr int kFullEpochs = 40;
constexpr int kQuickEpochs = 8;
constexpr double kLearningRate = 5e-3;

struct RowReader : Module<float> {
  RowReader()
      : gru(register_module(
            "gru", std::make_shared<GRU<float>>(GRUOptions(8, kHidden).batch_first(true)))),
        classifier(register_module("classifier",
                                   std::make_shared<Linear<float>>(kHidden, digits::kClasses))) {}

  // x [N, 8 rows, 8 pixels] → logits [N, 10], from h_n [1, N, H] of the last row.
  Var<float> forward(const Var<float>& x) override {
    const GRUOutput<float> out = gru->forward(x, Var<float>());
    return classifier->forward(squeeze(out.h_n, 0));
  }

  std::shared_ptr<GRU<float>> gru;
  std::shared_ptr<Linear<float>> classifier;
};

}  // namespace

int main(int argc, char** argv) {
  try {
    const digits::Options options = digits::parse_options(argc, argv);
    manual_seed(options.seed);  // the layers' initial weights
    RowReader network;
    const int epochs = options.epochs > 0 ? options.epochs
                       : options.quick    ? kQuickEpochs
                                          : kFullEpochs;
    const double lr = options.lr > 0 ? options.lr : kLearningRate;
    return digits::run(network, options, epochs, lr, Shape{8, 8});
  } catch (const std::exception& error) {
    std::fprintf(stderr, "digits_gru: %s\n", error.what());
    return 2;
  }
}
