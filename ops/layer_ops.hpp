// The ops that layers are made of, beyond the tensor API of ops.hpp: dropout, layer and batch
// normalisation, and embedding lookups (torch.nn.functional's spellings and defaults). Each lives
// in its own file, ops/<name>.cpp, with its forward and its one vjp.
#pragma once

#include <cstdint>
#include <optional>

#include "../graph/random.hpp"
#include "../graph/var.hpp"
#include "ops.hpp"

namespace tapegrad {

// ---- Dropout ----
// In training, zeroes each element with probability p, drawn from `generator` (the same bits for
// the same generator state), and scales the kept ones by 1/(1 − p) ("inverted" dropout, as
// torch), so that the expected value is x. The mask is saved on the tape for backward. Identity
// (x itself, nothing recorded, nothing drawn) when !training or p = 0; p = 1 gives zeros. Throws
// Error naming p if it is outside [0, 1].
Var<float> dropout(const Var<float>& x, double p, bool training, Generator& generator);
Var<double> dropout(const Var<double>& x, double p, bool training, Generator& generator);
Var<float> dropout(const Var<float>& x, double p, bool training);  // the thread's default generator
Var<double> dropout(const Var<double>& x, double p, bool training);

// ---- Normalisation ----
// (x − mean) / √(var + eps) · weight + bias over the trailing axes `normalized_shape`, with the
// biased variance (torch's F.layer_norm); weight and bias (of normalized_shape) are optional.
Var<float> layer_norm(const Var<float>& x, const Shape& normalized_shape,
                      const Var<float>& weight = {}, const Var<float>& bias = {},
                      double eps = 1e-5);
Var<double> layer_norm(const Var<double>& x, const Shape& normalized_shape,
                       const Var<double>& weight = {}, const Var<double>& bias = {},
                       double eps = 1e-5);
// Per channel C of x [N, C], [N, C, L] or [N, C, H, W] (any rank ≥ 2), as torch's F.batch_norm.
// Training: normalise with the batch's mean and biased variance over N and the spatial axes and,
// where running_mean/running_var are given, update them in place:
// r = (1 − momentum)·r + momentum·statistic, with the unbiased variance for running_var (torch).
// A batch of one value per channel is an error, as in torch. Eval: normalise with the running
// statistics, which must then be given (they get no gradient). weight and bias [C] are optional.
Var<float> batch_norm(const Var<float>& x, Tensor<float>* running_mean, Tensor<float>* running_var,
                      const Var<float>& weight, const Var<float>& bias, bool training,
                      double momentum = 0.1, double eps = 1e-5);
Var<double> batch_norm(const Var<double>& x, Tensor<double>* running_mean,
                       Tensor<double>* running_var, const Var<double>& weight,
                       const Var<double>& bias, bool training, double momentum = 0.1,
                       double eps = 1e-5);

// ---- Embedding ----
// The rows of weight [num, dim] picked by integer indices of any shape: indices.shape + [dim].
// Backward adds each output row's gradient into the row it was picked from (a scatter-add); the
// row padding_idx (negative counts from the end, as torch) gets no gradient. Throws ShapeError
// naming an index out of range, its position and num.
Var<float> embedding(const Var<float>& weight, const IndexTensor& indices,
                     std::optional<std::int64_t> padding_idx = {});
Var<double> embedding(const Var<double>& weight, const IndexTensor& indices,
                      std::optional<std::int64_t> padding_idx = {});

}  // namespace tapegrad
