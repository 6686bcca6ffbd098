// The seed network of the reference derivation with one random example, shared by the
// `demo`, `gradcheck` and `dot` subcommands so that they all show the same numbers for a seed.
#pragma once

#include <cstddef>
#include <cstdint>

#include "graph/random.hpp"
#include "graph/tensor.hpp"
#include "models/seed/seed_network.hpp"

namespace tapegrad::tools {

struct SeedExample {
  SeedNetwork<double> network;
  Tensor<double> x;  // [d], drawn from U(−1, 1)
  Tensor<double> y;  // [1], drawn from U(−1, 1)
};

// d inputs and H hidden units; the weights and then x and y come from one Generator(seed).
inline SeedExample make_seed_example(std::size_t inputs, std::size_t hidden, std::uint64_t seed) {
  Generator generator(seed);
  SeedNetwork<double> network(inputs, hidden, &generator);
  Tensor<double> x = uniform_tensor({inputs}, -1.0, 1.0, generator);
  Tensor<double> y = uniform_tensor({1}, -1.0, 1.0, generator);
  return {std::move(network), std::move(x), std::move(y)};
}

}  // namespace tapegrad::tools
