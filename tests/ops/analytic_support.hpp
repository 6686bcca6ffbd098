// Helpers for the analytic op tests (tests/ops/analytic_*_test.cpp): deterministic inputs, a
// non-uniform seed gradient, a reference for NumPy broadcasting, and an element-by-element
// comparison against values a test computes itself from the closed-form formula, in double.
#pragma once

#include <catch2/catch.hpp>

#include <cmath>
#include <cstddef>
#include <span>
#include <type_traits>
#include <vector>

#include "tapegrad.hpp"

namespace tapegrad::analytic {

// How close an op's result in T must be to the closed form evaluated in double.
struct Tolerance {
  double epsilon;  // relative
  double margin;   // absolute, for values that are (near) zero
};
template <class T>
constexpr Tolerance tolerance() {
  return std::is_same_v<T, float> ? Tolerance{1e-5, 1e-6} : Tolerance{1e-12, 1e-14};
}

// Shape pairs for the broadcasting binary ops and the shape they make: same shape, a bias row
// on either side, both sides broadcast, a scalar on either side, rank 3, and one element (the
// backward's one-element path) with ranks equal or not.
struct BroadcastCase {
  Shape a, b, out;
};
inline const BroadcastCase kBroadcastCases[] = {
    {{2, 3}, {2, 3}, {2, 3}},       {{4, 3}, {3}, {4, 3}},          {{3}, {4, 3}, {4, 3}},
    {{3, 1}, {1, 4}, {3, 4}},       {{}, {2, 3}, {2, 3}},           {{2, 3}, {}, {2, 3}},
    {{2, 1, 3}, {4, 1}, {2, 4, 3}}, {{4, 1}, {2, 1, 3}, {2, 4, 3}}, {{1}, {1}, {1}},
    {{}, {1, 1}, {1, 1}},           {{1, 1}, {1}, {1, 1}},
};

// n values in [−2, 2] without a pattern an op could get right by accident. They lie on a 1/64
// grid, so float and double hold exactly the same inputs.
inline std::vector<double> values(std::size_t n, double phase) {
  std::vector<double> v(n);
  for (std::size_t i = 0; i < n; ++i)
    v[i] = std::round(128.0 * std::sin(1.37 * static_cast<double>(i) + phase)) / 64.0;
  return v;
}

// n values in [0.25, 2.25] (for log), on the same grid.
inline std::vector<double> positive_values(std::size_t n, double phase) {
  std::vector<double> v = values(n, phase);
  for (double& x : v) x = 0.25 + (x + 2.0) / 2.0;
  return v;
}

// A seed gradient G for backward(root, G): of both signs and different in every element, so that
// a backward that ignores G, or uses only its sum, gets a different answer.
inline std::vector<double> seed_values(std::size_t n) {
  std::vector<double> g(n);
  for (std::size_t i = 0; i < n; ++i)
    g[i] = std::round(64.0 * (0.4 + std::cos(2.1 * static_cast<double>(i) + 0.3))) / 64.0;
  return g;
}

template <class T>
Tensor<T> tensor_of(const Shape& shape, const std::vector<double>& v) {
  std::vector<T> converted(v.begin(), v.end());
  return Tensor<T>(shape, std::move(converted));
}

// The offset in an input of shape `in` that output element `flat` (of shape `out`) reads under
// NumPy broadcasting: axes are aligned at the right, and an axis of size 1 always reads index 0.
inline std::size_t broadcast_offset(const Shape& in, const Shape& out, std::size_t flat) {
  std::size_t offset = 0, in_stride = 1, out_stride = 1;
  for (std::size_t k = 0; k < out.rank(); ++k) {
    const std::size_t axis_out = out.rank() - 1 - k;
    const std::size_t index = (flat / out_stride) % out[axis_out];
    out_stride *= out[axis_out];
    if (k >= in.rank()) continue;  // an axis `in` does not have
    const std::size_t size_in = in[in.rank() - 1 - k];
    if (size_in != 1) offset += index * in_stride;
    in_stride *= size_in;
  }
  return offset;
}

// The closed form of a broadcasting binary op y = f(a, b), evaluated by the definition: each output
// element i reads a[ia] and b[ib], and each input's gradient adds G_i·∂f/∂a (or ∂f/∂b) at the
// offset it was read from; that is the sum of G over the axes the input was broadcast along.
struct BinaryExpectation {
  std::vector<double> y, da, db;
};
template <class F, class DfDa, class DfDb>
BinaryExpectation broadcast_reference(const Shape& sa, const std::vector<double>& a,
                                      const Shape& sb, const std::vector<double>& b,
                                      const Shape& out, const std::vector<double>& g, F f,
                                      DfDa df_da, DfDb df_db) {
  BinaryExpectation e{std::vector<double>(out.size()), std::vector<double>(a.size(), 0.0),
                      std::vector<double>(b.size(), 0.0)};
  for (std::size_t i = 0; i < out.size(); ++i) {
    const std::size_t ia = broadcast_offset(sa, out, i), ib = broadcast_offset(sb, out, i);
    e.y[i] = f(a[ia], b[ib]);
    e.da[ia] += g[i] * df_da(a[ia], b[ib]);
    e.db[ib] += g[i] * df_db(a[ia], b[ib]);
  }
  return e;
}

// Checks every element of `got` against the closed-form `want`.
template <class T>
void expect_close(std::span<const T> got, const std::vector<double>& want,
                  Tolerance tol = tolerance<T>()) {
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    INFO("element " << i);
    CHECK(static_cast<double>(got[i]) == Approx(want[i]).epsilon(tol.epsilon).margin(tol.margin));
  }
}

// Runs y = op(x) on a fresh tape, then backward with a non-uniform seed G, and checks
// y_i = f(x_i) and dx_i = G_i·f′(x_i) (f and its derivative f′ evaluated in double).
template <class T, class Op, class F, class Derivative>
void check_elementwise(Op op, const Shape& shape, const std::vector<double>& x, F f,
                       Derivative f_prime) {
  Tape<T> tape;
  TapeGuard<T> guard(tape);
  const std::vector<double> g = seed_values(shape.size());
  const Var<T> vx = tape.variable(tensor_of<T>(shape, x), true);

  const Var<T> y = op(vx);
  REQUIRE(y.shape().str() == shape.str());
  tape.backward(y, tensor_of<T>(shape, g));

  std::vector<double> y_want(x.size()), dx_want(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    y_want[i] = f(x[i]);
    dx_want[i] = g[i] * f_prime(x[i]);
  }
  expect_close(y.data(), y_want);
  expect_close(vx.grad(), dx_want);
}

// Runs y = op(x) + x, so that x's gradient already holds G (from the add, which backward visits
// first) when op's backward adds into it: checks dx_i = G_i·(f′(x_i) + 1).
template <class T, class Op, class Derivative>
void check_elementwise_accumulates(Op op, const Shape& shape, const std::vector<double>& x,
                                   Derivative f_prime) {
  Tape<T> tape;
  TapeGuard<T> guard(tape);
  const std::vector<double> g = seed_values(shape.size());
  const Var<T> vx = tape.variable(tensor_of<T>(shape, x), true);

  const Var<T> y = add(op(vx), vx);
  tape.backward(y, tensor_of<T>(shape, g));

  std::vector<double> dx_want(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) dx_want[i] = g[i] * (f_prime(x[i]) + 1.0);
  expect_close(vx.grad(), dx_want);
}

}  // namespace tapegrad::analytic
