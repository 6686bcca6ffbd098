// The built-in ops, the core of torch's tensor API. Each is declared for float and double;
// Parameters and Tensors convert to Vars, so `sigmoid(layer.weight)` and
// `sse_loss(prediction, targets)` work as written, and plain numbers mix with Vars (`2 * x + 1`,
// `pow(x, 3)`, `1 / x`) as constants. Each op lives in its own file, ops/<name>.cpp, with its
// forward and its derivative written once (ops/elementwise.hpp for elementwise ops, a vjp for the
// others); ops/catalog.cpp lists it for gradcheck. Axes may be negative (−1 is the last), as in
// torch; at ties and kinks each op follows torch's convention, given beside it.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "../graph/var.hpp"

namespace tapegrad {

template <class T>
class Parameter;

// Integer tensors hold indices and class labels (index_select, gather, nll_loss, argmax).
using IndexTensor = Tensor<std::int64_t>;

// A set of axes for the reductions: one (sum(x, 1)), several (sum(x, {0, 2})), or, left empty,
// every axis.
class Axes {
 public:
  Axes() = default;
  Axes(int axis) : axes_{axis} {}  // NOLINT(google-explicit-constructor)
  Axes(std::initializer_list<int> axes) : axes_(axes) {}
  Axes(std::vector<int> axes) : axes_(std::move(axes)) {}  // NOLINT(google-explicit-constructor)
  std::span<const int> list() const { return axes_; }
  bool all() const { return axes_.empty(); }

