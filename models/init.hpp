// Weight initialisation chosen by each layer's activation, as `tapegrad init` does it:
//   relu:                       He uniform,     W ~ U(−√(6/in), √(6/in))          (He et al. 2015)
//   sigmoid, tanh, identity:    Glorot uniform, W ~ U(−√(6/(in+out)), √(6/(in+out)))
//                                                                      (Glorot & Bengio 2010)
//   biases: 0.
// Both keep the variance of the signal roughly constant from layer to layer: He's for ReLU,
// which zeroes half its inputs, Glorot's for activations that are near-linear around 0.
#pragma once

#include <string_view>

#include "../graph/random.hpp"
#include "mlp.hpp"

namespace tapegrad {

enum class InitScheme { kGlorotUniform, kHeUniform };

InitScheme init_scheme(Activation activation);
std::string_view to_string(InitScheme scheme);  // "glorot_uniform", "he_uniform"

// The bound b of U(−b, b) for a layer of `in` inputs and `out` outputs under `scheme`.
double init_bound(InitScheme scheme, std::size_t in, std::size_t out);

// Re-initialises every layer of `net` by its activation, drawing from `generator` layer by
// layer, weight first (row-major); biases are set to 0.
template <class T>
void initialize_by_activation(MLP<T>& net, Generator& generator);

extern template void initialize_by_activation(MLP<float>&, Generator&);
extern template void initialize_by_activation(MLP<double>&, Generator&);

}  // namespace tapegrad
