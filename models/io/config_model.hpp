// The model a config describes (models/io/config.hpp), built as modules: a dense-only config is
// the MLP of before ("layers.0.weight"), a layered one a Sequential with one child per layer
// entry, activations included, so its parameters have torch's nn.Sequential names ("0.weight",
// "3.bias") and io::save / io::load (models/io/module_state.hpp) read and write torch's files.
//
//   Generator generator(config.seed.value_or(1));
//   std::shared_ptr<Module<float>> net = make_model<float>(config, &generator);
//   Var<float> out = net->forward(x);  // x [N, inputs], as CSV rows give it
#pragma once

#include <memory>
#include <vector>

#include "../../graph/random.hpp"
#include "../sequential.hpp"
#include "config.hpp"

namespace tapegrad {

// A Sequential that takes each row flat, [N, C·H·W], and sees it as [N, C, H, W] (the config's
// input_shape), so that data from a CSV goes in as it is read.
template <class T>
class ConfigSequential : public Sequential<T> {
 public:
  explicit ConfigSequential(std::vector<std::size_t> input_shape)
      : input_shape_(std::move(input_shape)) {}
  // x [N, inputs] (or [inputs], one example) → the last layer's output [N, outputs].
  Var<T> forward(const Var<T>& x) override;
  const std::vector<std::size_t>& input_shape() const { return input_shape_; }

 private:
  std::vector<std::size_t> input_shape_;
};

// The Sequential of a layered config, its weights drawn as torch's layers draw them from
// `generator` (the thread's default generator if null). Throws Error for a dense-only config.
template <class T>
std::shared_ptr<ConfigSequential<T>> make_sequential(const ModelConfig& config,
                                                     Generator* generator = nullptr);

// make_sequential for a layered config; for a dense-only one, MLP<T>(config.mlp_options()) with
// torch's default draws from `generator` (tapegrad init then re-draws the MLP by activation).
template <class T>
std::shared_ptr<Module<T>> make_model(const ModelConfig& config, Generator* generator = nullptr);

extern template class ConfigSequential<float>;
extern template class ConfigSequential<double>;
extern template std::shared_ptr<ConfigSequential<float>> make_sequential(const ModelConfig&,
                                                                         Generator*);
extern template std::shared_ptr<ConfigSequential<double>> make_sequential(const ModelConfig&,
                                                                          Generator*);
extern template std::shared_ptr<Module<float>> make_model(const ModelConfig&, Generator*);
extern template std::shared_ptr<Module<double>> make_model(const ModelConfig&, Generator*);

}  // namespace tapegrad
