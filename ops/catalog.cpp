#include "catalog.hpp"

#include "ops.hpp"

namespace tapegrad {

template <class T>
std::vector<OpCase<T>> op_catalog() {
  using V = std::span<const Var<T>>;
  // One case per line: the list reads as a table.
  // clang-format off
  return {
      {"matmul", "[3,4]·[4,2]", {{3, 4}, {4, 2}}, Domain::kAny, [](V v) { return matmul(v[0], v[1]); }},
      {"matmul", "[3,4]·[4] (matrix-vector)", {{3, 4}, {4}}, Domain::kAny, [](V v) { return matmul(v[0], v[1]); }},
      {"matmul", "[4]·[4,2] (vector-matrix)", {{4}, {4, 2}}, Domain::kAny, [](V v) { return matmul(v[0], v[1]); }},
      {"matmul", "[4]·[4] (dot product)", {{4}, {4}}, Domain::kAny, [](V v) { return matmul(v[0], v[1]); }},
      {"matmul", "A·A (a value used twice)", {{3, 3}}, Domain::kAny, [](V v) { return matmul(v[0], v[0]); }},
      {"matmul", "[20,20]·[20,20] (through BLAS)", {{20, 20}, {20, 20}}, Domain::kAny, [](V v) { return sum(matmul(v[0], v[1])); }},
      {"linear", "x[2,3]·W[4,3]ᵀ + b[4]", {{2, 3}, {4, 3}, {4}}, Domain::kAny, [](V v) { return linear(v[0], v[1], v[2]); }},
      {"linear", "x[3]·W[2,3]ᵀ, no bias", {{3}, {2, 3}}, Domain::kAny, [](V v) { return linear(v[0], v[1]); }},
      {"linear", "x[24,20]·W[20,20]ᵀ + b (through BLAS)", {{24, 20}, {20, 20}, {20}}, Domain::kAny, [](V v) { return sum(linear(v[0], v[1], v[2])); }},
      {"add", "[2,3] + [2,3]", {{2, 3}, {2, 3}}, Domain::kAny, [](V v) { return add(v[0], v[1]); }},
      {"add", "[2,3] + [3] (bias row broadcast)", {{2, 3}, {3}}, Domain::kAny, [](V v) { return add(v[0], v[1]); }},
      {"add", "[3,1] + [1,4] (both broadcast)", {{3, 1}, {1, 4}}, Domain::kAny, [](V v) { return add(v[0], v[1]); }},
      {"add", "[] + [2,3] (scalar)", {{}, {2, 3}}, Domain::kAny, [](V v) { return add(v[0], v[1]); }},
      {"add", "x + x (a value used twice)", {{2, 3}}, Domain::kAny, [](V v) { return add(v[0], v[0]); }},
      {"sub", "[2,3] − [3]", {{2, 3}, {3}}, Domain::kAny, [](V v) { return sub(v[0], v[1]); }},
      {"sub", "[2,1,3] − [4,1] (general broadcast)", {{2, 1, 3}, {4, 1}}, Domain::kAny, [](V v) { return sub(v[0], v[1]); }},
      {"mul", "[2,3] ⊙ [2,3]", {{2, 3}, {2, 3}}, Domain::kAny, [](V v) { return mul(v[0], v[1]); }},
      {"mul", "[3] ⊙ [2,3] (broadcast left)", {{3}, {2, 3}}, Domain::kAny, [](V v) { return mul(v[0], v[1]); }},
      {"mul", "x ⊙ x (a value used twice)", {{2, 3}}, Domain::kAny, [](V v) { return mul(v[0], v[0]); }},
      {"mul", "[1] ⊙ [1,1] (one element)", {{1}, {1, 1}}, Domain::kAny, [](V v) { return mul(v[0], v[1]); }},
      {"mul", "x ⊙ x (one element used twice)", {{1}}, Domain::kAny, [](V v) { return mul(v[0], v[0]); }},
      {"add", "[1,1] + [] (one element)", {{1, 1}, {}}, Domain::kAny, [](V v) { return add(v[0], v[1]); }},
      {"sub", "[] − [1] (one element)", {{}, {1}}, Domain::kAny, [](V v) { return sub(v[0], v[1]); }},
      {"scale", "2.5·x", {{2, 3}}, Domain::kAny, [](V v) { return scale(v[0], T(2.5)); }},
      {"sigmoid", "σ(x)", {{2, 3}}, Domain::kAny, [](V v) { return sigmoid(v[0]); }},
      {"tanh", "tanh(x)", {{2, 3}}, Domain::kAny, [](V v) { return tanh(v[0]); }},
      {"relu", "relu(x), away from the kink at 0", {{2, 3}}, Domain::kAwayFromZero, [](V v) { return relu(v[0]); }},
      {"exp", "eˣ", {{2, 3}}, Domain::kAny, [](V v) { return exp(v[0]); }},
      {"log", "log(x), x > 0", {{2, 3}}, Domain::kPositive, [](V v) { return log(v[0]); }},
      {"transpose", "[2,3]ᵀ", {{2, 3}}, Domain::kAny, [](V v) { return transpose(v[0]); }},
      {"sum", "Σ x", {{2, 3}}, Domain::kAny, [](V v) { return sum(v[0]); }},
      {"mean", "mean x", {{2, 3}}, Domain::kAny, [](V v) { return mean(v[0]); }},
      {"sum_to", "[2,3] → [3] (sum the rows)", {{2, 3}}, Domain::kAny, [](V v) { return sum_to(v[0], Shape{3}); }},
      {"sum_to", "[2,3] → [2,1] (sum each row)", {{2, 3}}, Domain::kAny, [](V v) { return sum_to(v[0], Shape{2, 1}); }},
      {"broadcast_to", "[3] → [2,3]", {{3}}, Domain::kAny, [](V v) { return broadcast_to(v[0], Shape{2, 3}); }},
      {"broadcast_to", "[2,1] → [2,3]", {{2, 1}}, Domain::kAny, [](V v) { return broadcast_to(v[0], Shape{2, 3}); }},
      {"reshape", "[2,3] → [3,2]", {{2, 3}}, Domain::kAny, [](V v) { return reshape(v[0], Shape{3, 2}); }},
      {"log_softmax", "[2,4], each row", {{2, 4}}, Domain::kAny, [](V v) { return log_softmax(v[0]); }},
      {"log_softmax", "[3], one row", {{3}}, Domain::kAny, [](V v) { return log_softmax(v[0]); }},
      {"sse_loss", "½Σ(y − ŷ)²", {{3, 2}, {3, 2}}, Domain::kAny, [](V v) { return sse_loss(v[0], v[1]); }},
      {"mse_loss", "mean (y − ŷ)²", {{3, 2}, {3, 2}}, Domain::kAny, [](V v) { return mse_loss(v[0], v[1]); }},
      {"softmax_cross_entropy", "[3,4] logits and targets", {{3, 4}, {3, 4}}, Domain::kAny, [](V v) { return softmax_cross_entropy(v[0], v[1]); }},
      {"softmax_cross_entropy", "[4], one row", {{4}, {4}}, Domain::kAny, [](V v) { return softmax_cross_entropy(v[0], v[1]); }},
  };
  // clang-format on
}

template std::vector<OpCase<float>> op_catalog<float>();
template std::vector<OpCase<double>> op_catalog<double>();

}  // namespace tapegrad
