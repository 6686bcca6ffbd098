#include "catalog.hpp"

#include <cmath>
#include <limits>

#include "ops.hpp"

namespace tapegrad {
namespace {

template <class T>
Var<T> constant(const Shape& shape, std::initializer_list<T> values) {
  return Var<T>(Tensor<T>(shape, values));
}

template <class T>
Var<T> zeros_of(const Var<T>& like) {
  return Var<T>(Tensor<T>(like.shape()));
}
template <class T>
Var<T> zeros_of(const Var<T>&, const Shape& shape) {
  return Var<T>(Tensor<T>(shape));
}

IndexTensor indices(const Shape& shape, std::initializer_list<std::int64_t> values) {
  return IndexTensor(shape, values);
}

constexpr double kInf = std::numeric_limits<double>::infinity();

}  // namespace

template <class T>
std::vector<OpCase<T>> op_catalog() {
  using V = std::span<const Var<T>>;
  // One case per line: the list reads as a table.
  // clang-format off
  return {
      // ---- Products ----
      {"matmul", "[3,4]·[4,2]", {{3, 4}, {4, 2}}, Domain::kAny, [](V v) { return matmul(v[0], v[1]); }, "torch.matmul(x0, x1)"},
      {"matmul", "[3,4]·[4] (matrix-vector)", {{3, 4}, {4}}, Domain::kAny, [](V v) { return matmul(v[0], v[1]); }, "torch.matmul(x0, x1)"},
      {"matmul", "[4]·[4,2] (vector-matrix)", {{4}, {4, 2}}, Domain::kAny, [](V v) { return matmul(v[0], v[1]); }, "torch.matmul(x0, x1)"},
      {"matmul", "[4]·[4] (dot product)", {{4}, {4}}, Domain::kAny, [](V v) { return matmul(v[0], v[1]); }, "torch.matmul(x0, x1)"},
      {"matmul", "A·A (a value used twice)", {{3, 3}}, Domain::kAny, [](V v) { return matmul(v[0], v[0]); }, "torch.matmul(x0, x0)"},
      {"matmul", "[20,20]·[20,20] (through BLAS)", {{20, 20}, {20, 20}}, Domain::kAny, [](V v) { return sum(matmul(v[0], v[1])); }, "torch.matmul(x0, x1).sum()"},
      {"matmul", "[2,3,4]·[2,4,2] (a batch)", {{2, 3, 4}, {2, 4, 2}}, Domain::kAny, [](V v) { return matmul(v[0], v[1]); }, "torch.matmul(x0, x1)"},
      {"matmul", "[2,1,3,4]·[3,4,2] (broadcast batch axes)", {{2, 1, 3, 4}, {3, 4, 2}}, Domain::kAny, [](V v) { return matmul(v[0], v[1]); }, "torch.matmul(x0, x1)"},
      {"matmul", "[2,3,4]·[4] and [4]·[2,4,3] (vectors against a batch)", {{2, 3, 4}, {4}}, Domain::kAny, [](V v) { return add(sum(matmul(v[0], v[1])), sum(matmul(v[1], transpose(v[0], 1, 2)))); }, "torch.matmul(x0, x1).sum() + torch.matmul(x1, x0.transpose(1, 2)).sum()"},
      {"linear", "x[2,3]·W[4,3]ᵀ + b[4]", {{2, 3}, {4, 3}, {4}}, Domain::kAny, [](V v) { return linear(v[0], v[1], v[2]); }, "F.linear(x0, x1, x2)"},
      {"linear", "x[3]·W[2,3]ᵀ, no bias", {{3}, {2, 3}}, Domain::kAny, [](V v) { return linear(v[0], v[1]); }, "F.linear(x0, x1)"},
      {"linear", "x[24,20]·W[20,20]ᵀ + b (through BLAS)", {{24, 20}, {20, 20}, {20}}, Domain::kAny, [](V v) { return sum(linear(v[0], v[1], v[2])); }, "F.linear(x0, x1, x2).sum()"},
      // ---- Arithmetic ----
      {"add", "[2,3] + [2,3]", {{2, 3}, {2, 3}}, Domain::kAny, [](V v) { return add(v[0], v[1]); }, "x0 + x1"},
      {"add", "[2,3] + [3] (bias row broadcast)", {{2, 3}, {3}}, Domain::kAny, [](V v) { return add(v[0], v[1]); }, "x0 + x1"},
      {"add", "[3,1] + [1,4] (both broadcast)", {{3, 1}, {1, 4}}, Domain::kAny, [](V v) { return add(v[0], v[1]); }, "x0 + x1"},
      {"add", "[] + [2,3] (scalar)", {{}, {2, 3}}, Domain::kAny, [](V v) { return add(v[0], v[1]); }, "x0 + x1"},
      {"add", "x + x (a value used twice)", {{2, 3}}, Domain::kAny, [](V v) { return add(v[0], v[0]); }, "x0 + x0"},
      {"add", "[1,1] + [] (one element)", {{1, 1}, {}}, Domain::kAny, [](V v) { return add(v[0], v[1]); }, "x0 + x1"},
      {"add", "x + 1.5 and 2 + x (numbers)", {{2, 3}}, Domain::kAny, [](V v) { return mul(v[0] + 1.5, 2 + v[0]); }, "(x0 + 1.5) * (2 + x0)"},
      {"sub", "[2,3] − [3]", {{2, 3}, {3}}, Domain::kAny, [](V v) { return sub(v[0], v[1]); }, "x0 - x1"},
      {"sub", "[2,1,3] − [4,1] (general broadcast)", {{2, 1, 3}, {4, 1}}, Domain::kAny, [](V v) { return sub(v[0], v[1]); }, "x0 - x1"},
      {"sub", "[] − [1] (one element)", {{}, {1}}, Domain::kAny, [](V v) { return sub(v[0], v[1]); }, "x0 - x1"},
      {"sub", "x − 0.5 and 3 − x (numbers)", {{2, 3}}, Domain::kAny, [](V v) { return mul(v[0] - 0.5, 3 - v[0]); }, "(x0 - 0.5) * (3 - x0)"},
      {"mul", "[2,3] ⊙ [2,3]", {{2, 3}, {2, 3}}, Domain::kAny, [](V v) { return mul(v[0], v[1]); }, "x0 * x1"},
      {"mul", "[3] ⊙ [2,3] (broadcast left)", {{3}, {2, 3}}, Domain::kAny, [](V v) { return mul(v[0], v[1]); }, "x0 * x1"},
      {"mul", "x ⊙ x (a value used twice)", {{2, 3}}, Domain::kAny, [](V v) { return mul(v[0], v[0]); }, "x0 * x0"},
      {"mul", "[1] ⊙ [1,1] (one element)", {{1}, {1, 1}}, Domain::kAny, [](V v) { return mul(v[0], v[1]); }, "x0 * x1"},
      {"mul", "x ⊙ x (one element used twice)", {{1}}, Domain::kAny, [](V v) { return mul(v[0], v[0]); }, "x0 * x0"},
      {"scale", "2.5·x", {{2, 3}}, Domain::kAny, [](V v) { return scale(v[0], T(2.5)); }, "2.5 * x0"},
      {"div", "[2,3] / [3] (broadcast)", {{2, 3}, {3}}, Domain::kAwayFromZero, [](V v) { return div(v[0], v[1]); }, "x0 / x1"},
      {"div", "x / (x² + 1) (a value used twice)", {{4}}, Domain::kAny, [](V v) { return div(v[0], mul(v[0], v[0]) + 1); }, "x0 / (x0 * x0 + 1)"},
      {"div", "x / 4 and 10 / x (numbers)", {{2, 3}}, Domain::kAwayFromZero, [](V v) { return add(v[0] / 4, 10 / v[0]); }, "x0 / 4 + 10 / x0"},
      {"pow", "a^b, a > 0, broadcast", {{2, 3}, {3}}, Domain::kPositive, [](V v) { return pow(v[0], v[1]); }, "torch.pow(x0, x1)"},
      {"pow", "x³, x^2.5 and 2^x (numbers)", {{2, 3}}, Domain::kPositive, [](V v) { return add(add(pow(v[0], 3), pow(v[0], 2.5)), pow(2.0, v[0])); }, "x0 ** 3 + x0 ** 2.5 + 2.0 ** x0"},
      {"pow", "x^0 = 1", {{3}}, Domain::kAny, [](V v) { return pow(v[0], 0); }, "x0 ** 0"},
      {"neg", "−x", {{2, 3}}, Domain::kAny, [](V v) { return -v[0]; }, "-x0"},
      {"reciprocal", "1/x", {{2, 3}}, Domain::kAwayFromZero, [](V v) { return reciprocal(v[0]); }, "torch.reciprocal(x0)"},
      {"square", "x²", {{2, 3}}, Domain::kAny, [](V v) { return square(v[0]); }, "torch.square(x0)"},
      {"sqrt", "√x, x > 0", {{2, 3}}, Domain::kPositive, [](V v) { return sqrt(v[0]); }, "torch.sqrt(x0)"},
      {"rsqrt", "1/√x, x > 0", {{2, 3}}, Domain::kPositive, [](V v) { return rsqrt(v[0]); }, "torch.rsqrt(x0)"},
      {"abs", "|x|, away from the kink at 0", {{2, 3}}, Domain::kAwayFromZero, [](V v) { return abs(v[0]); }, "torch.abs(x0)"},
      {"sign", "sgn(x)·x (sign has no gradient)", {{2, 3}}, Domain::kAwayFromZero, [](V v) { return mul(sign(v[0]), v[0]); }, "torch.sign(x0) * x0"},
      {"clamp", "clamp(x, −1, 1), away from the bounds", {{2, 4}}, Domain::kAny, [](V v) { return clamp(v[0], T(-1), T(1)); }, "torch.clamp(x0, -1.0, 1.0)", {-1.0, 1.0}},
      {"clamp", "clamp(x, min 0.5) and clamp(x, max −0.5)", {{2, 4}}, Domain::kAny, [](V v) { return add(clamp(v[0], T(0.5)), clamp(v[0], std::nullopt, T(-0.5))); }, "torch.clamp(x0, min=0.5) + torch.clamp(x0, max=-0.5)", {-0.5, 0.5}},
      {"maximum", "maximum([2,3], [3])", {{2, 3}, {3}}, Domain::kAny, [](V v) { return maximum(v[0], v[1]); }, "torch.maximum(x0, x1)"},
      {"minimum", "minimum([2,3], [2,3])", {{2, 3}, {2, 3}}, Domain::kAny, [](V v) { return minimum(v[0], v[1]); }, "torch.minimum(x0, x1)"},
      {"where", "where(m > 0, a, b), broadcast", {{2, 3}, {2, 3}, {3}}, Domain::kAwayFromZero, [](V v) { return where(v[0] > 0, v[1], v[2]); }, "torch.where(x0 > 0, x1, x2)"},
      {"compare", "x·[x > y/2] + x·[x ≤ 0] (masks carry no gradient)", {{2, 3}, {2, 3}}, Domain::kAwayFromZero, [](V v) { return add(mul(v[0], v[0] > scale(v[1], T(0.5))), mul(v[0], v[0] <= 0)); }, "x0 * (x0 > 0.5 * x1) + x0 * (x0 <= 0)"},
      // ---- Elementwise functions ----
      {"sigmoid", "σ(x)", {{2, 3}}, Domain::kAny, [](V v) { return sigmoid(v[0]); }, "torch.sigmoid(x0)"},
      {"tanh", "tanh(x)", {{2, 3}}, Domain::kAny, [](V v) { return tanh(v[0]); }, "torch.tanh(x0)"},
      {"relu", "relu(x), away from the kink at 0", {{2, 3}}, Domain::kAwayFromZero, [](V v) { return relu(v[0]); }, "torch.relu(x0)"},
      {"exp", "eˣ", {{2, 3}}, Domain::kAny, [](V v) { return exp(v[0]); }, "torch.exp(x0)"},
      {"log", "log(x), x > 0", {{2, 3}}, Domain::kPositive, [](V v) { return log(v[0]); }, "torch.log(x0)"},
      {"log1p", "log(1 + x), x > 0", {{2, 3}}, Domain::kPositive, [](V v) { return log1p(v[0]); }, "torch.log1p(x0)"},
      {"expm1", "eˣ − 1", {{2, 3}}, Domain::kAny, [](V v) { return expm1(v[0]); }, "torch.expm1(x0)"},
      {"sin", "sin(x)", {{2, 3}}, Domain::kAny, [](V v) { return sin(v[0]); }, "torch.sin(x0)"},
      {"cos", "cos(x)", {{2, 3}}, Domain::kAny, [](V v) { return cos(v[0]); }, "torch.cos(x0)"},
      {"erf", "erf(x)", {{2, 3}}, Domain::kAny, [](V v) { return erf(v[0]); }, "torch.erf(x0)"},
      {"softplus", "log(1 + eˣ)", {{2, 3}}, Domain::kAny, [](V v) { return softplus(v[0]); }, "F.softplus(x0)"},
      {"log_sigmoid", "log σ(x)", {{2, 3}}, Domain::kAny, [](V v) { return log_sigmoid(v[0]); }, "F.logsigmoid(x0)"},
      {"leaky_relu", "leaky_relu(x, 0.1), away from 0", {{2, 3}}, Domain::kAwayFromZero, [](V v) { return leaky_relu(v[0], T(0.1)); }, "F.leaky_relu(x0, 0.1)"},
      {"elu", "elu(x, 1.5), away from 0", {{2, 3}}, Domain::kAwayFromZero, [](V v) { return elu(v[0], T(1.5)); }, "F.elu(x0, 1.5)"},
      {"silu", "x·σ(x)", {{2, 3}}, Domain::kAny, [](V v) { return silu(v[0]); }, "F.silu(x0)"},
      {"gelu", "x·Φ(x), exact", {{2, 3}}, Domain::kAny, [](V v) { return gelu(v[0]); }, "F.gelu(x0)"},
      {"gelu", "the tanh approximation", {{2, 3}}, Domain::kAny, [](V v) { return gelu(v[0], GeluApproximation::kTanh); }, "F.gelu(x0, approximate='tanh')"},
      {"softmax", "softmax along the last axis", {{2, 4}}, Domain::kAny, [](V v) { return softmax(v[0]); }, "torch.softmax(x0, -1)"},
      {"softmax", "softmax along axis 0 of [3,2,2]", {{3, 2, 2}}, Domain::kAny, [](V v) { return softmax(v[0], 0); }, "torch.softmax(x0, 0)"},
      {"log_softmax", "[2,4], each row", {{2, 4}}, Domain::kAny, [](V v) { return log_softmax(v[0]); }, "torch.log_softmax(x0, -1)"},
      {"log_softmax", "[3], one row", {{3}}, Domain::kAny, [](V v) { return log_softmax(v[0]); }, "torch.log_softmax(x0, -1)"},
      {"log_softmax", "along axis 1 of [2,3,2]", {{2, 3, 2}}, Domain::kAny, [](V v) { return log_softmax(v[0], 1); }, "torch.log_softmax(x0, 1)"},
      // ---- Reductions ----
      {"sum", "Σ x", {{2, 3}}, Domain::kAny, [](V v) { return sum(v[0]); }, "x0.sum()"},
      {"sum", "over axes {0, 2} of [2,3,2], keepdim", {{2, 3, 2}}, Domain::kAny, [](V v) { return sum(v[0], {0, 2}, true); }, "x0.sum((0, 2), keepdim=True)"},
      {"sum", "over the last axis", {{2, 3}}, Domain::kAny, [](V v) { return sum(v[0], -1); }, "x0.sum(-1)"},
      {"mean", "mean x", {{2, 3}}, Domain::kAny, [](V v) { return mean(v[0]); }, "x0.mean()"},
      {"mean", "over axis 1 of [2,3,2]", {{2, 3, 2}}, Domain::kAny, [](V v) { return mean(v[0], 1); }, "x0.mean(1)"},
      {"amax", "over axis 1, keepdim", {{3, 4}}, Domain::kAny, [](V v) { return amax(v[0], 1, true); }, "x0.amax(1, keepdim=True)"},
      {"amin", "over axes {0, 1} of [2,3,2]", {{2, 3, 2}}, Domain::kAny, [](V v) { return amin(v[0], {0, 1}); }, "x0.amin((0, 1))"},
      {"max", "max of everything, and along axis 0", {{3, 4}}, Domain::kAny, [](V v) { return add(max(v[0]), sum(max(v[0], 0).values)); }, "x0.max() + x0.max(0).values.sum()"},
      {"min", "min of everything, and along axis 1", {{3, 4}}, Domain::kAny, [](V v) { return add(min(v[0]), sum(min(v[0], 1, true).values)); }, "x0.min() + x0.min(1, keepdim=True).values.sum()"},
      {"logsumexp", "over axis 1", {{3, 4}}, Domain::kAny, [](V v) { return logsumexp(v[0], 1); }, "torch.logsumexp(x0, 1)"},
      {"logsumexp", "over everything", {{2, 3}}, Domain::kAny, [](V v) { return logsumexp(v[0]); }, "torch.logsumexp(x0, (0, 1))"},
      {"var", "over axis 0, Bessel's correction", {{4, 3}}, Domain::kAny, [](V v) { return var(v[0], 0); }, "torch.var(x0, 0)"},
      {"var", "over everything, no correction, keepdim", {{2, 3}}, Domain::kAny, [](V v) { return var(v[0], {}, 0, true); }, "torch.var(x0, (0, 1), unbiased=False, keepdim=True)"},
      {"std", "over axis 1", {{3, 4}}, Domain::kAny, [](V v) { return std(v[0], 1); }, "torch.std(x0, 1)"},
      {"norm", "‖x‖₂ over axis 1", {{3, 4}}, Domain::kAny, [](V v) { return norm(v[0], 2, 1); }, "torch.linalg.vector_norm(x0, 2, 1)"},
      {"norm", "‖x‖₁, away from 0", {{2, 3}}, Domain::kAwayFromZero, [](V v) { return norm(v[0], 1); }, "torch.linalg.vector_norm(x0, 1)"},
      {"norm", "‖x‖∞ over axis 0", {{3, 4}}, Domain::kAwayFromZero, [](V v) { return norm(v[0], kInf, 0); }, "torch.linalg.vector_norm(x0, float('inf'), 0)"},
      {"norm", "‖x‖₃", {{2, 3}}, Domain::kAwayFromZero, [](V v) { return norm(v[0], 3); }, "torch.linalg.vector_norm(x0, 3)"},
      // ---- Shapes and indexing ----
      {"transpose", "[2,3]ᵀ", {{2, 3}}, Domain::kAny, [](V v) { return transpose(v[0]); }, "x0.t()"},
      {"permute", "[2,3,4] → axes (2, 0, 1)", {{2, 3, 4}}, Domain::kAny, [](V v) { return permute(v[0], {2, 0, 1}); }, "x0.permute(2, 0, 1)"},
      {"permute", "transpose(x, 0, −1)", {{2, 3, 2}}, Domain::kAny, [](V v) { return transpose(v[0], 0, -1); }, "x0.transpose(0, -1)"},
      {"reshape", "[2,3] → [3,2]", {{2, 3}}, Domain::kAny, [](V v) { return reshape(v[0], Shape{3, 2}); }, "x0.reshape(3, 2)"},
      {"reshape", "squeeze, unsqueeze and flatten", {{2, 1, 3}}, Domain::kAny, [](V v) { return add(unsqueeze(squeeze(v[0]), 0), flatten(v[0], 1)); }, "x0.squeeze().unsqueeze(0) + x0.flatten(1)"},
      {"sum_to", "[2,3] → [3] (sum the rows)", {{2, 3}}, Domain::kAny, [](V v) { return sum_to(v[0], Shape{3}); }, "x0.sum(0)"},
      {"sum_to", "[2,3] → [2,1] (sum each row)", {{2, 3}}, Domain::kAny, [](V v) { return sum_to(v[0], Shape{2, 1}); }, "x0.sum(1, keepdim=True)"},
      {"broadcast_to", "[3] → [2,3]", {{3}}, Domain::kAny, [](V v) { return broadcast_to(v[0], Shape{2, 3}); }, "x0.broadcast_to((2, 3))"},
      {"broadcast_to", "[2,1] → [2,3]", {{2, 1}}, Domain::kAny, [](V v) { return broadcast_to(v[0], Shape{2, 3}); }, "x0.broadcast_to((2, 3))"},
      {"broadcast_to", "expand [2,1] to (3, −1, 4)", {{2, 1}}, Domain::kAny, [](V v) { return expand(v[0], {3, -1, 4}); }, "x0.expand(3, -1, 4)"},
      {"slice", "x[1:4:2] along axis 1, x[-2:] along axis 0", {{3, 5}}, Domain::kAny, [](V v) { return add(sum(slice(v[0], 1, 1, 4, 2)), sum(mul(slice(v[0], 0, -2, 100), slice(v[0], 0, -2, 100)))); }, "x0[:, 1:4:2].sum() + (x0[-2:] * x0[-2:]).sum()"},
      {"slice", "split into pieces of 2 and chunk into 2", {{5, 2}}, Domain::kAny, [](V v) { const auto p = split(v[0], 2); const auto c = chunk(v[0], 2, 0); return add(sum(mul(p[0], p[1])), sum(mul(c[1], c[1]))); }, "(x0.split(2)[0] * x0.split(2)[1]).sum() + (x0.chunk(2)[1] ** 2).sum()"},
      {"index_select", "rows 2, 0, 2 of [3,4]", {{3, 4}}, Domain::kAny, [](V v) { return index_select(v[0], 0, indices(Shape{3}, {2, 0, 2})); }, "torch.index_select(x0, 0, torch.tensor([2, 0, 2]))"},
      {"index_select", "columns 1, 1 of [2,3,2]", {{2, 3, 2}}, Domain::kAny, [](V v) { return index_select(v[0], 1, indices(Shape{2}, {1, 1})); }, "torch.index_select(x0, 1, torch.tensor([1, 1]))"},
      {"gather", "along axis 1, an index repeated", {{3, 4}}, Domain::kAny, [](V v) { return gather(v[0], 1, indices(Shape{3, 2}, {0, 3, 2, 2, 1, 0})); }, "torch.gather(x0, 1, torch.tensor([[0, 3], [2, 2], [1, 0]]))"},
      {"gather", "along axis 0, a shorter index", {{3, 2}}, Domain::kAny, [](V v) { return gather(v[0], 0, indices(Shape{2, 2}, {2, 0, 1, 1})); }, "torch.gather(x0, 0, torch.tensor([[2, 0], [1, 1]]))"},
      {"cat", "cat([2,3], [1,3], [2,3]) along axis 0", {{2, 3}, {1, 3}, {2, 3}}, Domain::kAny, [](V v) { return cat({v[0], v[1], v[2]}, 0); }, "torch.cat([x0, x1, x2], 0)"},
      {"cat", "cat(x, x) along axis 1, and stack", {{2, 3}}, Domain::kAny, [](V v) { return add(sum(cat({v[0], v[0]}, 1)), sum(mul(stack({v[0], v[0]}, -1), permute(stack({v[0], v[0]}, 0), {1, 2, 0})))); }, "torch.cat([x0, x0], 1).sum() + (torch.stack([x0, x0], -1) * torch.stack([x0, x0], 0).permute(1, 2, 0)).sum()"},
      // ---- Losses ----
      {"sse_loss", "½Σ(y − ŷ)²", {{3, 2}, {3, 2}}, Domain::kAny, [](V v) { return sse_loss(v[0], v[1]); }, "0.5 * ((x1 - x0) ** 2).sum()"},
      {"mse_loss", "mean (y − ŷ)²", {{3, 2}, {3, 2}}, Domain::kAny, [](V v) { return mse_loss(v[0], v[1]); }, "F.mse_loss(x0, x1)"},
      {"mse_loss", "sum and per element", {{3, 2}, {3, 2}}, Domain::kAny, [](V v) { return add(mse_loss(v[0], v[1], Reduction::kSum), sum(mul(mse_loss(v[0], v[1], Reduction::kNone), v[1]))); }, "F.mse_loss(x0, x1, reduction='sum') + (F.mse_loss(x0, x1, reduction='none') * x1).sum()"},
      {"softmax_cross_entropy", "[3,4] logits and targets", {{3, 4}, {3, 4}}, Domain::kAny, [](V v) { return softmax_cross_entropy(v[0], v[1]); }, "(-(x1 * torch.log_softmax(x0, -1)).sum(-1)).mean()"},
      {"softmax_cross_entropy", "[4], one row", {{4}, {4}}, Domain::kAny, [](V v) { return softmax_cross_entropy(v[0], v[1]); }, "-(x1 * torch.log_softmax(x0, -1)).sum()"},
      {"binary_cross_entropy_with_logits", "[2,3] logits, targets in (0, 1)", {{2, 3}, {2, 3}}, Domain::kAny, [](V v) { return binary_cross_entropy_with_logits(v[0], sigmoid(v[1])); }, "F.binary_cross_entropy_with_logits(x0, torch.sigmoid(x1))"},
      {"binary_cross_entropy_with_logits", "sum and per element", {{4}, {4}}, Domain::kAny, [](V v) { return add(binary_cross_entropy_with_logits(v[0], sigmoid(v[1]), Reduction::kSum), sum(mul(binary_cross_entropy_with_logits(v[0], sigmoid(v[1]), Reduction::kNone), v[0]))); }, "F.binary_cross_entropy_with_logits(x0, torch.sigmoid(x1), reduction='sum') + (F.binary_cross_entropy_with_logits(x0, torch.sigmoid(x1), reduction='none') * x0).sum()"},
      {"nll_loss", "[3,4] log-probabilities, classes 1, 0, 3", {{3, 4}}, Domain::kAny, [](V v) { return nll_loss(log_softmax(v[0]), indices(Shape{3}, {1, 0, 3})); }, "F.nll_loss(torch.log_softmax(x0, -1), torch.tensor([1, 0, 3]))"},
      {"nll_loss", "sum, one row ignored", {{3, 4}}, Domain::kAny, [](V v) { return nll_loss(v[0], indices(Shape{3}, {2, -100, 2}), Reduction::kSum); }, "F.nll_loss(x0, torch.tensor([2, -100, 2]), reduction='sum')"},
      {"cross_entropy", "[3,4] logits, classes 2, 2, 0", {{3, 4}}, Domain::kAny, [](V v) { return cross_entropy(v[0], indices(Shape{3}, {2, 2, 0})); }, "F.cross_entropy(x0, torch.tensor([2, 2, 0]))"},
      {"cross_entropy", "one row, per element", {{5}}, Domain::kAny, [](V v) { return mul(cross_entropy(v[0], indices(Shape{}, {4}), Reduction::kNone), v[0]); }, "F.cross_entropy(x0, torch.tensor(4), reduction='none') * x0"},
      {"l1_loss", "|ŷ − 0|, away from the kink", {{2, 3}}, Domain::kAwayFromZero, [](V v) { return l1_loss(v[0], zeros_of(v[0])); }, "F.l1_loss(x0, torch.zeros_like(x0))"},
      {"huber_loss", "delta 1, away from ±1", {{2, 4}}, Domain::kAny, [](V v) { return huber_loss(v[0], zeros_of(v[0]), Reduction::kSum); }, "F.huber_loss(x0, torch.zeros_like(x0), reduction='sum', delta=1.0)", {-1.0, 1.0}},
      {"huber_loss", "delta 0.5, mean, target and prediction", {{3}, {3}}, Domain::kAny, [](V v) { return huber_loss(v[0], scale(v[1], T(0.01)), Reduction::kMean, 0.5); }, "F.huber_loss(x0, 0.01 * x1, delta=0.5)", {-0.5, 0.5}},
      // ---- Layers (ops/layer_ops.hpp) ----
      // dropout's mask comes from a Generator seeded in the call, the same in every evaluation. PyTorch
      // cannot draw it, so there is no torch expression; tests/ops/analytic_dropout_test.cpp checks it.
      {"dropout", "p = 0.4 in training, a seeded mask", {{4, 5}}, Domain::kAny, [](V v) { Generator generator(7); return dropout(v[0], 0.4, true, generator); }},
      {"dropout", "x ⊙ dropout(x, 0.5), a value used twice", {{3, 4}}, Domain::kAny, [](V v) { Generator generator(11); return mul(v[0], dropout(v[0], 0.5, true, generator)); }},
      {"layer_norm", "over the last axis of [3,4], weight and bias", {{3, 4}, {4}, {4}}, Domain::kAny, [](V v) { return layer_norm(v[0], Shape{4}, v[1], v[2]); }, "F.layer_norm(x0, (4,), x1, x2)"},
      {"layer_norm", "over the last two axes of [2,3,4], no weight or bias", {{2, 3, 4}}, Domain::kAny, [](V v) { return layer_norm(v[0], Shape{3, 4}); }, "F.layer_norm(x0, (3, 4))"},
      {"layer_norm", "weight only, eps 0.1", {{2, 5}, {5}}, Domain::kAny, [](V v) { return layer_norm(v[0], Shape{5}, v[1], {}, 0.1); }, "F.layer_norm(x0, (5,), x1, None, 0.1)"},
      {"layer_norm", "bias only, over the whole [2,3] (torch 1.13 takes no bias without a weight)", {{2, 3}, {2, 3}}, Domain::kAny, [](V v) { return layer_norm(v[0], Shape{2, 3}, {}, v[1]); }, "F.layer_norm(x0, (2, 3)) + x1"},
      {"batch_norm", "training, [5,3] with weight and bias", {{5, 3}, {3}, {3}}, Domain::kAny, [](V v) { return batch_norm(v[0], nullptr, nullptr, v[1], v[2], true); }, "F.batch_norm(x0, None, None, x1, x2, training=True)"},
      {"batch_norm", "training, [2,3,4], running statistics updated on the side", {{2, 3, 4}, {3}, {3}}, Domain::kAny, [](V v) { Tensor<T> mean({3}), variance = Tensor<T>::full({3}, 1); return batch_norm(v[0], &mean, &variance, v[1], v[2], true); }, "F.batch_norm(x0, torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64), x1, x2, training=True)"},
      {"batch_norm", "training, [2,2,2,3] (N, C, H, W), no weight or bias", {{2, 2, 2, 3}}, Domain::kAny, [](V v) { return batch_norm(v[0], nullptr, nullptr, {}, {}, true); }, "F.batch_norm(x0, None, None, training=True)"},
      {"batch_norm", "eval, [3,2,2] with fixed running statistics", {{3, 2, 2}, {2}, {2}}, Domain::kAny, [](V v) { Tensor<T> mean({2}, {T(0.3), T(-0.2)}), variance({2}, {T(0.8), T(1.5)}); return batch_norm(v[0], &mean, &variance, v[1], v[2], false); }, "F.batch_norm(x0, torch.tensor([0.3, -0.2], dtype=torch.float64), torch.tensor([0.8, 1.5], dtype=torch.float64), x1, x2, training=False)"},
      {"embedding", "rows 2, 0, 2, 4 of [5,3] by [2,2] indices (one repeated)", {{5, 3}}, Domain::kAny, [](V v) { return embedding(v[0], indices(Shape{2, 2}, {2, 0, 2, 4})); }, "F.embedding(torch.tensor([[2, 0], [2, 4]]), x0)"},
      {"embedding", "padding_idx −1, a row of zeros as nn.Embedding keeps it", {{4, 3}}, Domain::kAny, [](V v) { return embedding(cat({v[0], zeros_of(v[0], Shape{1, 3})}, 0), indices(Shape{4}, {4, 1, 4, 3}), -1); }, "F.embedding(torch.tensor([4, 1, 4, 3]), torch.cat([x0, torch.zeros(1, 3, dtype=torch.float64)]), padding_idx=-1)"},
  };
  // clang-format on
}

template <class T>
Tensor<double> catalog_input(const OpCase<T>& c, std::size_t k, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> any(-2.0, 2.0), magnitude(0.2, 2.0), positive(0.5, 2.0);
  const auto draw = [&] {
    switch (c.domain) {
      case Domain::kPositive:
        return positive(rng);
      case Domain::kAwayFromZero:
        return (rng() & 1 ? 1.0 : -1.0) * magnitude(rng);
      case Domain::kAny:
        break;
    }
    return any(rng);
  };
  const auto near_kink = [&](double v) {
    for (const double kink : c.kinks)
      if (std::abs(v - kink) < 0.05) return true;
    return false;
  };
  Tensor<double> t(c.inputs[k]);
  for (double& v : t.values()) {
    do v = draw();
    while (near_kink(v));
  }
  return t;
}

template std::vector<OpCase<float>> op_catalog<float>();
template std::vector<OpCase<double>> op_catalog<double>();
template Tensor<double> catalog_input(const OpCase<float>&, std::size_t, std::mt19937_64&);
template Tensor<double> catalog_input(const OpCase<double>&, std::size_t, std::mt19937_64&);

}  // namespace tapegrad
