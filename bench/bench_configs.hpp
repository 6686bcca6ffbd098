// The network sizes of the performance issue, and their weights and data, shared by the
// benchmarks and the side-by-side comparison with libtorch so that both do the same work.
#pragma once

#include <array>
#include <cstddef>

#include "tapegrad.hpp"

namespace tapegrad::bench {

struct Config {
  const char* name;
  std::size_t inputs, hidden, outputs, batch;
};

// inputs-hidden-outputs at a batch size: one sigmoid hidden layer, a linear output.
inline constexpr std::array<Config, 4> kConfigs{{
    {"4-8-1 batch 1", 4, 8, 1, 1},
    {"64-256-1 batch 32", 64, 256, 1, 32},
    {"784-512-10 batch 128", 784, 512, 10, 128},
    {"1024-2048-1024 batch 256", 1024, 2048, 1024, 256},
}};

template <class T>
MLP<T> make_mlp(const Config& c, std::uint64_t seed = 42) {
  Generator generator(seed);
  return MLP<T>(MLPOptions(c.inputs)
                    .layer(c.hidden, Activation::kSigmoid)
                    .layer(c.outputs, Activation::kIdentity)
                    .generator(&generator));
}

// x [batch, inputs] and y [batch, outputs], uniform in [−1, 1).
template <class T>
Tensor<T> make_inputs(const Config& c, std::uint64_t seed = 7) {
  Generator generator(seed);
  return uniform_tensor({c.batch, c.inputs}, T(-1), T(1), generator);
}
template <class T>
Tensor<T> make_targets(const Config& c, std::uint64_t seed = 8) {
  Generator generator(seed);
  return uniform_tensor({c.batch, c.outputs}, T(-1), T(1), generator);
}

}  // namespace tapegrad::bench
