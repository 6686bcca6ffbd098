// A training step of a digits-sized CNN in float, whose convolutions run on oneDNN's primitives
// (ops/detail/conv_onednn.hpp), allocates nothing of tapegrad's own after the first: primitives
// are cached per shape and their scratchpad buffer is reused. oneDNN's own allocations inside its
// calls (the argument map of each execute) are counted apart and reported (bench/RESULTS.md).
#include <catch2/catch.hpp>

#include <cstdint>
#include <memory>

#include "allocation_hooks.hpp"
#include "ops/detail/conv_onednn.hpp"
#include "tapegrad.hpp"

namespace file_alloc_conv_steady_state_test {  // the file's own scope: the test programs are
                                               // unity builds

using tapegrad::testing::allocations;
using tapegrad::testing::onednn_allocations;
using namespace tapegrad;

TEST_CASE("a CNN step on oneDNN's convolutions allocates nothing of tapegrad's own after the first",
          "[alloc][conv2d]") {
  // [N,1,8,8] → conv 3×3 pad 1 to 16 → relu → max pool 2 → conv 3×3 pad 1 to 32 → sum of squares.
  const std::size_t batch = GENERATE(1, 32);
  INFO("batch " << batch);
  Generator generator(6);
  Conv2d<float> conv1(Conv2dOptions(1, 16, 3).padding(1).generator(&generator));
  Conv2d<float> conv2(Conv2dOptions(16, 32, 3).padding(1).generator(&generator));
  std::vector<Parameter<float>> parameters = conv1.parameters();
  for (const Parameter<float>& p : conv2.parameters()) parameters.push_back(p);
  SGD<float> sgd(parameters, SGDOptions(0.01).momentum(0.9));
  const Tensor<float> x = uniform_tensor({batch, 1, 8, 8}, -1.0f, 1.0f, generator);
  Tape<float> tape;
  TapeGuard<float> guard(tape);
  const auto step = [&] {
    tape.clear();
    const Var<float> h =
        max_pool2d(relu(conv1.forward(tape.variable(x, false))), {.kernel = {2, 2}});
    const Var<float> y = conv2.forward(h);
    const Var<float> loss = sum(mul(y, y));
    sgd.zero_grad();
    loss.backward();
    sgd.step();
  };
  step();
  const std::size_t before = allocations(), onednn_before = onednn_allocations(),
                    runs_before = detail::onednn_conv_runs();
  constexpr int kSteps = 10;
  for (int i = 0; i < kSteps; ++i) step();
  CHECK(allocations() - before == 0);
  const std::size_t runs = detail::onednn_conv_runs() - runs_before;
  INFO("oneDNN passes per step: " << runs / kSteps << "; oneDNN's own operator new calls per step: "
                                  << double(onednn_allocations() - onednn_before) / kSteps);
  // At batch 32, conv1's forward and backward weights and conv2's three passes; batch 1's layers
  // are under the threshold and run im2col.
  CHECK(runs == (detail::onednn_conv_built() && batch == 32 ? 5u * kSteps : 0u));
}

TEST_CASE("the digits CNN's Adam step with flatten and cross entropy allocates nothing of its own",
          "[alloc][conv2d][cross_entropy]") {
  // examples/digits_cnn.cpp's model as modules: conv → relu → max pool → conv → relu → flatten
  // → linear, cross entropy (mean) over class indices, Adam: what a user's loop runs.
  const std::size_t batch = GENERATE(1, 32);
  INFO("batch " << batch);
  manual_seed(3);
  Sequential<float> net{
      std::make_shared<Conv2d<float>>(Conv2dOptions(1, 16, 3).padding(1)),
      std::make_shared<ReLU<float>>(),
      std::make_shared<MaxPool2d<float>>(Pool2dOptions(2)),
      std::make_shared<Conv2d<float>>(Conv2dOptions(16, 32, 3).padding(1)),
      std::make_shared<ReLU<float>>(),
      std::make_shared<Flatten<float>>(),
      std::make_shared<Linear<float>>(32 * 4 * 4, 10),
  };
  Adam<float> adam(net.parameters(), AdamOptions(2e-3));
  Generator generator(8);
  const Tensor<float> x = uniform_tensor({batch, 1, 8, 8}, 0.0f, 1.0f, generator);
  IndexTensor labels(Shape{batch});
  for (std::size_t i = 0; i < batch; ++i) labels[i] = static_cast<std::int64_t>(i * 7 % 10);
  Tape<float> tape;
  TapeGuard<float> guard(tape);
  const auto step = [&] {
    tape.clear();
    const Var<float> loss = cross_entropy(net.forward(tape.variable(x, false)), labels);
    adam.zero_grad();
    loss.backward();
    adam.step();
  };
  step();
  const std::size_t before = allocations();
  for (int i = 0; i < 10; ++i) step();
  CHECK(allocations() - before == 0);
}

}  // namespace file_alloc_conv_steady_state_test
