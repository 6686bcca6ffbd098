// sum over axes against a plain loop in double, for every pattern of summed and kept axes its
// fast paths cover (ops/sum.cpp: [O] K [I], K1 [R] K2, everything) and for ones they do not
// (the element-by-element loop): the values, the gradient, and float's accuracy over long sums.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "core.hpp"

namespace file_ops_axis_sum_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad;

namespace {

// For each element of a tensor of `shape`, the output element a sum over the `summed` axes puts
// it in: its index with the summed axes dropped, row-major.
std::vector<std::size_t> owners(const Shape& shape, const std::vector<bool>& summed) {
  std::vector<std::size_t> owner(shape.size(), 0), index(shape.rank(), 0);
  for (std::size_t i = 0; i < shape.size(); ++i) {
    for (std::size_t a = 0; a < shape.rank(); ++a)
      if (!summed[a]) owner[i] = owner[i] * shape[a] + index[a];
    for (std::size_t a = shape.rank(); a-- > 0;) {  // the next index
      if (++index[a] < shape[a]) break;
      index[a] = 0;
    }
  }
  return owner;
}

// Σ of x over the summed axes by the definition, in double.
std::vector<double> sum_by_definition(const Tensor<double>& x, const std::vector<bool>& summed,
                                      std::size_t out_size) {
  std::vector<double> out(out_size, 0.0);
  const std::vector<std::size_t> owner = owners(x.shape(), summed);
  for (std::size_t i = 0; i < x.size(); ++i) out[owner[i]] += x[i];
  return out;
}

Axes axes_of(const std::vector<bool>& summed) {
  std::vector<int> list;
  for (std::size_t a = 0; a < summed.size(); ++a)
    if (summed[a]) list.push_back(static_cast<int>(a));
  return Axes(list);
}

}  // namespace

TEST_CASE("sum over axes equals the definition for every pattern of summed and kept axes",
          "[ops][sum]") {
  struct Case {
    std::vector<std::size_t> dims;
    std::vector<bool> summed;
  };
  const std::vector<Case> cases = {
      {{4, 3, 5}, {true, false, true}},                     // [O] K [I]: a conv bias gradient
      {{2, 3, 4, 5}, {true, false, true, true}},            // [O] K [I·J]
      {{6, 7}, {true, false}},                              // [O] K: a linear bias gradient
      {{6, 7}, {false, true}},                              // K [I]: row sums
      {{3, 4, 5}, {false, true, false}},                    // K1 [R] K2
      {{2, 3, 4, 5}, {true, false, true, false}},           // [R] K [R] K: the plain loop
      {{2, 1, 3, 1, 4}, {false, true, true, false, true}},  // axes of size 1 on either side
      {{3, 1, 4}, {false, false, true}},                    // a kept axis of size 1
      {{3, 4}, {true, true}},                               // everything, kept as [1, 1] below
      {{5, 0, 2}, {false, true, false}},                    // an empty summed axis: zeros
      {{0, 3}, {true, false}},                              // an empty summed axis first
  };
  for (const Case& c : cases) {
    const Shape shape(std::span<const std::size_t>(c.dims));
    Tensor<double> x(shape);
    for (std::size_t i = 0; i < x.size(); ++i)
      x[i] = std::sin(0.37 * static_cast<double>(i) + 0.1) * (1.0 + static_cast<double>(i % 7));
    std::size_t out_size = 1;
    for (std::size_t a = 0; a < c.dims.size(); ++a) out_size *= c.summed[a] ? 1 : c.dims[a];
    const std::vector<double> expected = sum_by_definition(x, c.summed, out_size);
    const std::vector<std::size_t> owner = owners(shape, c.summed);
    CAPTURE(shape.str());
    for (bool keepdim : {false, true}) {
      Tape<double> tape;
      TapeGuard<double> guard(tape);
      const Var<double> a = tape.variable(x, true);
      const Var<double> y = sum(a, axes_of(c.summed), keepdim);
      REQUIRE(y.size() == expected.size());
      for (std::size_t j = 0; j < expected.size(); ++j)
        CHECK(y.data()[j] == Approx(expected[j]).epsilon(1e-13).margin(1e-13));
      // ∂(Σ_j w_j·y_j)/∂x_i = w at x_i's output element
      Tensor<double> w(y.shape());
      for (std::size_t j = 0; j < w.size(); ++j) w[j] = static_cast<double>(j) + 1.0;
      y.backward(w);
      const Tensor<double> dx = a.grad_tensor();
      for (std::size_t i = 0; i < x.size(); ++i) CHECK(dx[i] == w[owner[i]]);
    }
  }
}

TEST_CASE(
    "a float sum over axes adds in double: 16384 terms of 0.1 per channel are exact to "
    "float rounding",
    "[ops][sum][float]") {
  // [64, 4, 16, 16] summed over 0, 2, 3 (a conv bias gradient at batch 64): each channel adds
  // 16384 copies of 0.1f. Added one by one in float, the total drifts by about 1e-4 relative.
  Tensor<float> x(Shape{64, 4, 16, 16});
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = 0.1f;
  Tape<float> tape;
  TapeGuard<float> guard(tape);
  const Var<float> y = sum(tape.variable(x, false), Axes{0, 2, 3});
  const double exact = 16384.0 * static_cast<double>(0.1f);
  for (std::size_t c = 0; c < 4; ++c)
    CHECK(y.data()[c] == static_cast<float>(exact));  // the one float nearest the exact total
}

}  // namespace file_ops_axis_sum_test