 private:
  std::vector<int> axes_;
};

// How a loss reduces its per-element values: kNone keeps them, kMean averages, kSum adds.
enum class Reduction { kNone, kMean, kSum };

// ---- Products ----
// Matrix product with torch.matmul's rules: [m,k]·[k,n] → [m,n], [m,k]·[k] → [m],
// [k]·[k,n] → [n], [k]·[k] → [] (a dot product); operands of rank ≥ 3 are stacks of matrices
// whose leading (batch) axes broadcast: [b,m,k]·[k,n] → [b,m,n], [2,1,m,k]·[3,k,n] → [2,3,m,n].
Var<float> matmul(const Var<float>& a, const Var<float>& b);
Var<double> matmul(const Var<double>& a, const Var<double>& b);
// y = x·Wᵀ + b, as torch::nn::functional::linear: x [n,in] or [in], W [out,in], b [out] or none.
Var<float> linear(const Var<float>& x, const Var<float>& weight, const Var<float>& bias = {});
Var<double> linear(const Var<double>& x, const Var<double>& weight, const Var<double>& bias = {});

// ---- Arithmetic, with NumPy broadcasting between Vars; numbers are constants ----
Var<float> add(const Var<float>& a, const Var<float>& b);
Var<double> add(const Var<double>& a, const Var<double>& b);
Var<float> add(const Var<float>& a, float s);
Var<double> add(const Var<double>& a, double s);
Var<float> sub(const Var<float>& a, const Var<float>& b);
Var<double> sub(const Var<double>& a, const Var<double>& b);
Var<float> sub(const Var<float>& a, float s);
Var<double> sub(const Var<double>& a, double s);
Var<float> sub(float s, const Var<float>& a);
Var<double> sub(double s, const Var<double>& a);
Var<float> mul(const Var<float>& a, const Var<float>& b);
Var<double> mul(const Var<double>& a, const Var<double>& b);
// s·a for a number s.
Var<float> scale(const Var<float>& a, float s);
Var<double> scale(const Var<double>& a, double s);
// a / b; a / s; s / a. Division by zero gives ±inf or NaN, as IEEE and torch do.
Var<float> div(const Var<float>& a, const Var<float>& b);
Var<double> div(const Var<double>& a, const Var<double>& b);
Var<float> div(const Var<float>& a, float s);
Var<double> div(const Var<double>& a, double s);
Var<float> div(float s, const Var<float>& a);
Var<double> div(double s, const Var<double>& a);
// a^b elementwise; a^p for a number p; c^b for a number c. As torch: ∂/∂a is 0 where the
// exponent is 0, and ∂/∂b is 0 where a = 0 and b ≥ 0 (where b·a^(b−1) or y·log a would be NaN).
Var<float> pow(const Var<float>& a, const Var<float>& b);
Var<double> pow(const Var<double>& a, const Var<double>& b);
Var<float> pow(const Var<float>& a, float p);
Var<double> pow(const Var<double>& a, double p);
Var<float> pow(float c, const Var<float>& b);
Var<double> pow(double c, const Var<double>& b);
Var<float> neg(const Var<float>& a);
Var<double> neg(const Var<double>& a);
Var<float> reciprocal(const Var<float>& a);  // 1/a
Var<double> reciprocal(const Var<double>& a);
Var<float> square(const Var<float>& a);
Var<double> square(const Var<double>& a);
Var<float> sqrt(const Var<float>& a);  // d√a/da = 1/(2√a): inf at 0, as torch
Var<double> sqrt(const Var<double>& a);
Var<float> rsqrt(const Var<float>& a);  // 1/√a
Var<double> rsqrt(const Var<double>& a);
Var<float> abs(const Var<float>& a);  // d|a|/da = sgn(a), 0 at 0 (torch)
Var<double> abs(const Var<double>& a);
// sgn(a) ∈ {−1, 0, 1}; its gradient is 0 everywhere (torch).
Var<float> sign(const Var<float>& a);
Var<double> sign(const Var<double>& a);
// a limited to [min, max] (either bound may be left out). The gradient passes where
// min ≤ a ≤ max, bounds included (torch), and is 0 outside.
Var<float> clamp(const Var<float>& a, std::optional<float> min, std::optional<float> max = {});
Var<double> clamp(const Var<double>& a, std::optional<double> min, std::optional<double> max = {});
// Elementwise max and min. At a tie each input gets half the gradient (torch).
Var<float> maximum(const Var<float>& a, const Var<float>& b);
Var<double> maximum(const Var<double>& a, const Var<double>& b);
Var<float> minimum(const Var<float>& a, const Var<float>& b);
Var<double> minimum(const Var<double>& a, const Var<double>& b);
// a where mask ≠ 0, else b; the three broadcast together. The mask gets no gradient (a
// comparison such as x > 0 makes one).
Var<float> where(const Var<float>& mask, const Var<float>& a, const Var<float>& b);
Var<double> where(const Var<double>& mask, const Var<double>& a, const Var<double>& b);

// ---- Comparisons: 1 where true, else 0, as constants (no gradient), broadcast ----
Var<float> gt(const Var<float>& a, const Var<float>& b);
Var<double> gt(const Var<double>& a, const Var<double>& b);
Var<float> ge(const Var<float>& a, const Var<float>& b);
Var<double> ge(const Var<double>& a, const Var<double>& b);
Var<float> lt(const Var<float>& a, const Var<float>& b);
Var<double> lt(const Var<double>& a, const Var<double>& b);
Var<float> le(const Var<float>& a, const Var<float>& b);
Var<double> le(const Var<double>& a, const Var<double>& b);
Var<float> eq(const Var<float>& a, const Var<float>& b);
Var<double> eq(const Var<double>& a, const Var<double>& b);
Var<float> ne(const Var<float>& a, const Var<float>& b);
Var<double> ne(const Var<double>& a, const Var<double>& b);

// ---- Elementwise functions ----
Var<float> sigmoid(const Var<float>& a);
Var<double> sigmoid(const Var<double>& a);
Var<float> tanh(const Var<float>& a);
Var<double> tanh(const Var<double>& a);
Var<float> relu(const Var<float>& a);  // relu'(0) = 0 (torch)
Var<double> relu(const Var<double>& a);
Var<float> exp(const Var<float>& a);
Var<double> exp(const Var<double>& a);
Var<float> log(const Var<float>& a);
Var<double> log(const Var<double>& a);
Var<float> log1p(const Var<float>& a);  // log(1 + a), exact near 0
Var<double> log1p(const Var<double>& a);
Var<float> expm1(const Var<float>& a);  // e^a − 1, exact near 0
Var<double> expm1(const Var<double>& a);
Var<float> sin(const Var<float>& a);
Var<double> sin(const Var<double>& a);
Var<float> cos(const Var<float>& a);
Var<double> cos(const Var<double>& a);
Var<float> erf(const Var<float>& a);
Var<double> erf(const Var<double>& a);
Var<float> softplus(const Var<float>& a);  // log(1 + e^a), without overflow
Var<double> softplus(const Var<double>& a);
Var<float> log_sigmoid(const Var<float>& a);  // log σ(a) = −softplus(−a)
Var<double> log_sigmoid(const Var<double>& a);
// a for a > 0, slope·a otherwise; the derivative at 0 is slope (torch).
Var<float> leaky_relu(const Var<float>& a, float slope = 0.01f);
Var<double> leaky_relu(const Var<double>& a, double slope = 0.01);
// a for a > 0, alpha·(e^a − 1) otherwise; the derivative at 0 is alpha (torch).
Var<float> elu(const Var<float>& a, float alpha = 1.0f);
Var<double> elu(const Var<double>& a, double alpha = 1.0);
Var<float> silu(const Var<float>& a);  // a·σ(a)
Var<double> silu(const Var<double>& a);
// a·Φ(a) with Φ the normal distribution function (kErf, exact), or torch's tanh approximation
// 0.5a(1 + tanh(√(2/π)(a + 0.044715a³))) (kTanh).
enum class GeluApproximation { kErf, kTanh };
Var<float> gelu(const Var<float>& a, GeluApproximation approximation = GeluApproximation::kErf);
Var<double> gelu(const Var<double>& a, GeluApproximation approximation = GeluApproximation::kErf);
// softmax and log softmax along `dim` (any axis; the last by default), without overflow.
Var<float> softmax(const Var<float>& a, int dim = -1);
Var<double> softmax(const Var<double>& a, int dim = -1);
Var<float> log_softmax(const Var<float>& a, int dim = -1);
Var<double> log_softmax(const Var<double>& a, int dim = -1);

// ---- Reductions over `dims` (every axis if none are given); keepdim keeps them as size 1 ----
Var<float> sum(const Var<float>& a);  // all elements → a scalar
Var<double> sum(const Var<double>& a);
Var<float> sum(const Var<float>& a, const Axes& dims, bool keepdim = false);
Var<double> sum(const Var<double>& a, const Axes& dims, bool keepdim = false);
Var<float> mean(const Var<float>& a);
Var<double> mean(const Var<double>& a);
Var<float> mean(const Var<float>& a, const Axes& dims, bool keepdim = false);
Var<double> mean(const Var<double>& a, const Axes& dims, bool keepdim = false);
// The largest (smallest) elements; the gradient is split evenly among tied elements (torch's
// amax and full max).
Var<float> amax(const Var<float>& a, const Axes& dims = {}, bool keepdim = false);
Var<double> amax(const Var<double>& a, const Axes& dims = {}, bool keepdim = false);
Var<float> amin(const Var<float>& a, const Axes& dims = {}, bool keepdim = false);
Var<double> amin(const Var<double>& a, const Axes& dims = {}, bool keepdim = false);
Var<float> max(const Var<float>& a);  // = amax(a): ties share the gradient
Var<double> max(const Var<double>& a);
Var<float> min(const Var<float>& a);
Var<double> min(const Var<double>& a);
// max and min along one axis, with the index of each (the first of tied elements, as torch's
// argmax); the gradient goes to that index alone.
template <class T>
struct ValuesIndices {
  Var<T> values;
  IndexTensor indices;
};
ValuesIndices<float> max(const Var<float>& a, int dim, bool keepdim = false);
ValuesIndices<double> max(const Var<double>& a, int dim, bool keepdim = false);
ValuesIndices<float> min(const Var<float>& a, int dim, bool keepdim = false);
ValuesIndices<double> min(const Var<double>& a, int dim, bool keepdim = false);
// The index of the largest (smallest) element along `dim`, the first of ties; without a dim, the
// flat index over all elements. No gradient.
IndexTensor argmax(const Var<float>& a, std::optional<int> dim = {}, bool keepdim = false);
IndexTensor argmax(const Var<double>& a, std::optional<int> dim = {}, bool keepdim = false);
IndexTensor argmin(const Var<float>& a, std::optional<int> dim = {}, bool keepdim = false);
IndexTensor argmin(const Var<double>& a, std::optional<int> dim = {}, bool keepdim = false);
// log Σ e^a over dims, without overflow.
Var<float> logsumexp(const Var<float>& a, const Axes& dims = {}, bool keepdim = false);
Var<double> logsumexp(const Var<double>& a, const Axes& dims = {}, bool keepdim = false);
// Variance Σ(a − mean)²/(N − correction) and its square root; correction 1 is Bessel's (torch's
// default). Where the deviation is 0, std's gradient is 0 (torch). NOTE: spelled as torch spells
// it; where `using namespace tapegrad;` brings it beside namespace std, call it tapegrad::std.
Var<float> var(const Var<float>& a, const Axes& dims = {}, double correction = 1,
               bool keepdim = false);
Var<double> var(const Var<double>& a, const Axes& dims = {}, double correction = 1,
                bool keepdim = false);
Var<float> std(const Var<float>& a, const Axes& dims = {}, double correction = 1,
               bool keepdim = false);
Var<double> std(const Var<double>& a, const Axes& dims = {}, double correction = 1,
                bool keepdim = false);
// The p-norm over dims for p = 1, 2 or infinity (std::numeric_limits<double>::infinity()). At a
// zero norm the gradient is 0; the ∞-norm shares it among tied largest |a| (torch).
Var<float> norm(const Var<float>& a, double p = 2, const Axes& dims = {}, bool keepdim = false);
Var<double> norm(const Var<double>& a, double p = 2, const Axes& dims = {}, bool keepdim = false);

// ---- Shapes and indexing ----
Var<float> transpose(const Var<float>& a);  // 2-D: [m,n] → [n,m]
Var<double> transpose(const Var<double>& a);
Var<float> transpose(const Var<float>& a, int dim0, int dim1);  // swap two axes
Var<double> transpose(const Var<double>& a, int dim0, int dim1);
// The axes reordered: out axis i is a's axis order[i].
Var<float> permute(const Var<float>& a, std::span<const int> order);
Var<double> permute(const Var<double>& a, std::span<const int> order);
Var<float> permute(const Var<float>& a, std::initializer_list<int> order);
Var<double> permute(const Var<double>& a, std::initializer_list<int> order);
// The same elements, in the same order, under a shape of as many elements.
Var<float> reshape(const Var<float>& a, const Shape& shape);
Var<double> reshape(const Var<double>& a, const Shape& shape);
// Without axes of size 1 (all of them, or the one given, if its size is 1).
Var<float> squeeze(const Var<float>& a, std::optional<int> dim = {});
Var<double> squeeze(const Var<double>& a, std::optional<int> dim = {});
// With an axis of size 1 inserted at dim (−1: at the end).
Var<float> unsqueeze(const Var<float>& a, int dim);
Var<double> unsqueeze(const Var<double>& a, int dim);
// Axes start_dim..end_dim merged into one.
Var<float> flatten(const Var<float>& a, int start_dim = 0, int end_dim = -1);
Var<double> flatten(const Var<double>& a, int start_dim = 0, int end_dim = -1);
// a repeated to `shape` by NumPy's broadcasting rules ([3] → [2,3]).
Var<float> broadcast_to(const Var<float>& a, const Shape& shape);
Var<double> broadcast_to(const Var<double>& a, const Shape& shape);
// torch's expand: broadcast_to where −1 keeps an axis's size.
Var<float> expand(const Var<float>& a, std::initializer_list<std::int64_t> sizes);
Var<double> expand(const Var<double>& a, std::initializer_list<std::int64_t> sizes);
// a summed over the axes along which `shape` broadcasts to a's shape: the inverse of
// broadcast_to ([2,3] → [3] sums the rows, [2,3] → [2,1] each row).
Var<float> sum_to(const Var<float>& a, const Shape& shape);
Var<double> sum_to(const Var<double>& a, const Shape& shape);
// Elements start, start + step, ... before stop along dim, as Python's a[start:stop:step]
// (negative start and stop count from the end; out-of-range ones are clipped; step ≥ 1).
Var<float> slice(const Var<float>& a, int dim, std::int64_t start, std::int64_t stop,
                 std::int64_t step = 1);
Var<double> slice(const Var<double>& a, int dim, std::int64_t start, std::int64_t stop,
                  std::int64_t step = 1);
// The entries of a at `index` (a 1-D IndexTensor) along dim; backward adds into the rows picked,
// once per pick.
Var<float> index_select(const Var<float>& a, int dim, const IndexTensor& index);
Var<double> index_select(const Var<double>& a, int dim, const IndexTensor& index);
// out[i][j][k] = a[index[i][j][k]][j][k] for dim 0 (and so on): index has a's rank; backward
// is a scatter-add.
Var<float> gather(const Var<float>& a, int dim, const IndexTensor& index);
Var<double> gather(const Var<double>& a, int dim, const IndexTensor& index);
// Vars joined along an existing axis (cat) or a new one (stack).
Var<float> cat(std::span<const Var<float>> parts, int dim = 0);
Var<double> cat(std::span<const Var<double>> parts, int dim = 0);
Var<float> cat(std::initializer_list<Var<float>> parts, int dim = 0);
Var<double> cat(std::initializer_list<Var<double>> parts, int dim = 0);
Var<float> stack(std::span<const Var<float>> parts, int dim = 0);
Var<double> stack(std::span<const Var<double>> parts, int dim = 0);
Var<float> stack(std::initializer_list<Var<float>> parts, int dim = 0);
Var<double> stack(std::initializer_list<Var<double>> parts, int dim = 0);
// Pieces of split_size along dim (the last may be shorter); chunks: that many nearly equal
// pieces, as torch.chunk.
std::vector<Var<float>> split(const Var<float>& a, std::int64_t split_size, int dim = 0);
std::vector<Var<double>> split(const Var<double>& a, std::int64_t split_size, int dim = 0);
std::vector<Var<float>> chunk(const Var<float>& a, std::int64_t chunks, int dim = 0);
std::vector<Var<double>> chunk(const Var<double>& a, std::int64_t chunks, int dim = 0);

// ---- Losses (prediction first, target second) ----
// E = ½ Σ (y − ŷ)², the reference derivation's squared error summed over every element.
Var<float> sse_loss(const Var<float>& prediction, const Var<float>& target);
Var<double> sse_loss(const Var<double>& prediction, const Var<double>& target);
// (y − ŷ)², averaged by default.
Var<float> mse_loss(const Var<float>& prediction, const Var<float>& target,
                    Reduction reduction = Reduction::kMean);
Var<double> mse_loss(const Var<double>& prediction, const Var<double>& target,
                     Reduction reduction = Reduction::kMean);
// (1/n) Σ_rows −Σ_k y_k log softmax(ŷ)_k for logits ŷ and targets y of shape [n,k] (or [k], one
// row); y holds one-hot labels or probabilities.
Var<float> softmax_cross_entropy(const Var<float>& logits, const Var<float>& target);
Var<double> softmax_cross_entropy(const Var<double>& logits, const Var<double>& target);
// −y log σ(x) − (1 − y) log(1 − σ(x)) for logits x, computed without overflow.
Var<float> binary_cross_entropy_with_logits(const Var<float>& logits, const Var<float>& target,
                                            Reduction reduction = Reduction::kMean);
Var<double> binary_cross_entropy_with_logits(const Var<double>& logits, const Var<double>& target,
                                             Reduction reduction = Reduction::kMean);
// −log_probs[i, target_i] for log-probabilities [n,c] (or [c]) and class indices [n] (or []);
// kMean averages over the rows whose target is not ignore_index.
Var<float> nll_loss(const Var<float>& log_probs, const IndexTensor& target,
                    Reduction reduction = Reduction::kMean, std::int64_t ignore_index = -100);
Var<double> nll_loss(const Var<double>& log_probs, const IndexTensor& target,
                     Reduction reduction = Reduction::kMean, std::int64_t ignore_index = -100);
// nll_loss(log_softmax(logits, 1), target): cross entropy with class indices.
Var<float> cross_entropy(const Var<float>& logits, const IndexTensor& target,
                         Reduction reduction = Reduction::kMean, std::int64_t ignore_index = -100);
Var<double> cross_entropy(const Var<double>& logits, const IndexTensor& target,
                          Reduction reduction = Reduction::kMean, std::int64_t ignore_index = -100);
// |ŷ − y|.
Var<float> l1_loss(const Var<float>& prediction, const Var<float>& target,
                   Reduction reduction = Reduction::kMean);
Var<double> l1_loss(const Var<double>& prediction, const Var<double>& target,
                    Reduction reduction = Reduction::kMean);
// ½d² where |d| ≤ delta, delta(|d| − ½delta) beyond, for d = ŷ − y.
Var<float> huber_loss(const Var<float>& prediction, const Var<float>& target,
                      Reduction reduction = Reduction::kMean, double delta = 1.0);
Var<double> huber_loss(const Var<double>& prediction, const Var<double>& target,
                       Reduction reduction = Reduction::kMean, double delta = 1.0);

}  // namespace tapegrad

// The operators (a + b, 2 * x, x / 3, a < b, c += 1, ...) over the functions above.
#include "operators.hpp"
// The ops layers are made of: dropout, layer_norm, batch_norm, embedding.
#include "layer_ops.hpp"
