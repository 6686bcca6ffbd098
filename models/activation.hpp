// Activation functions as modules, for Sequential: each forward is the op of the same name
// (ops/ops.hpp), with torch's defaults. They have no parameters.
//
//   Sequential<float> net{std::make_shared<Linear<float>>(4, 8), std::make_shared<GELU<float>>()};
#pragma once

#include "../ops/ops.hpp"
#include "module.hpp"

namespace tapegrad {

template <class T>
class Identity : public Module<T> {
 public:
  Var<T> forward(const Var<T>& x) override { return x; }
};

template <class T>
class ReLU : public Module<T> {
 public:
  Var<T> forward(const Var<T>& x) override { return relu(x); }
};

template <class T>
class Sigmoid : public Module<T> {
 public:
  Var<T> forward(const Var<T>& x) override { return sigmoid(x); }
};

template <class T>
class Tanh : public Module<T> {
 public:
  Var<T> forward(const Var<T>& x) override { return tanh(x); }
};

template <class T>
class SiLU : public Module<T> {
 public:
  Var<T> forward(const Var<T>& x) override { return silu(x); }
};

// GELU with the exact erf form (torch's approximate="none") or the tanh approximation.
template <class T>
class GELU : public Module<T> {
 public:
  explicit GELU(GeluApproximation approximation = GeluApproximation::kErf)
      : approximation_(approximation) {}
  Var<T> forward(const Var<T>& x) override { return gelu(x, approximation_); }

 private:
  GeluApproximation approximation_;
};

// x for x ≥ 0, negative_slope·x below; torch's default slope 0.01.
template <class T>
class LeakyReLU : public Module<T> {
 public:
  explicit LeakyReLU(T negative_slope = T(0.01)) : negative_slope_(negative_slope) {}
  Var<T> forward(const Var<T>& x) override { return leaky_relu(x, negative_slope_); }

 private:
  T negative_slope_;
};

// x for x > 0, alpha·(eˣ − 1) below; torch's default alpha 1.
template <class T>
class ELU : public Module<T> {
 public:
  explicit ELU(T alpha = T(1)) : alpha_(alpha) {}
  Var<T> forward(const Var<T>& x) override { return elu(x, alpha_); }

 private:
  T alpha_;
};

// softmax along `dim` (torch's Softmax has no default; negative counts from the end).
template <class T>
class Softmax : public Module<T> {
 public:
  explicit Softmax(int dim) : dim_(dim) {}
  Var<T> forward(const Var<T>& x) override { return softmax(x, dim_); }

 private:
  int dim_;
};

template <class T>
class LogSoftmax : public Module<T> {
 public:
  explicit LogSoftmax(int dim) : dim_(dim) {}
  Var<T> forward(const Var<T>& x) override { return log_softmax(x, dim_); }

 private:
  int dim_;
};

}  // namespace tapegrad
