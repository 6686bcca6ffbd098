#include "training.hpp"

#include <fmt/format.h>

#include <cmath>
#include <utility>

#include "../../graph/errors.hpp"
#include "../../ops/ops.hpp"
#include "../../optim/adam.hpp"
#include "../../optim/adamw.hpp"
#include "../../optim/sgd.hpp"
#include "limits.hpp"

namespace tapegrad {

template <class T>
Var<T> apply_loss(Loss loss, const Var<T>& prediction, const Var<T>& target) {
  switch (loss) {
    case Loss::kSse:
      return sse_loss(prediction, target);
    case Loss::kMse:
      return mse_loss(prediction, target);
    case Loss::kSoftmaxCrossEntropy:
      return softmax_cross_entropy(prediction, target);
  }
  throw Error(fmt::format("apply_loss: unknown Loss value {}", static_cast<int>(loss)));
}

std::string_view to_string(OptimizerKind kind) {
  switch (kind) {
    case OptimizerKind::kSgd:
      return "sgd";
    case OptimizerKind::kMomentum:
      return "momentum";
    case OptimizerKind::kAdam:
      return "adam";
    case OptimizerKind::kAdamW:
      return "adamw";
  }
  throw Error(fmt::format("to_string: unknown OptimizerKind value {}", static_cast<int>(kind)));
}

OptimizerKind parse_optimizer(std::string_view name) {
  for (OptimizerKind kind :
       {OptimizerKind::kSgd, OptimizerKind::kMomentum, OptimizerKind::kAdam, OptimizerKind::kAdamW})
    if (to_string(kind) == name) return kind;
  throw Error(
      fmt::format("unknown optimizer '{}'; expected one of sgd, momentum, adam, adamw", name));
}

template <class T>
std::unique_ptr<Optimizer<T>> make_optimizer(OptimizerKind kind, std::vector<Parameter<T>> params,
                                             double learning_rate,
                                             std::optional<double> weight_decay) {
  switch (kind) {
    case OptimizerKind::kSgd:
      return std::make_unique<SGD<T>>(
          std::move(params), SGDOptions(learning_rate).weight_decay(weight_decay.value_or(0.0)));
    case OptimizerKind::kMomentum:
      return std::make_unique<SGD<T>>(
          std::move(params),
          SGDOptions(learning_rate).momentum(0.9).weight_decay(weight_decay.value_or(0.0)));
    case OptimizerKind::kAdam:
      return std::make_unique<Adam<T>>(
          std::move(params), AdamOptions(learning_rate).weight_decay(weight_decay.value_or(0.0)));
    case OptimizerKind::kAdamW: {
      AdamWOptions options(learning_rate);
      if (weight_decay) options.weight_decay(*weight_decay);
      return std::make_unique<AdamW<T>>(std::move(params), options);
    }
  }
  throw Error(
      fmt::format("make_optimizer: unknown OptimizerKind value {}", static_cast<int>(kind)));
}

void check_targets(Loss loss, const Dataset& data, double tolerance) {
  if (loss != Loss::kSoftmaxCrossEntropy) return;
  const std::size_t k = data.outputs;
  for (std::size_t r = 0; r < data.rows; ++r) {
    double sum = 0;
    for (std::size_t j = 0; j < k; ++j) {
      const double target = data.y[r * k + j];
      if (target < 0) {
        const std::size_t column = data.inputs + j;
        throw Error(fmt::format(
            "{}:{}: row {}: column {} (\"{}\") is {:g}, but the targets of "
            "softmax_cross_entropy are probabilities, each ≥ 0 and summing to 1 per row",
            data.file, r + 2, r, column + 1,
            column < data.columns.size() ? data.columns[column] : "?", target));
      }
      sum += target;
    }
    if (!(std::abs(sum - 1) <= tolerance))
      throw Error(fmt::format(
          "{}:{}: row {}: the targets sum to {:.17g}, but the targets of softmax_cross_entropy "
          "are probabilities that sum to 1 per row (within {:g}); give one-hot rows or class "
          "probabilities",
          data.file, r + 2, r, sum, tolerance));
  }
}

Dataset read_model_data(const std::string& path, const ModelConfig& config) {
  if (config.targets == Targets::kColumns)
    return read_csv_dataset(path, config.inputs, config.outputs());
  Dataset data = read_csv_dataset(path, config.inputs, 1);
  const std::size_t k = config.outputs();
  // The one-hot rows are not in the file, so the file's cap does not bound them: they may take
  // no more than a data file may (TAPEGRAD_MAX_CSV_BYTES), checked before they are allocated.
  std::uint64_t bytes = 0;
  const std::uint64_t cap = input_limits().csv_bytes;
  if (__builtin_mul_overflow(std::uint64_t{data.rows} * sizeof(double), std::uint64_t{k}, &bytes) ||
      bytes > cap)
    throw Error(fmt::format(
        "{}: {} rows of {} classes as one-hot targets would take more than {}, the limit on data "
        "(TAPEGRAD_MAX_CSV_BYTES)",
        data.file, data.rows, k, format_bytes(cap)));
  Tensor<double> one_hot(Shape{data.rows, k});
  for (std::size_t r = 0; r < data.rows; ++r) {
    const double label = data.y[r];
    if (!(label >= 0 && label < static_cast<double>(k) && label == std::floor(label)))
      throw Error(fmt::format(
          "{}:{}: row {}: column {} (\"{}\") is {:g}, but with \"targets\": \"class_index\" the "
          "last column is a class number, an integer from 0 to {}",
          data.file, r + 2, r, data.inputs + 1,
          data.inputs < data.columns.size() ? data.columns[data.inputs] : "?", label, k - 1));
    one_hot[r * k + static_cast<std::size_t>(label)] = 1;  // the one-hot row of class `label`
  }
  data.y = std::move(one_hot);
  data.outputs = k;
  return data;
}

template <class T>
void gather_rows(const Tensor<double>& source, const std::vector<std::size_t>& rows,
                 Tensor<T>& out) {
  if (source.rank() != 2)
    throw ShapeError(fmt::format("gather_rows: source {} must be 2-D", source.shape().str()));
  const std::size_t k = source.shape()[1];
  if (!(out.shape() == Shape{rows.size(), k})) out = Tensor<T>(Shape{rows.size(), k});
  for (std::size_t r = 0; r < rows.size(); ++r) {
    if (rows[r] >= source.shape()[0])
      throw ShapeError(
          fmt::format("gather_rows: row {} of a {} tensor", rows[r], source.shape().str()));
    for (std::size_t j = 0; j < k; ++j) out[r * k + j] = static_cast<T>(source[rows[r] * k + j]);
  }
}

template Var<float> apply_loss(Loss, const Var<float>&, const Var<float>&);
template Var<double> apply_loss(Loss, const Var<double>&, const Var<double>&);
template std::unique_ptr<Optimizer<float>> make_optimizer(OptimizerKind,
                                                          std::vector<Parameter<float>>, double,
                                                          std::optional<double>);
template std::unique_ptr<Optimizer<double>> make_optimizer(OptimizerKind,
                                                           std::vector<Parameter<double>>, double,
                                                           std::optional<double>);
template void gather_rows(const Tensor<double>&, const std::vector<std::size_t>&, Tensor<float>&);
template void gather_rows(const Tensor<double>&, const std::vector<std::size_t>&, Tensor<double>&);

}  // namespace tapegrad
