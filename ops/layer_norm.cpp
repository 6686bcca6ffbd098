// layer_norm(x, shape, w, b, eps): each slice of x over the trailing axes `shape` (M elements)
// standardised with its own mean μ and biased variance σ², then scaled and shifted elementwise:
// y = x̂ ⊙ w + b, x̂ = (x − μ)·r, r = 1/√(σ² + ε) (Ba, Kiros and Hinton 2016, "Layer
// Normalization"; torch's F.layer_norm). With ĝ = g ⊙ w: dx = r·(ĝ − mean ĝ − x̂·mean(ĝ ⊙ x̂))
// over each slice, dw = Σ_slices g ⊙ x̂, db = Σ_slices g. The forward is one fused pass per slice;
// the vjp recomputes x̂ with differentiable ops, so that it can be differentiated again.
#include <fmt/format.h>

#include <array>
#include <cmath>
#include <vector>

#include "../graph/op.hpp"
#include "detail/normalization.hpp"
#include "layer_ops.hpp"

namespace tapegrad {
namespace {

struct LayerNormSpec {
  Shape kept;         // x's shape with the normalised axes as 1
  std::size_t count;  // M, the elements of each slice
  double eps;
  bool weight, bias;          // inputs 1 and 2 (or 1 alone), in that order
  const double *mean, *rstd;  // per slice, on the tape, for the fused backward
};

template <class T>
class LayerNormNode final : public Node<T> {
 public:
  explicit LayerNormNode(const LayerNormSpec& s) : s_(s) {}
  std::string_view name() const override { return "layer_norm"; }
  std::string derivative(std::size_t input) const override {
    if (input == 0) return s_.weight ? "r(1 − (1 + x̂x̂)/M)w" : "r(1 − (1 + x̂x̂)/M)";
    return input == 1 && s_.weight ? "x̂" : "1";
  }
  std::size_t saved_bytes() const override { return this->input(0).size() * sizeof(T); }

  // The vjp below fused into two passes over each slice, with the saved statistics.
  void backward(const BackwardContext<T>& ctx) const override {
    const Value<T>& x = this->input(0);
    const std::size_t m = s_.count, rows = m == 0 ? 0 : x.size() / m;
    const std::size_t wi = s_.weight ? 1 : 0, bi = s_.bias ? wi + 1 : 0;
    const T* g = ctx.grad_output();
    const T* w = s_.weight ? this->input(1).data : nullptr;
    T* gx = ctx.input_grad(0, x.shape);
    T* gw = s_.weight ? ctx.input_grad(wi, this->input(wi).shape) : nullptr;
    T* gb = s_.bias ? ctx.input_grad(bi, this->input(bi).shape) : nullptr;
    for (std::size_t r = 0; r < rows; ++r) {
      const T *xr = x.data + r * m, *gr = g + r * m;
      const double mean = s_.mean[r], rstd = s_.rstd[r];
      double sum_g = 0, sum_gx = 0;  // Σ ĝ and Σ ĝx̂ over the slice
      for (std::size_t j = 0; j < m; ++j) {
        const double xhat = (xr[j] - mean) * rstd, ghat = gr[j] * (w ? w[j] : 1);
        sum_g += ghat;
        sum_gx += ghat * xhat;
        if (gw) gw[j] += static_cast<T>(gr[j] * xhat);  // dw = Σ g x̂
        if (gb) gb[j] += gr[j];                         // db = Σ g
      }
      if (!gx) continue;
      for (std::size_t j = 0; j < m; ++j) {  // dx = r(ĝ − mean ĝ − x̂ mean(ĝx̂))
        const double xhat = (xr[j] - mean) * rstd, ghat = gr[j] * (w ? w[j] : 1);
        gx[r * m + j] += static_cast<T>(rstd * (ghat - (sum_g + xhat * sum_gx) / m));
      }
    }
  }
  void vjp(const VjpContext<T>& ctx) const override {
    const Var<T>& g = ctx.grad_output();
    const std::size_t w = s_.weight ? 1 : 0, b = s_.bias ? w + 1 : 0;
    if (b != 0 && ctx.needs_grad(b))
      ctx.add_input_grad(b, sum_to(g, ctx.input(b).shape()));  // db = Σ_slices g
    if (!ctx.needs_grad(0) && !(w != 0 && ctx.needs_grad(w))) return;
    const detail::Standardized<T> s = detail::standardize(ctx.input(0), s_.kept, s_.count, s_.eps);
    if (w != 0 && ctx.needs_grad(w))
      ctx.add_input_grad(w, sum_to(mul(g, s.xhat), ctx.input(w).shape()));  // dw = Σ g ⊙ x̂
    if (ctx.needs_grad(0)) {
      const Var<T> ghat = w != 0 ? mul(g, ctx.input(w)) : g;  // ĝ = g ⊙ w
      ctx.add_input_grad(0, detail::standardized_grad(ghat, s, s_.kept, s_.count));
    }
  }

