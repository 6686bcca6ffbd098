#include "init.hpp"

#include <cmath>

namespace tapegrad {

InitScheme init_scheme(Activation activation) {
  return activation == Activation::kRelu ? InitScheme::kHeUniform : InitScheme::kGlorotUniform;
}

std::string_view to_string(InitScheme scheme) {
  return scheme == InitScheme::kHeUniform ? "he_uniform" : "glorot_uniform";
}

double init_bound(InitScheme scheme, std::size_t in, std::size_t out) {
  // Var U(−b, b) = b²/3: He wants 2/in, Glorot 2/(in + out).
  const double fan =
      scheme == InitScheme::kHeUniform ? static_cast<double>(in) : static_cast<double>(in + out);
  return std::sqrt(6.0 / fan);
}

template <class T>
void initialize_by_activation(MLP<T>& net, Generator& generator) {
  for (std::size_t k = 0; k < net.layers().size(); ++k) {
    Linear<T>& layer = net.layers()[k];
    const double bound =
        init_bound(init_scheme(net.activations()[k]), layer.in_features(), layer.out_features());
    for (T& w : layer.weight.values()) w = static_cast<T>(generator.uniform(-bound, bound));
    if (layer.bias.defined())
      for (T& b : layer.bias.values()) b = T(0);
  }
}

template void initialize_by_activation(MLP<float>&, Generator&);
template void initialize_by_activation(MLP<double>&, Generator&);

}  // namespace tapegrad
