// batch_norm(x, running_mean, running_var, w, b, training): each channel c of x [N, C, ...]
// standardised over the batch and the spatial axes, then scaled and shifted per channel:
// y = x̂·w_c + b_c, x̂ = (x − μ_c)·r_c, r_c = 1/√(σ²_c + ε) (Ioffe and Szegedy 2015, "Batch
// Normalization"; torch's F.batch_norm). In training μ and σ² (biased) are the batch's, so
// dx = r·(ĝ − mean ĝ − x̂·mean(ĝ ⊙ x̂)) per channel, with ĝ = g·w; in eval they are the running
// statistics, constants, so dx = r·ĝ. In both, dw_c = Σ g ⊙ x̂ and db_c = Σ g over the channel.
// The forward is fused; the vjp recomputes x̂ with differentiable ops, so that it can be
// differentiated again. Training also updates the running statistics, after the op is recorded.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include "../graph/op.hpp"
#include "detail/normalization.hpp"
#include "layer_ops.hpp"

namespace tapegrad {
namespace {

template <class T>
struct BatchNormSpec {
  Shape kept;         // [1, C, 1, ...]: x's shape with every axis but the channels' as 1
  std::size_t count;  // N times the spatial size: the elements of each channel
  double eps;
  bool training;
  bool weight, bias;  // inputs 1 and 2 (or 1 alone), in that order
  const T* mean;      // eval: the running statistics, on the tape (C values each)
  const T* rstd;
  const double *batch_mean, *batch_rstd;  // the statistics used, for the fused backward
};

template <class T>
class BatchNormNode final : public Node<T> {
 public:
  explicit BatchNormNode(const BatchNormSpec<T>& s) : s_(s) {}
  std::string_view name() const override { return "batch_norm"; }
  std::string derivative(std::size_t input) const override {
    if (input == 0)
      return s_.training ? (s_.weight ? "r(1 − (1 + x̂x̂)/N)w" : "r(1 − (1 + x̂x̂)/N)")
                         : (s_.weight ? "rw" : "r");
    return input == 1 && s_.weight ? "x̂" : "1";
  }
  std::size_t saved_bytes() const override { return this->input(0).size() * sizeof(T); }

  // The vjp below fused into two passes over each channel, with the saved statistics.
  void backward(const BackwardContext<T>& ctx) const override {
    const Value<T>& x = this->input(0);
    const std::size_t n = x.shape[0], c = x.shape[1], s = n * c == 0 ? 0 : x.size() / (n * c);
    const std::size_t wi = s_.weight ? 1 : 0, bi = s_.bias ? wi + 1 : 0;
    const T* g = ctx.grad_output();
    T* gx = ctx.input_grad(0, x.shape);
    T* gw = s_.weight ? ctx.input_grad(wi, this->input(wi).shape) : nullptr;
    T* gb = s_.bias ? ctx.input_grad(bi, this->input(bi).shape) : nullptr;
    for (std::size_t k = 0; k < c; ++k) {
      const double mean = s_.batch_mean[k], rstd = s_.batch_rstd[k];
      const double w = s_.weight ? this->input(1).data[k] : 1;
      double sum_g = 0, sum_gx = 0;  // Σ g and Σ g x̂ over the channel
      for (std::size_t i = 0; i < n; ++i)
        for (std::size_t at = (i * c + k) * s, j = at; j < at + s; ++j) {
          sum_g += g[j];
          sum_gx += g[j] * (x.data[j] - mean) * rstd;
        }
      if (gw) gw[k] += static_cast<T>(sum_gx);  // dw_c = Σ g x̂
      if (gb) gb[k] += static_cast<T>(sum_g);   // db_c = Σ g
      if (!gx) continue;
      // Training: dx = r(ĝ − mean ĝ − x̂ mean(ĝx̂)) with ĝ = g·w_c; eval: dx = r·ĝ.
      const double per = s_.training ? 1.0 / static_cast<double>(s_.count) : 0;
      for (std::size_t i = 0; i < n; ++i)
        for (std::size_t at = (i * c + k) * s, j = at; j < at + s; ++j) {
          const double xhat = (x.data[j] - mean) * rstd;
          gx[j] += static_cast<T>(rstd * w * (g[j] - (sum_g + xhat * sum_gx) * per));
        }
    }
  }
  void vjp(const VjpContext<T>& ctx) const override {
    const Var<T>& g = ctx.grad_output();
    const std::size_t w = s_.weight ? 1 : 0, b = s_.bias ? w + 1 : 0;
    if (b != 0 && ctx.needs_grad(b))  // db_c = Σ g over the channel
      ctx.add_input_grad(b, reshape(sum_to(g, s_.kept), ctx.input(b).shape()));
    if (!ctx.needs_grad(0) && !(w != 0 && ctx.needs_grad(w))) return;
    const detail::Standardized<T> s = standardized(ctx.input(0));
    if (w != 0 && ctx.needs_grad(w))  // dw_c = Σ g ⊙ x̂ over the channel
      ctx.add_input_grad(w, reshape(sum_to(mul(g, s.xhat), s_.kept), ctx.input(w).shape()));
    if (!ctx.needs_grad(0)) return;
    const Var<T> ghat = w != 0 ? mul(g, reshape(ctx.input(w), s_.kept)) : g;  // ĝ = g·w_c
    ctx.add_input_grad(0, s_.training ? detail::standardized_grad(ghat, s, s_.kept, s_.count)
                                      : mul(ghat, s.rstd));  // eval: dx = r·ĝ
  }

