// The digits CNN of examples/digits_cnn.cpp, its seeded weights and a batch of 8×8 images in
// [0, 1) with labels 0–9, shared by the side-by-side comparison with libtorch
// (bench/torch_cnn_compare.cpp) and the allocation count (bench/step_memory.cpp) so that both
// measure the same step.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "core.hpp"

namespace tapegrad::bench {

inline constexpr double kCnnLearningRate = 2e-3;  // Adam's, as in the example

// Conv2d(1→16, 3, pad 1) → ReLU → MaxPool2d(2) → Conv2d(16→32, 3, pad 1) → ReLU → Flatten →
// Linear(32·4·4 → 10); parameters named 0.*, 3.*, 6.* as torch::nn::Sequential names them.
inline Sequential<float> make_digits_cnn(std::uint64_t seed = 42) {
  manual_seed(seed);
  return Sequential<float>{
      std::make_shared<Conv2d<float>>(Conv2dOptions(1, 16, 3).padding(1)),
      std::make_shared<ReLU<float>>(),
      std::make_shared<MaxPool2d<float>>(Pool2dOptions(2)),
      std::make_shared<Conv2d<float>>(Conv2dOptions(16, 32, 3).padding(1)),
      std::make_shared<ReLU<float>>(),
      std::make_shared<Flatten<float>>(),
      std::make_shared<Linear<float>>(32 * 4 * 4, 10),
  };
}

// [batch, 1, 8, 8] uniform in [0, 1), the range of the example's pixels / 16.
inline Tensor<float> make_digit_images(std::size_t batch, std::uint64_t seed = 7) {
  Generator generator(seed);
  return uniform_tensor({batch, 1, 8, 8}, 0.0f, 1.0f, generator);
}

// Labels 0–9, every class present once batch ≥ 10.
inline IndexTensor make_digit_labels(std::size_t batch) {
  IndexTensor labels(Shape{batch});
  for (std::size_t i = 0; i < batch; ++i) labels.data()[i] = static_cast<std::int64_t>(i * 7 % 10);
  return labels;
}

}  // namespace tapegrad::bench
