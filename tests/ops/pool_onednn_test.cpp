// The float poolings' fast paths held to the double loops: avg_pool2d's average and spread on
// oneDNN's pooling primitives (ops/detail/pool_onednn.hpp), max_pool2d's own kernel for windows
// that tile and oneDNN's max with its workspace for the others, over stride, padding, ceil mode,
// count_include_pad, odd sizes, batch 1 and large batches, with ties, NaN and −∞ in the windows:
// values, gradients and the gradients of the gradients. And the routing: which geometries and
// sizes take oneDNN.
#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <iterator>
#include <limits>
#include <vector>

#include "analytic_support.hpp"
#include "graph/higher_order.hpp"
#include "ops/detail/pool_onednn.hpp"

namespace file_ops_pool_onednn_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad;
using namespace tapegrad::analytic;
using std::vector;

namespace {

struct PoolCase {
  const char* what;
  Shape x;
  Pool2dArgs args;
  bool onednn_average;  // whether avg_pool2d's windows are oneDNN's (at this size)
};

const PoolCase kCases[] = {
    {"2×2/2, the digits CNN's layer, batch 64", {64, 16, 8, 8}, {.kernel = {2, 2}}, true},
    {"2×2/2, batch 1", {1, 16, 8, 8}, {.kernel = {2, 2}}, true},
    {"3×3 stride 2 pad 1, odd sizes",
     {8, 5, 11, 9},
     {.kernel = {3, 3}, .stride = {{2, 2}}, .padding = {1, 1}},
     true},
    {"3×3 stride 2 pad 1, ceil mode, padding not counted",
     {8, 5, 12, 9},
     {.kernel = {3, 3},
      .stride = {{2, 2}},
      .padding = {1, 1},
      .ceil_mode = true,
      .count_include_pad = false},
     true},
    {"3×3 stride 2 pad 1, ceil mode into the right padding, counted (the loop's)",
     {8, 5, 12, 12},
     {.kernel = {3, 3}, .stride = {{2, 2}}, .padding = {1, 1}, .ceil_mode = true},
     false},
    {"2×2/2, ceil mode, odd sizes, unbatched",
     {40, 9, 7},
     {.kernel = {2, 2}, .ceil_mode = true, .count_include_pad = false},
     true},
    {"kernel (2,3), stride (1,2), padding (1,1), floor with a rest",
     {4, 6, 9, 10},
     {.kernel = {2, 3}, .stride = {{1, 2}}, .padding = {1, 1}},
     true},
    {"2×2/2 with a row left below the windows", {8, 4, 9, 8}, {.kernel = {2, 2}}, true},
    {"3×3/3, windows tiling the plane", {4, 4, 9, 12}, {.kernel = {3, 3}}, true},
    {"4×4/3, no padding, a rest on the right",
     {4, 8, 10, 11},
     {.kernel = {4, 4}, .stride = {{3, 3}}},
     true},
};

enum class Values { kPlain, kTies, kSpecial };

// x on the 1/64 grid; with kTies on a grid of 1/2 (9 values: ties in most windows); with
// kSpecial NaN, −∞ and runs of equal values planted.
template <class T>
Tensor<T> input(const Shape& shape, Values kind) {
  vector<double> v = values(shape.size(), 0.3);
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (kind == Values::kTies) v[i] = std::round(2 * v[i]) / 2;
    if (kind != Values::kSpecial) continue;
    if (i % 97 == 5 || i % 97 == 6) v[i] = std::numeric_limits<double>::quiet_NaN();
    if (i % 89 == 3) v[i] = -std::numeric_limits<double>::infinity();
    if (i % 131 < 8) v[i] = 0.5;  // runs of equal values: ties
  }
  return tensor_of<T>(shape, v);
}

// y = pool(x), dx = ∂⟨G, y⟩/∂x with G on the tape, and dG = ∂⟨U, dx⟩/∂G (the double backward).
template <class T>
vector<vector<double>> passes(const PoolCase& k, bool max, Values kind) {
  Tape<T> tape;
  TapeGuard<T> guard(tape);
  const Var<T> x = tape.variable(input<T>(k.x, kind), true);
  const Var<T> y = max ? max_pool2d(x, k.args) : avg_pool2d(x, k.args);
  const Var<T> g = tape.variable(tensor_of<T>(y.shape(), seed_values(y.shape().size())), true);
  const Var<T> dx = grad(y, {x}, {.create_graph = true}, g)[0];
  const Var<T> u = tape.variable(tensor_of<T>(k.x, values(k.x.size(), 1.7)), false);
  sum(mul(dx, u)).backward();
  const Tensor<T> dg = g.grad_tensor();
  return {{y.data().begin(), y.data().end()},
          {dx.data().begin(), dx.data().end()},
          {dg.values().begin(), dg.values().end()}};
}

// Every element of got as want, NaN where want is NaN, ±∞ where it is.
void expect_same(const vector<double>& got, const vector<double>& want) {
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    INFO("element " << i << ": got " << got[i] << ", want " << want[i]);
    if (std::isnan(want[i]))
      CHECK(std::isnan(got[i]));
    else if (std::isinf(want[i]))
      CHECK(got[i] == want[i]);
    else
      CHECK(got[i] == Approx(want[i]).epsilon(1e-5).margin(1e-5));
  }
}

}  // namespace

