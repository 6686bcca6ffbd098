// Inputs where ops follow a convention rather than a formula, for the differential test against
// PyTorch (torch_reference_test.cpp): kinks (relu, abs, clamp at their corners), ties (maximum,
// amax, max along an axis), zeros (norm, std, pow, sqrt), infinities (log 0, 1/0, logsumexp of
// −inf), empty axes, single elements and extreme logits. Finite differences cannot check these
// points; PyTorch's choice is the reference.
#pragma once

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "ops/catalog.hpp"
#include "ops/ops.hpp"

namespace tapegrad::testing {

struct EdgeCase {
  std::string name;
  OpCase<double>::Call call;
  std::string torch;  // as in the catalog: an expression in x0, x1, ...
  std::vector<Tensor<double>> inputs;
  // Where the second derivative does not exist, PyTorch's value is an artifact of its formula
  // and tapegrad may differ; the reason is given here, and only values and gradients compared.
  std::string second_order_differs = {};
};

inline std::vector<EdgeCase> torch_edge_cases() {
  using V = std::span<const Var<double>>;
  using T = Tensor<double>;
  const double inf = std::numeric_limits<double>::infinity();
  // clang-format off
  return {
      {"relu at 0", [](V v) { return relu(v[0]); }, "torch.relu(x0)", {T({4}, {0, -1, 2, 0})}},
      {"abs at 0", [](V v) { return abs(v[0]); }, "torch.abs(x0)", {T({3}, {0, -0.5, 1})}},
      {"leaky_relu at 0", [](V v) { return leaky_relu(v[0], 0.1); }, "F.leaky_relu(x0, 0.1)", {T({3}, {0, -2, 2})}},
      {"elu at 0", [](V v) { return elu(v[0], 1.5); }, "F.elu(x0, 1.5)", {T({3}, {0, -2, 2})}},
      {"sign at 0", [](V v) { return mul(sign(v[0]), v[0]); }, "torch.sign(x0) * x0", {T({3}, {0, 2, -3})}},
      {"clamp at both bounds", [](V v) { return clamp(v[0], -1.0, 1.0); }, "torch.clamp(x0, -1.0, 1.0)", {T({5}, {-1, 1, 0.5, 2, -3})}},
      {"clamp with min only, at the bound", [](V v) { return clamp(v[0], 0.5); }, "torch.clamp(x0, min=0.5)", {T({3}, {0.5, 0.2, 1})}},
      {"maximum at ties", [](V v) { return maximum(v[0], v[1]); }, "torch.maximum(x0, x1)", {T({3}, {1, 2, 3}), T({3}, {1, 3, 2})}},
      {"minimum at ties", [](V v) { return minimum(v[0], v[1]); }, "torch.minimum(x0, x1)", {T({3}, {1, 2, 3}), T({3}, {1, 3, 2})}},
      {"amax with ties", [](V v) { return amax(v[0], 1); }, "x0.amax(1)", {T({2, 3}, {1, 3, 3, 2, 2, 0})}},
      {"amin with ties over everything", [](V v) { return amin(v[0]); }, "x0.amin()", {T({2, 2}, {1, -1, -1, 0})}},
      {"max of everything with ties", [](V v) { return max(v[0]); }, "x0.max()", {T({4}, {1, 3, 3, 0})}},
      {"max along an axis with ties: the first index", [](V v) { return max(v[0], 1).values; }, "x0.max(1).values", {T({2, 3}, {1, 3, 3, 4, 0, 4})}},
      {"min along an axis with ties: the first index", [](V v) { return min(v[0], 0).values; }, "x0.min(0).values", {T({2, 2}, {1, 2, 1, 2})}},
      {"norm of zeros", [](V v) { return norm(v[0]); }, "torch.linalg.vector_norm(x0)", {T({3}, {0, 0, 0})},
       "‖x‖ has no second derivative at 0: torch's is NaN (0·(0/0) in its formula), tapegrad's 0, "
       "as its first derivative there"},
      {"∞-norm with ties", [inf](V v) { return norm(v[0], inf); }, "torch.linalg.vector_norm(x0, float('inf'))", {T({3}, {1, -3, 3})}},
      {"1-norm with a zero", [](V v) { return norm(v[0], 1); }, "torch.linalg.vector_norm(x0, 1)", {T({3}, {0, 1, -2})}},
      {"std of equal values", [](V v) { return std(v[0]); }, "torch.std(x0)", {T({3}, {1, 1, 1})}},
      {"logsumexp with −inf", [](V v) { return logsumexp(v[0]); }, "torch.logsumexp(x0, 0)", {T({3}, {-inf, 0, 1})}},
      {"softmax with −inf", [](V v) { return softmax(v[0]); }, "torch.softmax(x0, -1)", {T({3}, {-inf, 0, 1})}},
      {"pow with base 0", [](V v) { return pow(v[0], v[1]); }, "torch.pow(x0, x1)", {T({3}, {0, 0, 0}), T({3}, {2, 0, 0.5})}},
      {"x⁰ at 0", [](V v) { return pow(v[0], 0.0); }, "x0 ** 0.0", {T({2}, {0, 2})}},
      {"sqrt at 0", [](V v) { return sqrt(v[0]); }, "torch.sqrt(x0)", {T({2}, {0, 4})}},
      {"log at 0", [](V v) { return log(v[0]); }, "torch.log(x0)", {T({2}, {0, 1})}},
      {"1/x at 0", [](V v) { return div(1.0, v[0]); }, "1.0 / x0", {T({2}, {0, 2})}},
      {"sum over an empty axis", [](V v) { return sum(v[0], 0); }, "x0.sum(0)", {T({0, 3}, {})}},
      {"mean over an empty axis", [](V v) { return mean(v[0], 1); }, "x0.mean(1)", {T({2, 0}, {})}},
      {"cat with an empty part", [](V v) { return cat({v[0], v[1]}, 0); }, "torch.cat([x0, x1], 0)", {T({0, 2}, {}), T({1, 2}, {3, 4})}},
      {"a slice past the end is empty", [](V v) { return slice(v[0], 0, 5, 10); }, "x0[5:10]", {T({3}, {1, 2, 3})}},
      {"softmax of one element", [](V v) { return softmax(v[0]); }, "torch.softmax(x0, -1)", {T({1}, {5})}},
      {"log_softmax of one element", [](V v) { return log_softmax(v[0]); }, "torch.log_softmax(x0, -1)", {T({1}, {5})}},
      {"matmul of 1×1 matrices", [](V v) { return matmul(v[0], v[1]); }, "torch.matmul(x0, x1)", {T({1, 1}, {2}), T({1, 1}, {-3})}},
      {"a scalar times a scalar", [](V v) { return mul(v[0], v[1]); }, "x0 * x1", {T({}, {2}), T({}, {-3})}},
      {"huber at ±delta", [](V v) { return huber_loss(v[0], Var<double>(T({3}, {0, 0, 0})), Reduction::kSum); }, "F.huber_loss(x0, torch.zeros(3, dtype=torch.float64), reduction='sum')", {T({3}, {1, -1, 0.5})}},
      {"l1 where prediction equals target", [](V v) { return l1_loss(v[0], v[1]); }, "F.l1_loss(x0, x1)", {T({2}, {1, 2}), T({2}, {1, 3})}},
      {"binary cross entropy at extreme logits", [](V v) { return binary_cross_entropy_with_logits(v[0], v[1]); }, "F.binary_cross_entropy_with_logits(x0, x1)", {T({3}, {-40, 40, 0}), T({3}, {1, 0, 0.5})}},
      {"cross entropy at extreme logits", [](V v) { return cross_entropy(v[0], IndexTensor({2}, {1, 0})); }, "F.cross_entropy(x0, torch.tensor([1, 0]))", {T({2, 2}, {1000, 0, -1000, 0})}},
      {"softplus and log σ far out", [](V v) { return sub(softplus(v[0]), scale(log_sigmoid(v[0]), 3.0)); }, "F.softplus(x0) - 3.0 * F.logsigmoid(x0)", {T({4}, {-40, 40, 0, 15})}},
      {"sigmoid far out", [](V v) { return sigmoid(v[0]); }, "torch.sigmoid(x0)", {T({3}, {-40, 40, 0})}},
      {"embedding's padding row gets no gradient", [](V v) { return embedding(v[0], IndexTensor({4}, {1, 0, 1, 2}), 1); }, "F.embedding(torch.tensor([1, 0, 1, 2]), x0, padding_idx=1)", {T({3, 2}, {0.5, -1, 2, 0.25, -0.75, 1.5})}},
      {"layer_norm of a row of equal values", [](V v) { return layer_norm(v[0], Shape{3}, v[1], v[2]); }, "F.layer_norm(x0, (3,), x1, x2)", {T({2, 3}, {1, 1, 1, -2, 0.5, 3}), T({3}, {0.5, -1, 2}), T({3}, {0.1, 0.2, 0.3})}},
      {"batch_norm with a channel of equal values", [](V v) { return batch_norm(v[0], nullptr, nullptr, {}, {}, true); }, "F.batch_norm(x0, None, None, training=True)", {T({3, 2}, {1, 0.5, 1, -1, 1, 2})}},
  };
  // clang-format on
}

}  // namespace tapegrad::testing
