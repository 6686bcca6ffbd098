// The built-in ops. Each is declared for float and double; Parameters and Tensors convert to
// Vars, so `sigmoid(layer.weight)` and `sse_loss(prediction, targets)` work as written.
// Each op lives in its own file, ops/<name>.cpp, with its forward, its backward (a vector-Jacobian
// product) and the derivative formula beside the code; ops/catalog.cpp lists it for gradcheck.
#pragma once

#include "../graph/var.hpp"

namespace tapegrad {

// ---- Products ----
// Matrix product with NumPy's rules for 1-D and 2-D operands: [m,k]·[k,n] → [m,n],
// [m,k]·[k] → [m], [k]·[k,n] → [n], [k]·[k] → [] (a dot product).
Var<float> matmul(const Var<float>& a, const Var<float>& b);
Var<double> matmul(const Var<double>& a, const Var<double>& b);
// y = x·Wᵀ + b, as torch::nn::functional::linear: x [n,in] or [in], W [out,in], b [out] or none.
Var<float> linear(const Var<float>& x, const Var<float>& weight, const Var<float>& bias = {});
Var<double> linear(const Var<double>& x, const Var<double>& weight, const Var<double>& bias = {});

// ---- Elementwise with NumPy-style broadcasting ----
Var<float> add(const Var<float>& a, const Var<float>& b);
Var<double> add(const Var<double>& a, const Var<double>& b);
Var<float> sub(const Var<float>& a, const Var<float>& b);
Var<double> sub(const Var<double>& a, const Var<double>& b);
Var<float> mul(const Var<float>& a, const Var<float>& b);
Var<double> mul(const Var<double>& a, const Var<double>& b);
// s·a for a constant s.
Var<float> scale(const Var<float>& a, float s);
Var<double> scale(const Var<double>& a, double s);

// ---- Elementwise functions ----
Var<float> sigmoid(const Var<float>& a);
Var<double> sigmoid(const Var<double>& a);
Var<float> tanh(const Var<float>& a);
Var<double> tanh(const Var<double>& a);
Var<float> relu(const Var<float>& a);
Var<double> relu(const Var<double>& a);
Var<float> exp(const Var<float>& a);
Var<double> exp(const Var<double>& a);
Var<float> log(const Var<float>& a);
Var<double> log(const Var<double>& a);

// ---- Shape and reductions ----
Var<float> transpose(const Var<float>& a);  // 2-D: [m,n] → [n,m]
Var<double> transpose(const Var<double>& a);
Var<float> sum(const Var<float>& a);  // all elements → a scalar
Var<double> sum(const Var<double>& a);
Var<float> mean(const Var<float>& a);
Var<double> mean(const Var<double>& a);
// a summed over the axes along which `shape` broadcasts to a's shape: the result has `shape`
// ([2,3] → [3] sums the rows, [2,3] → [2,1] each row). The inverse of broadcast_to.
Var<float> sum_to(const Var<float>& a, const Shape& shape);
Var<double> sum_to(const Var<double>& a, const Shape& shape);
// a repeated to `shape` by NumPy's broadcasting rules ([3] → [2,3]).
Var<float> broadcast_to(const Var<float>& a, const Shape& shape);
Var<double> broadcast_to(const Var<double>& a, const Shape& shape);
// The same elements, in the same order, under a shape of as many elements.
Var<float> reshape(const Var<float>& a, const Shape& shape);
Var<double> reshape(const Var<double>& a, const Shape& shape);
// log softmax along the last axis of [k] or [n,k], without overflow.
Var<float> log_softmax(const Var<float>& a);
Var<double> log_softmax(const Var<double>& a);

// ---- Losses (prediction first, target second; shapes must be equal) ----
// E = ½ Σ (y − ŷ)², the reference derivation's squared error summed over every element.
Var<float> sse_loss(const Var<float>& prediction, const Var<float>& target);
Var<double> sse_loss(const Var<double>& prediction, const Var<double>& target);
// E = (1/N) Σ (y − ŷ)² over the N elements.
Var<float> mse_loss(const Var<float>& prediction, const Var<float>& target);
Var<double> mse_loss(const Var<double>& prediction, const Var<double>& target);
// (1/n) Σ_rows −Σ_k y_k log softmax(ŷ)_k for logits ŷ and targets y of shape [n,k] (or [k], one
// row); y holds one-hot labels or probabilities.
Var<float> softmax_cross_entropy(const Var<float>& logits, const Var<float>& target);
Var<double> softmax_cross_entropy(const Var<double>& logits, const Var<double>& target);

// ---- Operators ----
inline Var<float> operator+(const Var<float>& a, const Var<float>& b) {
  return add(a, b);
}
inline Var<double> operator+(const Var<double>& a, const Var<double>& b) {
  return add(a, b);
}
inline Var<float> operator-(const Var<float>& a, const Var<float>& b) {
  return sub(a, b);
}
inline Var<double> operator-(const Var<double>& a, const Var<double>& b) {
  return sub(a, b);
}
inline Var<float> operator*(const Var<float>& a, const Var<float>& b) {
  return mul(a, b);
}
inline Var<double> operator*(const Var<double>& a, const Var<double>& b) {
  return mul(a, b);
}
inline Var<float> operator*(float s, const Var<float>& a) {
  return scale(a, s);
}
inline Var<double> operator*(double s, const Var<double>& a) {
  return scale(a, s);
}
inline Var<float> operator*(const Var<float>& a, float s) {
  return scale(a, s);
}
inline Var<double> operator*(const Var<double>& a, double s) {
  return scale(a, s);
}
inline Var<float> operator-(const Var<float>& a) {
  return scale(a, -1.0f);
}
inline Var<double> operator-(const Var<double>& a) {
  return scale(a, -1.0);
}

}  // namespace tapegrad
