// The pieces a training loop is assembled from when a model comes from a config file (models/
// config.hpp): its loss as an op, an optimizer chosen by name, and rows of a dataset (the
// batches themselves come from a DataLoader, models/data.hpp).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../../graph/tensor.hpp"
#include "../../graph/var.hpp"
#include "../../optim/optimizer.hpp"
#include "config.hpp"
#include "csv_data.hpp"

namespace tapegrad {

// The config's loss of prediction ŷ [n,k] against target y [n,k]: sse_loss, mse_loss or
// softmax_cross_entropy.
template <class T>
Var<T> apply_loss(Loss loss, const Var<T>& prediction, const Var<T>& target);

// Checks that `data`'s targets suit `loss`: for softmax_cross_entropy each row must be a
// probability distribution - no negative entry, the row summing to 1 within `tolerance`
// (relative to 1: about 1e-6 for a float model, 1e-12 for a double one). Negative targets or
// sums far from 1 make the loss unbounded below, so training "improves" it without end. Throws
// Error naming the file's line, the row and the sum or the entry. Other losses take any target.
void check_targets(Loss loss, const Dataset& data, double tolerance);

// A model's CSV data: read_csv_dataset with the config's inputs and outputs; with "targets":
// "class_index", one label column per row, each an integer from 0 to outputs − 1 (an Error names
// the line and column of any other value), given back as one-hot targets y [rows, outputs].
Dataset read_model_data(const std::string& path, const ModelConfig& config);

enum class OptimizerKind {
  kSgd,       // "sgd": θ ← θ − η g
  kMomentum,  // "momentum": SGD with momentum 0.9
  kAdam,      // "adam": Adam with betas (0.9, 0.999), eps 1e-8
  kAdamW,     // "adamw": AdamW (decoupled weight decay), betas (0.9, 0.999), eps 1e-8
};
std::string_view to_string(OptimizerKind kind);
OptimizerKind parse_optimizer(std::string_view name);  // throws Error listing the names

// With weight_decay λ if given (SGD's and Adam's added to the gradient, AdamW's decoupled), else
// each optimizer's default (0; AdamW 0.01, as torch's).
template <class T>
std::unique_ptr<Optimizer<T>> make_optimizer(OptimizerKind kind, std::vector<Parameter<T>> params,
                                             double learning_rate,
                                             std::optional<double> weight_decay = {});

// The rows `rows` of a [n, k] tensor, converted to T, into `out` ([rows.size(), k]; reused).
template <class T>
void gather_rows(const Tensor<double>& source, const std::vector<std::size_t>& rows,
                 Tensor<T>& out);

extern template Var<float> apply_loss(Loss, const Var<float>&, const Var<float>&);
extern template Var<double> apply_loss(Loss, const Var<double>&, const Var<double>&);
extern template std::unique_ptr<Optimizer<float>> make_optimizer(OptimizerKind,
                                                                 std::vector<Parameter<float>>,
                                                                 double, std::optional<double>);
extern template std::unique_ptr<Optimizer<double>> make_optimizer(OptimizerKind,
                                                                  std::vector<Parameter<double>>,
                                                                  double, std::optional<double>);
extern template void gather_rows(const Tensor<double>&, const std::vector<std::size_t>&,
                                 Tensor<float>&);
extern template void gather_rows(const Tensor<double>&, const std::vector<std::size_t>&,
                                 Tensor<double>&);

}  // namespace tapegrad