TEST_CASE("float avg_pool2d on oneDNN gives the double loop's values and gradients",
          "[ops][avg_pool2d][onednn]") {
  for (const PoolCase& k : kCases) {
    INFO(k.what << ": x " << k.x.str());
    const std::size_t runs = detail::onednn_pool_runs();
    const vector<vector<double>> f = passes<float>(k, false, Values::kPlain);
    // the average, the spread and the average again in the double backward
    const std::size_t expected = k.onednn_average && detail::onednn_pool_built() ? 3 : 0;
    CHECK(detail::onednn_pool_runs() - runs == expected);
    const vector<vector<double>> d = passes<double>(k, false, Values::kPlain);
    for (std::size_t part = 0; part < d.size(); ++part) {
      INFO("part " << part << " (y, dx, dG)");
      expect_same(f[part], d[part]);
    }
  }
}

TEST_CASE("float max_pool2d gives the double loop's values and gradients, ties, NaN and −∞",
          "[ops][max_pool2d][onednn]") {
  const Values kind = GENERATE(Values::kPlain, Values::kTies, Values::kSpecial);
  const bool special = kind == Values::kSpecial;
  for (const PoolCase& k : kCases) {
    INFO(k.what << ": x " << k.x.str()
                << (special                 ? ", with NaN, −∞ and ties"
                    : kind == Values::kTies ? ", ties"
                                            : ""));
    const std::size_t runs = detail::onednn_pool_runs();
    const vector<vector<double>> f = passes<float>(k, true, kind);
    // Windows that tile take max_pool2d's own kernel, the others oneDNN's forward (its backward
    // is the scatter of the indices), unless x holds a NaN or −∞.
    const bool tiled = k.args.stride.value_or(k.args.kernel) == k.args.kernel &&
                       k.args.padding == std::array<std::size_t, 2>{0, 0} &&
                       k.x[k.x.rank() - 1] % k.args.kernel[1] == 0;
    CHECK(detail::onednn_pool_runs() - runs ==
          (detail::onednn_pool_built() && !tiled && !special ? 1u : 0u));
    const vector<vector<double>> d = passes<double>(k, true, kind);
    for (std::size_t part = 0; part < d.size(); ++part) {
      INFO("part " << part << " (y, dx, dG)");
      expect_same(f[part], d[part]);
    }
  }
}

TEST_CASE("float max_pool2d: the first maximum and the first NaN take the gradient",
          "[ops][max_pool2d]") {
  const float nan = std::numeric_limits<float>::quiet_NaN(),
              inf = std::numeric_limits<float>::infinity();
  // 64 planes of 2×4 (above any size threshold): windows [a b; c d], 2×2/2.
  const vector<float> plane{1, 3, nan, 2,  //
                            3, 0, 5,   nan};
  const vector<float> minus_inf{-inf, -inf, -inf, 7,  //
                                -inf, -inf, nan,  7};
  for (const vector<float>* p : {&plane, &minus_inf}) {
    Tensor<float> x({64, 1, 2, 4});
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = (*p)[i % 8];
    Tape<float> tape;
    TapeGuard<float> guard(tape);
    const Var<float> v = tape.variable(x, true);
    const Var<float> y = max_pool2d(v, {.kernel = {2, 2}});
    sum(y).backward();
    const Tensor<float> dx = v.grad_tensor();
    for (std::size_t n = 0; n < 64; ++n) {
      INFO("plane " << n);
      if (p == &plane) {
        CHECK(y.data()[2 * n] == 3);  // ties: the first 3, at (0, 1)
        CHECK(std::isnan(y.data()[2 * n + 1]));
        const vector<float> want{0, 1, 1, 0, 0, 0, 0, 0};  // the first NaN, at (0, 2)
        for (std::size_t i = 0; i < 8; ++i) CHECK(dx[8 * n + i] == want[i]);
      } else {
        CHECK(y.data()[2 * n] == -inf);  // all −∞: the first one
        CHECK(std::isnan(y.data()[2 * n + 1]));
        const vector<float> want{1, 0, 0, 0, 0, 0, 1, 0};
        for (std::size_t i = 0; i < 8; ++i) CHECK(dx[8 * n + i] == want[i]);
      }
    }
  }
}

TEST_CASE("float avg_pool2d takes oneDNN from the threshold on, and a step makes no primitive",
          "[ops][avg_pool2d][onednn]") {
  const auto step = [](const Shape& xs) {
    Tape<float> tape;
    TapeGuard<float> guard(tape);
    const Var<float> x = tape.variable(tensor_of<float>(xs, values(xs.size(), 0.2)), true);
    sum(avg_pool2d(x, {.kernel = {2, 2}})).backward();
  };
  const std::size_t runs = detail::onednn_pool_runs();
  step({1, 3, 8, 8});  // 192 elements: the loop
  step({2, 3, 5, 5});
  CHECK(detail::onednn_pool_runs() == runs);
  const Shape xs{32, 16, 8, 8};
  step(xs);
  const std::size_t made = detail::onednn_pool_primitives_made();
  step(xs);
  if (detail::onednn_pool_built()) {
    CHECK(detail::onednn_pool_runs() == runs + 4);  // the average and the spread, twice
    CHECK(detail::onednn_pool_primitives_made() == made);
  } else {
    CHECK(detail::onednn_pool_runs() == runs);
  }
  // double runs the loop at any size
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  const Var<double> x = tape.variable(tensor_of<double>(xs, values(xs.size(), 0.2)), true);
  sum(avg_pool2d(x, {.kernel = {2, 2}})).backward();
  CHECK(detail::onednn_pool_runs() == runs + (detail::onednn_pool_built() ? 4 : 0));
}

}  // namespace file_ops_pool_onednn_test