 private:
  // x̂ and r: from x's own statistics in training, from the saved running ones in eval.
  detail::Standardized<T> standardized(const Var<T>& x) const {
    if (s_.training) return detail::standardize(x, s_.kept, s_.count, s_.eps);
    Tape<T>& tape = Tape<T>::current();
    const Var<T> mean = tape.constant_view(s_.kept, s_.mean);
    const Var<T> rstd = tape.constant_view(s_.kept, s_.rstd);
    return {mul(sub(x, mean), rstd), rstd};
  }
  BatchNormSpec<T> s_;
};

// Throws ShapeError (or Error, for a misuse of the modes) unless the shapes fit x [N, C, ...].
template <class T>
void check_inputs(const Shape& x, const Shape* weight, const Shape* bias,
                  const Tensor<T>* running_mean, const Tensor<T>* running_var, bool training) {
  if (x.rank() < 2)
    throw ShapeError(fmt::format(
        "batch_norm: input {} must have a batch and a channel axis: [N, C], [N, C, L] or "
        "[N, C, H, W]",
        x.str()));
  const Shape channels{x[1]};
  const auto check = [&](const char* name, const Shape* shape) {
    if (shape != nullptr && !(*shape == channels))
      throw ShapeError(fmt::format("batch_norm: {} {} for input {}: expected {}, one per channel",
                                   name, shape->str(), x.str(), channels.str()));
  };
  check("weight", weight);
  check("bias", bias);
  check("running_mean", running_mean ? &running_mean->shape() : nullptr);
  check("running_var", running_var ? &running_var->shape() : nullptr);
  if ((running_mean == nullptr) != (running_var == nullptr))
    throw Error("batch_norm: running_mean and running_var must be given both or neither");
  if (!training && running_mean == nullptr)
    throw Error(
        "batch_norm: eval mode (training = false) normalises with the running statistics, but "
        "running_mean and running_var are null");
  std::size_t per_channel = x[0];  // N times the spatial size
  for (std::size_t k = 2; k < x.rank(); ++k) per_channel *= x[k];
  if (training && per_channel <= 1)
    throw Error(fmt::format(
        "batch_norm: expected more than 1 value per channel when training, got input {}", x.str()));
}

// y = (x − μ_c)·r_c·w_c + b_c over x [N, C, S].
template <class T>
void normalize(const T* x, std::size_t n, std::size_t c, std::size_t s,
               const std::vector<double>& mean, const std::vector<double>& rstd, const T* w,
               const T* b, T* y) {
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t k = 0; k < c; ++k) {
      const double scale = rstd[k] * (w ? w[k] : 1), shift = b ? b[k] : 0;
      const std::size_t at = (i * c + k) * s;
      for (std::size_t j = 0; j < s; ++j)
        y[at + j] = static_cast<T>((x[at + j] - mean[k]) * scale + shift);
    }
}

// Per channel: the mean and biased variance used (the batch's or the running ones) and r.
struct ChannelStatistics {
  std::vector<double> mean, variance, rstd;
};
template <class T>
ChannelStatistics channel_statistics(const Value<T>& in, std::size_t s, bool training,
                                     const Tensor<T>* running_mean, const Tensor<T>* running_var,
                                     double eps) {
  const std::size_t n = in.shape[0], c = in.shape[1];
  ChannelStatistics stats{std::vector<double>(c), std::vector<double>(c), std::vector<double>(c)};
  for (std::size_t k = 0; k < c; ++k) {
    const detail::Moments m = training ? detail::moments(in.data + k * s, n, c * s, s)
                                       : detail::Moments{static_cast<double>((*running_mean)[k]),
                                                         static_cast<double>((*running_var)[k])};
    stats.mean[k] = m.mean;
    stats.variance[k] = m.variance;
    stats.rstd[k] = 1 / std::sqrt(m.variance + eps);  // r = 1/√(σ² + ε)
  }
  return stats;
}

// Onto the tape, what backward reads: the statistics in double for the fused backward, and in
// eval their T values, the constants of the vjp.
template <class T>
void save_statistics(Op<T>& op, const ChannelStatistics& stats, BatchNormSpec<T>& spec) {
  const std::size_t c = stats.mean.size();
  double* mean = op.template save_array<double>(c);
  double* rstd = op.template save_array<double>(c);
  std::copy(stats.mean.begin(), stats.mean.end(), mean);
  std::copy(stats.rstd.begin(), stats.rstd.end(), rstd);
  spec.batch_mean = mean;
  spec.batch_rstd = rstd;
  if (spec.training) return;
  T *mean_t = op.save(c), *rstd_t = op.save(c);
  for (std::size_t k = 0; k < c; ++k) {
    mean_t[k] = static_cast<T>(mean[k]);
    rstd_t[k] = static_cast<T>(rstd[k]);
  }
  spec.mean = mean_t;
  spec.rstd = rstd_t;
}

// r = (1 − momentum)·r + momentum·statistic, with the unbiased variance (count values each).
template <class T>
void update_running(Tensor<T>& running_mean, Tensor<T>& running_var, const ChannelStatistics& stats,
                    std::size_t count, double momentum) {
  const double unbiased = static_cast<double>(count) / static_cast<double>(count - 1);
  for (std::size_t k = 0; k < stats.mean.size(); ++k) {
    T &rm = running_mean[k], &rv = running_var[k];
    rm = static_cast<T>((1 - momentum) * rm + momentum * stats.mean[k]);
    rv = static_cast<T>((1 - momentum) * rv + momentum * stats.variance[k] * unbiased);
  }
}

template <class T>
Var<T> batch_norm_forward(const Var<T>& x, Tensor<T>* running_mean, Tensor<T>* running_var,
                          const Var<T>& weight, const Var<T>& bias, bool training, double momentum,
                          double eps) {
  std::array<Var<T>, 3> inputs{x};
  std::size_t inputs_used = 1;
  if (weight.defined()) inputs[inputs_used++] = weight;
  if (bias.defined()) inputs[inputs_used++] = bias;
  Op<T> op("batch_norm", std::span<const Var<T>>(inputs.data(), inputs_used));
  const Value<T>& in = op.input(0);
  const T* w = weight.defined() ? op.input(1).data : nullptr;
  const T* b = bias.defined() ? op.input(inputs_used - 1).data : nullptr;
  check_inputs(in.shape, w ? &op.input(1).shape : nullptr,
               b ? &op.input(inputs_used - 1).shape : nullptr, running_mean, running_var, training);

  const std::size_t n = in.shape[0], c = in.shape[1];
  std::size_t s = 1;  // the spatial size
  for (std::size_t k = 2; k < in.shape.rank(); ++k) s *= in.shape[k];
  std::vector<std::size_t> kept(in.shape.rank(), 1);
  kept[1] = c;
  BatchNormSpec<T> spec{Shape(std::span<const std::size_t>(kept)),
                        n * s,
                        eps,
                        training,
                        weight.defined(),
                        bias.defined(),
                        nullptr,
                        nullptr,
                        nullptr,
                        nullptr};
  const ChannelStatistics stats =
      channel_statistics(in, s, training, running_mean, running_var, eps);
  if (op.requires_grad()) save_statistics(op, stats, spec);
  normalize(in.data, n, c, s, stats.mean, stats.rstd, w, b, op.output(in.shape));
  Var<T> y = op.template finish<BatchNormNode<T>>(spec);
  // Once the op has succeeded: a failed one leaves the running statistics as they were.
  if (training && running_mean != nullptr)
    update_running(*running_mean, *running_var, stats, n * s, momentum);
  return y;
}

}  // namespace

Var<float> batch_norm(const Var<float>& x, Tensor<float>* running_mean, Tensor<float>* running_var,
                      const Var<float>& weight, const Var<float>& bias, bool training,
                      double momentum, double eps) {
  return batch_norm_forward(x, running_mean, running_var, weight, bias, training, momentum, eps);
}
Var<double> batch_norm(const Var<double>& x, Tensor<double>* running_mean,
                       Tensor<double>* running_var, const Var<double>& weight,
                       const Var<double>& bias, bool training, double momentum, double eps) {
  return batch_norm_forward(x, running_mean, running_var, weight, bias, training, momentum, eps);
}

}  // namespace tapegrad
