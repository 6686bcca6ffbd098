// The commands that work on model files: `tapegrad init`, `grad`, `train`, and `gradcheck` with
// --model/--weights/--data. Each reads the JSON config (models/config.hpp), the safetensors
// weights (tools/weights.hpp) and the CSV data (models/csv_data.hpp), and runs in the element type
// of the weights file: F32 as float, F64 as double; the gradient check always runs in double.
#include <fmt/format.h>

#include <chrono>
#include <cmath>

#include "commands.hpp"
#include "gradcheck_report.hpp"
#include "progress.hpp"
#include "tapegrad/graph/atomic_file.hpp"
#include "tapegrad/graph/checks.hpp"
#include "tapegrad/graph/errors.hpp"
#include "tapegrad/graph/tape.hpp"
#include "tapegrad/models/config.hpp"
#include "tapegrad/models/csv_data.hpp"
#include "tapegrad/models/init.hpp"
#include "tapegrad/models/training.hpp"
#include "tapegrad/ops/ops.hpp"
#include "weights.hpp"

namespace tapegrad::tools {

namespace {

template <class T>
std::vector<std::pair<std::string, Tensor<T>>> named_values(const MLP<T>& net) {
  std::vector<std::pair<std::string, Tensor<T>>> out;
  for (const auto& [name, p] : net.named_parameters()) out.emplace_back(name, p.value());
  return out;
}

template <class T>
std::vector<std::pair<std::string, Tensor<T>>> named_grads(const MLP<T>& net) {
  std::vector<std::pair<std::string, Tensor<T>>> out;
  for (const auto& [name, p] : net.named_parameters()) out.emplace_back(name, p.grad());
  return out;
}

// The model of `config` with the weights of `weights_path`, checked against each other.
template <class T>
MLP<T> load_model(const ModelConfig& config, const std::string& weights_path) {
  MLP<T> net(config.mlp_options());
  load_weights(weights_path, net);
  return net;
}

template <class T>
int grad_in(const ModelConfig& config, const GradOptions& options, const Dataset& data) {
  MLP<T> net = load_model<T>(config, options.weights);
  Tape<T> tape;
  TapeGuard<T> guard(tape);
  const Var<T> loss = apply_loss(config.loss, net.forward(data.x_as<T>()), Var<T>(data.y_as<T>()));
  net.zero_grad();
  loss.backward();
  save_weights(options.out, named_grads(net));
  fmt::print("loss {} over {} rows: {:.10g}\nwrote the gradient of {} parameters to {}\n",
             to_string(config.loss), data.rows, static_cast<double>(loss.item()),
             net.named_parameters().size(), options.out);
  return 0;
}

template <class T>
int train_in(const ModelConfig& config, const TrainCommandOptions& options, const Dataset& data,
             const std::optional<Dataset>& validation) {
  MLP<T> net = load_model<T>(config, options.weights);
  const DetectAnomalyGuard anomaly(options.detect_anomaly);
  auto optimizer =
      make_optimizer<T>(parse_optimizer(options.optimizer), net.parameters(), options.lr);
  BatchOrder order(data.rows, options.batch);
  Generator generator(options.seed);
  Progress progress(stdout, is_terminal(stdout), options.epochs, order.batches());
  Tape<T> tape;
  TapeGuard<T> guard(tape);
  Tensor<T> xb, yb;
  const Tensor<T> all_x = data.x_as<T>(), all_y = data.y_as<T>();
  auto evaluate = [&](const Tensor<T>& x, const Tensor<T>& y) {
    NoGradGuard no_grad;
    tape.clear();
    return static_cast<double>(apply_loss(config.loss, net.forward(x), Var<T>(y)).item());
  };
  std::optional<Tensor<T>> val_x, val_y;
  if (validation) val_x = validation->x_as<T>(), val_y = validation->y_as<T>();

  std::vector<EpochRecord> records;
  const double initial = evaluate(all_x, all_y);
  fmt::print("{} rows, {} steps per epoch, {} with lr {}; loss {} at the start: {:.6g}\n",
             data.rows, order.batches(), options.optimizer, options.lr, to_string(config.loss),
             initial);
  for (int epoch = 1; epoch <= options.epochs; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    std::size_t seen = 0, step = 0;
    for (const std::vector<std::size_t>& rows : order.next_epoch(generator)) {
      gather_rows(data.x, rows, xb);
      gather_rows(data.y, rows, yb);
      tape.clear();
      const Var<T> loss = apply_loss(config.loss, net.forward(xb), Var<T>(yb));
      optimizer->zero_grad();
      loss.backward();
      optimizer->step();
      seen += rows.size();
      progress.step(epoch, ++step, static_cast<double>(loss.item()), seen);
    }
    EpochRecord record;
    record.epoch = epoch;
    record.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    record.examples_per_second =
        record.seconds > 0 ? static_cast<double>(seen) / record.seconds : 0;
    record.train_loss = evaluate(all_x, all_y);
    if (val_x) record.validation_loss = evaluate(*val_x, *val_y);
    if (!std::isfinite(record.train_loss))
      throw Error(fmt::format(
          "train: the loss became {} in epoch {}; try a smaller --lr, or --detect-anomaly to "
          "find the op where it started",
          std::isnan(record.train_loss) ? "NaN" : "infinite", epoch));
    progress.epoch_done(record);
    records.push_back(record);
  }
  save_weights(options.out, named_values(net));
  fmt::print("wrote {}\n", options.out);
  if (!options.log.empty()) {
    write_file_atomically(options.log, loss_log_csv(records));
    fmt::print("wrote {}\n", options.log);
  }
  if (!options.plot.empty()) {
    const std::string title =
        fmt::format("{}: {} loss per epoch", config.name.empty() ? options.model : config.name,
                    to_string(config.loss));
    write_file_atomically(options.plot, loss_plot_svg(records, title));
    fmt::print("wrote {}\n", options.plot);
  }
  return 0;
}

}  // namespace

int run_init(const InitOptions& options) {
  const ModelConfig config = read_model_config(options.model);
  const std::uint64_t seed = options.seed ? *options.seed : config.seed.value_or(1);
  Generator generator(seed);
  auto init = [&](auto zero) {
    using T = decltype(zero);
    MLP<T> net(config.mlp_options());
    initialize_by_activation(net, generator);
    save_weights(options.out, named_values(net));
    for (std::size_t k = 0; k < net.layers().size(); ++k) {
      const Linear<T>& layer = net.layers()[k];
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
  const ModelConfig config = read_model_config(options.model);
  const Dataset data = read_csv_dataset(options.data, config.inputs, config.outputs());
  return weights_are_double(options.weights) ? grad_in<double>(config, options, data)
                                             : grad_in<float>(config, options, data);
}

int run_train(const TrainCommandOptions& options) {
  const ModelConfig config = read_model_config(options.model);
  const Dataset data = read_csv_dataset(options.data, config.inputs, config.outputs());
  std::optional<Dataset> validation;
  if (!options.validation.empty())
    validation = read_csv_dataset(options.validation, config.inputs, config.outputs());
  return weights_are_double(options.weights) ? train_in<double>(config, options, data, validation)
                                             : train_in<float>(config, options, data, validation);
}

int run_gradcheck_files(const GradcheckCommandOptions& options) {
  const ModelConfig config = read_model_config(options.model);
  const Dataset data = read_csv_dataset(options.data, config.inputs, config.outputs());
  MLP<double> net(config.mlp_options());
  load_weights(options.weights, net);  // F32 weights are widened to double
  const std::size_t rows = options.rows == 0 ? data.rows : std::min(options.rows, data.rows);
  std::vector<std::size_t> first(rows);
  for (std::size_t r = 0; r < rows; ++r) first[r] = r;
  Tensor<double> x, y;
  gather_rows(data.x, first, x);
  gather_rows(data.y, first, y);
  auto loss = [&] { return apply_loss(config.loss, net.forward(x), Var<double>(y)); };

  if (options.order == 2) {
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
        h = activate(net.activations()[k],
                     linear(h, theta[per_layer * k],
                            config.bias ? theta[per_layer * k + 1] : Var<double>()));
      return apply_loss(config.loss, h, Var<double>(y));
    };
    const GradcheckReport report = gradgradcheck_report(
        of_parameters, values, names, options,
        fmt::format("{} over {} rows of {}", options.model, rows, options.data));
    fmt::print("{}", report.text);
    return report.status;
  }

  const GradcheckReport report =
      gradcheck_report(net.parameters(), loss, options,
                       fmt::format("{} over {} rows of {}", options.model, rows, options.data));
  fmt::print("{}", report.text);
  return report.status;
}

}  // namespace tapegrad::tools