 private:
  LayerNormSpec s_;
};

// Throws ShapeError unless normalized_shape is x's trailing axes and weight and bias (where
// given) have that shape.
void check_shapes(const Shape& x, const Shape& normalized, const Shape* weight, const Shape* bias) {
  bool trailing = normalized.rank() >= 1 && normalized.rank() <= x.rank();
  for (std::size_t k = 0; trailing && k < normalized.rank(); ++k)
    trailing = normalized[k] == x[x.rank() - normalized.rank() + k];
  if (!trailing)
    throw ShapeError(fmt::format(
        "layer_norm: normalized_shape {} must be the trailing axes of the input {} (at least one)",
        normalized.str(), x.str()));
  for (const auto& [name, shape] : {std::pair{"weight", weight}, std::pair{"bias", bias}})
    if (shape != nullptr && !(*shape == normalized))
      throw ShapeError(fmt::format("layer_norm: {} {} must have the normalized_shape {}", name,
                                   shape->str(), normalized.str()));
}

template <class T>
Var<T> layer_norm_forward(const Var<T>& x, const Shape& normalized, const Var<T>& weight,
                          const Var<T>& bias, double eps) {
  std::array<Var<T>, 3> inputs{x};
  std::size_t n = 1;
  if (weight.defined()) inputs[n++] = weight;
  if (bias.defined()) inputs[n++] = bias;
  Op<T> op("layer_norm", std::span<const Var<T>>(inputs.data(), n));
  const Value<T>& in = op.input(0);
  const T* w = weight.defined() ? op.input(1).data : nullptr;
  const T* b = bias.defined() ? op.input(n - 1).data : nullptr;
  check_shapes(in.shape, normalized, w ? &op.input(1).shape : nullptr,
               b ? &op.input(n - 1).shape : nullptr);

  std::vector<std::size_t> kept(in.shape.dims().begin(), in.shape.dims().end());
  std::size_t rows = 1;
  for (std::size_t k = 0; k < kept.size(); ++k)
    if (k < kept.size() - normalized.rank())
      rows *= kept[k];
    else
      kept[k] = 1;
  const std::size_t m = normalized.size();
  double* mean = op.template save_array<double>(rows);
  double* rstd_saved = op.template save_array<double>(rows);
  T* y = op.output(in.shape);
  for (std::size_t r = 0; r < rows; ++r) {
    const T* xr = in.data + r * m;
    const detail::Moments s = detail::moments(xr, 1, 0, m);
    const double rstd = 1 / std::sqrt(s.variance + eps);  // r = 1/√(σ² + ε)
    mean[r] = s.mean;
    rstd_saved[r] = rstd;
    for (std::size_t j = 0; j < m; ++j) {
      const double xhat = (xr[j] - s.mean) * rstd;
      y[r * m + j] = static_cast<T>(xhat * (w ? w[j] : 1) + (b ? b[j] : 0));  // y = x̂w + b
    }
  }
  return op.template finish<LayerNormNode<T>>(
      LayerNormSpec{Shape(std::span<const std::size_t>(kept)), m, eps, weight.defined(),
                    bias.defined(), mean, rstd_saved});
}

}  // namespace

Var<float> layer_norm(const Var<float>& x, const Shape& normalized_shape, const Var<float>& weight,
                      const Var<float>& bias, double eps) {
  return layer_norm_forward(x, normalized_shape, weight, bias, eps);
}
Var<double> layer_norm(const Var<double>& x, const Shape& normalized_shape,
                       const Var<double>& weight, const Var<double>& bias, double eps) {
  return layer_norm_forward(x, normalized_shape, weight, bias, eps);
}

}  // namespace tapegrad
