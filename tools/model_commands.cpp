// The commands that work on model files: `tapegrad init`, `grad`, `train`, and `gradcheck` with
// --model/--weights/--data. Each reads the JSON config (models/io/config.hpp), the safetensors
// weights (tools/weights.hpp) and the CSV data (models/io/csv_data.hpp), and runs in the element
// type of the weights file: F32 as float, F64 as double; the gradient check always runs in double.
#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <utility>

#include "collective.hpp"
#include "commands.hpp"
#include "gradcheck_report.hpp"
#include "gradient_exchange.hpp"
#include "graph/checks.hpp"
#include "graph/errors.hpp"
#include "graph/tape.hpp"
#include "model_checks.hpp"
#include "model_files.hpp"
#include "models/data.hpp"
#include "models/init.hpp"
#include "models/io/atomic_file.hpp"
#include "models/io/config.hpp"
#include "models/io/config_model.hpp"
#include "models/io/csv_data.hpp"
#include "models/io/module_state.hpp"
#include "models/io/safetensors.hpp"
#include "models/io/training.hpp"
#include "ops/ops.hpp"
#include "output_paths.hpp"
#include "progress.hpp"
#include "weights.hpp"

namespace tapegrad::tools {

namespace {

template <class T>
int grad_in(const ModelConfig& config, const GradOptions& options, const Dataset& data,
            const TensorFile& weights) {
  check_targets(config.loss, data, kTargetSumTolerance<T>);
  // Training mode, as torch's modules start: the gradient a training step would take (dropout
  // draws its masks from the default generator).
  const std::shared_ptr<Module<T>> model = load_model<T>(config, weights);
  Module<T>& net = *model;
  Tape<T> tape;
  TapeGuard<T> guard(tape);
  const Var<T> loss = apply_loss(config.loss, net.forward(data.x_as<T>()), Var<T>(data.y_as<T>()));
  net.zero_grad();
  loss.backward();
  refuse_overflow("grad", static_cast<double>(loss.item()), net, "at these weights");
  save_weights(options.out, named_grads(net));
  fmt::print("loss {} over {} rows: {:.10g}\nwrote the gradient of {} parameters to {}\n",
             to_string(config.loss), data.rows, static_cast<double>(loss.item()),
             net.named_parameters().size(), options.out);
  return 0;
}

// One line per layer with parameters: their names, shapes and how they were drawn (torch's
// defaults: U(±1/√fan_in) for linear and conv2d, fan_in = in·kH·kW; ones and zeros for layer_norm).
void print_layered_init(const ModelConfig& config) {
  std::vector<std::size_t> input = config.example_shape();
  for (std::size_t k = 0; k < config.layers.size(); ++k) {
    const LayerConfig& layer = config.layers[k];
    const bool bias = layer.bias.value_or(config.bias);
    std::size_t fan_in = 0;
    std::vector<std::size_t> weight;
    if (layer.type == LayerType::kLinear) {
      fan_in = input[0];
      weight = {layer.units, input[0]};
    } else if (layer.type == LayerType::kConv2d) {
      fan_in = input[0] * layer.kernel_size[0] * layer.kernel_size[1];
      weight = {layer.out_channels, input[0], layer.kernel_size[0], layer.kernel_size[1]};
    }
    if (fan_in > 0) {
      const double bound = 1 / std::sqrt(static_cast<double>(fan_in));
      fmt::print("{}.weight: [{}] uniform ±{:.4g}{}\n", k, fmt::join(weight, ","), bound,
                 bias ? fmt::format(", {}.bias: [{}] uniform ±{:.4g}", k, weight[0], bound) : "");
    } else if (layer.type == LayerType::kLayerNorm) {
      fmt::print("{0}.weight: [{1}] ones, {0}.bias: [{1}] zeros\n", k, fmt::join(input, ","));
    }
    input = layer.output_shape;
  }
}

// gradcheck --order 2 of a dense-only config's MLP: the same loss as a function of the
// parameters' values, for gradgradcheck.
int gradgradcheck_files(const ModelConfig& config, const GradcheckCommandOptions& options,
                        MLP<double>& net, const Tensor<double>& x, const Tensor<double>& y,
                        std::size_t rows, const std::function<Var<double>()>& loss) {
  // The same loss as a function of the parameters' values, for gradgradcheck: layer k is
  // activation_k(linear(h, weight_k, bias_k)), its tensors taken in named_parameters order.
  std::vector<std::string> names;
  std::vector<Tensor<double>> values;
  for (const auto& [name, p] : net.named_parameters()) {
    names.push_back(name);
    values.push_back(p.value());
  }
  const std::size_t per_layer = config.bias ? 2 : 1;
  const auto of_parameters = [&](std::span<const Var<double>> theta) {
    Var<double> h = x;
    for (std::size_t k = 0; k < net.layers().size(); ++k)
      h = activate(
          net.activations()[k],
          linear(h, theta[per_layer * k], config.bias ? theta[per_layer * k + 1] : Var<double>()));
    return apply_loss(config.loss, h, Var<double>(y));
  };
  {
    // The rebuilt loss must be the model's: the same value at the same weights.
    Tape<double> tape;
    TapeGuard<double> guard(tape);
    NoGradGuard no_grad;
    std::vector<Var<double>> theta;
    for (const Tensor<double>& t : values) theta.push_back(Var<double>(t));
    const double rebuilt = of_parameters(theta).item(), model = loss().item();
    if (std::abs(rebuilt - model) > 1e-12 * std::max(1.0, std::abs(model)))
      throw Error(fmt::format(
          "gradcheck --order 2: the loss rebuilt from the parameters ({}) is not the model's "
          "({}); a bug in tapegrad",
          rebuilt, model));
  }
  const GradcheckReport report =
      gradgradcheck_report(of_parameters, values, names, options,
                           fmt::format("{} over {} rows of {}", options.model, rows, options.data));
  fmt::print("{}", report.text);
  return report.status;
}

}  // namespace

int run_init(const InitOptions& options) {
  OutputPlan plan;
  plan.input("--model", options.model);
  plan.output("--out", options.out, overwrite(options.overwrite_input));
  plan.check();
  const ModelConfig config = read_model_config(options.model);
  const std::uint64_t seed = options.seed ? *options.seed : config.seed.value_or(1);
  Generator generator(seed);
  auto init = [&](auto zero) {
    using T = decltype(zero);
    if (config.is_layered()) {
      const auto net = make_sequential<T>(config, &generator);
      io::save(*net, options.out);
      print_layered_init(config);
      return;
    }
    MLP<T> net(config.mlp_options());
    initialize_by_activation(net, generator);
    save_weights(options.out, named_values(net));
    for (std::size_t k = 0; k < net.layers().size(); ++k) {
      const Linear<T>& layer = net.layer(k);
      const InitScheme scheme = init_scheme(net.activations()[k]);
      fmt::print("layers.{}: [{},{}] {} ±{:.4g}, bias 0\n", k, layer.out_features(),
                 layer.in_features(), to_string(scheme),
                 init_bound(scheme, layer.in_features(), layer.out_features()));
    }
  };
  if (options.dtype == "F64")
    init(0.0);
  else if (options.dtype == "F32")
    init(0.0f);
  else
    throw Error(fmt::format("init: --dtype must be F32 or F64, got '{}'", options.dtype));
  fmt::print("wrote {} ({}, seed {})\n", options.out, options.dtype, seed);
  return 0;
}

int run_grad(const GradOptions& options) {
  OutputPlan plan;
  plan.input("--model", options.model);
  plan.input("--weights", options.weights);
  plan.input("--data", options.data);
  plan.output("--out", options.out, overwrite(options.overwrite_input));
  plan.check();
  const ModelConfig config = read_model_config(options.model);
  const Dataset data = read_model_data(options.data, config);
  const TensorFile weights = read_weights(options.weights);
  return weights_are_double(weights) ? grad_in<double>(config, options, data, weights)
                                     : grad_in<float>(config, options, data, weights);
}

int run_gradcheck_files(const GradcheckCommandOptions& options) {
  const ModelConfig config = read_model_config(options.model);
  const Dataset data = read_model_data(options.data, config);
  check_targets(config.loss, data, kTargetSumTolerance<double>);
  if (options.order == 2 && config.is_layered())
    throw Error(fmt::format(
        "gradcheck --order 2: {} has typed layers; the second-order check rebuilds the loss of an "
        "MLP from its parameters, so it takes dense-only configs. Use --order 1",
        options.model));
  const std::shared_ptr<Module<double>> built = make_model<double>(config);
  Module<double>& net = *built;
  load_weights(options.weights, net);  // F32 weights are widened to double; refused if not finite
  const std::size_t rows = options.rows == 0 ? data.rows : std::min(options.rows, data.rows);
  std::vector<std::size_t> first(rows);
  for (std::size_t r = 0; r < rows; ++r) first[r] = r;
  Tensor<double> x, y;
  gather_rows(data.x, first, x);
  gather_rows(data.y, first, y);
  auto loss = [&] { return apply_loss(config.loss, net.forward(x), Var<double>(y)); };
  // A loss or gradient that overflows at these weights would fail every element and blame an
  // innocent op; say what happened instead. Timing this pass gives the estimate.
  const double seconds_per_loss = check_finite_at_start(net, loss);

  if (options.order == 2)
    return gradgradcheck_files(config, options, dynamic_cast<MLP<double>&>(net), x, y, rows, loss);

  GradcheckCommandOptions checked = options;
  checked.progress = announce_gradcheck(net, options.max_elements, seconds_per_loss);
  // A layered model is checked in training mode with its state (dropout's masks) restored before
  // each evaluation (models/module_check.hpp).
  const GradcheckReport report = gradcheck_report(
      net.parameters(), loss, checked,
      fmt::format("{} over {} rows of {}{}", options.model, rows, options.data,
                  options.max_elements == 0
                      ? ""
                      : fmt::format(", at most {} elements per parameter sampled with seed {}",
                                    options.max_elements, options.seed)),
      config.is_layered() ? &net : nullptr);
  fmt::print("{}", report.text);
  return report.status;
}

}  // namespace tapegrad::tools
