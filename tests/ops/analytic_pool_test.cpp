// max_pool2d, avg_pool2d and adaptive_avg_pool2d against their definitions as plain loops over
// each window's kernel taps: the maximum (padding as −∞) whose gradient goes to the first maximum
// in row-major order, the mean with torch's divisor, and torch's adaptive bins.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <vector>

#include "analytic_support.hpp"

namespace file_ops_analytic_pool_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad;
using namespace tapegrad::analytic;
using std::vector;

namespace {

struct Expected {
  vector<double> y, dx;
};

// The output size along one axis, as torch documents it for MaxPool2d and AvgPool2d.
std::size_t pooled(std::size_t size, std::size_t k, std::size_t s, std::size_t p, bool ceil_mode) {
  const double steps = static_cast<double>(size + 2 * p - k) / static_cast<double>(s);
  std::size_t out = static_cast<std::size_t>(ceil_mode ? std::ceil(steps) : std::floor(steps)) + 1;
  if (ceil_mode && (out - 1) * s >= size + p) --out;  // no window starts in the right padding
  return out;
}

// One window (r, q) of one plane: calls f(input index or −1 in the padding, tap inside the padded
// input but beyond the right padding?) for each of its kH·kW taps, row-major.
template <class F>
void for_each_tap(std::size_t h, std::size_t w, const Pool2dArgs& a, std::size_t r, std::size_t q,
                  F&& f) {
  const auto s = a.stride.value_or(a.kernel);
  for (std::size_t i = 0; i < a.kernel[0]; ++i)
    for (std::size_t j = 0; j < a.kernel[1]; ++j) {
      const long ih = static_cast<long>(r * s[0] + i) - static_cast<long>(a.padding[0]);
      const long iw = static_cast<long>(q * s[1] + j) - static_cast<long>(a.padding[1]);
      const bool inside =
          ih >= 0 && iw >= 0 && ih < static_cast<long>(h) && iw < static_cast<long>(w);
      const bool in_padding =
          ih < static_cast<long>(h + a.padding[0]) && iw < static_cast<long>(w + a.padding[1]);
      f(inside ? static_cast<long>(ih * static_cast<long>(w) + iw) : -1L, in_padding);
    }
}

// max (max = true) or avg pooling of [planes, h, w] by the definition, seed G = seed_values.
Expected pool_reference(const vector<double>& x, std::size_t planes, std::size_t h, std::size_t w,
                        const Pool2dArgs& a, bool max) {
  const auto s = a.stride.value_or(a.kernel);
  const std::size_t oh = pooled(h, a.kernel[0], s[0], a.padding[0], a.ceil_mode);
  const std::size_t ow = pooled(w, a.kernel[1], s[1], a.padding[1], a.ceil_mode);
  const vector<double> g = seed_values(planes * oh * ow);
  Expected e{vector<double>(g.size()), vector<double>(x.size())};
  std::size_t at = 0;
  for (std::size_t p = 0; p < planes; ++p)
    for (std::size_t r = 0; r < oh; ++r)
      for (std::size_t q = 0; q < ow; ++q, ++at) {
        const double* plane = x.data() + p * h * w;
        double best = -std::numeric_limits<double>::infinity(), total = 0;
        long best_at = -1;
        std::size_t padded = 0, inside = 0;
        for_each_tap(h, w, a, r, q, [&](long i, bool in_padding) {
          padded += in_padding ? 1 : 0;
          if (i < 0) return;  // padding: −∞ for the maximum, 0 for the sum
          ++inside;
          total += plane[i];
          if (plane[i] > best) best = plane[i], best_at = i;  // strict: the first maximum stays
        });
        if (max) {
          e.y[at] = best;
          e.dx[p * h * w + static_cast<std::size_t>(best_at)] += g[at];  // ∂max/∂x = [x = max]
          continue;
        }
        const double divisor = static_cast<double>(a.count_include_pad ? padded : inside);
        e.y[at] = total / divisor;
        for_each_tap(h, w, a, r, q, [&](long i, bool) {
          if (i >= 0) e.dx[p * h * w + static_cast<std::size_t>(i)] += g[at] / divisor;
        });
      }
  return e;
}

// torch's adaptive bins: ⌊i·H/n⌋ to ⌈(i+1)·H/n⌉, computed here in floating point.
Expected adaptive_reference(const vector<double>& x, std::size_t planes, std::size_t h,
                            std::size_t w, std::size_t oh, std::size_t ow) {
  const auto bin = [](std::size_t i, std::size_t size, std::size_t n) {
    const double scale = static_cast<double>(size) / static_cast<double>(n);
    return std::pair{static_cast<std::size_t>(std::floor(static_cast<double>(i) * scale)),
                     static_cast<std::size_t>(std::ceil(static_cast<double>(i + 1) * scale))};
  };
  const vector<double> g = seed_values(planes * oh * ow);
  Expected e{vector<double>(g.size()), vector<double>(x.size())};
  std::size_t at = 0;
  for (std::size_t p = 0; p < planes; ++p)
    for (std::size_t r = 0; r < oh; ++r)
      for (std::size_t q = 0; q < ow; ++q, ++at) {
        const auto [r0, r1] = bin(r, h, oh);
        const auto [q0, q1] = bin(q, w, ow);
        const double count = static_cast<double>((r1 - r0) * (q1 - q0));
        for (std::size_t i = r0; i < r1; ++i)
          for (std::size_t j = q0; j < q1; ++j) {
            e.y[at] += x[(p * h + i) * w + j] / count;
            e.dx[(p * h + i) * w + j] += g[at] / count;  // ∂mean/∂x = 1/|bin|
          }
      }
  return e;
}

template <class T, class Pool>
void check_pool(const Shape& xs, const vector<double>& x, Pool pool, const Expected& e) {
  Tape<T> tape;
  TapeGuard<T> guard(tape);
  const Var<T> vx = tape.variable(tensor_of<T>(xs, x), true);
  const Var<T> y = pool(vx);
  REQUIRE(y.shape().size() == e.y.size());
  tape.backward(y, tensor_of<T>(y.shape(), seed_values(e.y.size())));
  expect_close<T>(y.data(), e.y);
  expect_close<T>(vx.grad_tensor().values(), e.dx);
}

struct PoolCase {
  Shape x;
  Pool2dArgs args;
};

// Batches of 1 and 3, unbatched, default and explicit strides, overlapping windows, padding,
// ceil mode into the right padding and not, rectangular kernels.
const PoolCase kPoolCases[] = {
    {{1, 2, 5, 5}, {.kernel = {2, 2}}},
    {{3, 2, 6, 7}, {.kernel = {3, 3}, .stride = {{2, 2}}, .padding = {1, 1}}},
    {{3, 1, 5, 6}, {.kernel = {2, 3}, .stride = {{2, 2}}, .ceil_mode = true}},
    {{1, 2, 6, 6}, {.kernel = {3, 3}, .stride = {{2, 2}}, .padding = {1, 1}, .ceil_mode = true}},
    {{2, 5, 5},
     {.kernel = {3, 2}, .stride = {{1, 2}}, .padding = {1, 1}, .count_include_pad = false}},
    {{3, 2, 7, 5},
     {.kernel = {3, 3},
      .stride = {{2, 2}},
      .padding = {1, 1},
      .ceil_mode = true,
      .count_include_pad = false}},
};

template <class T>
void check_pool_cases(bool max) {
  for (const PoolCase& c : kPoolCases) {
    INFO("x " << c.x.str() << ", kernel " << c.args.kernel[0] << "×" << c.args.kernel[1]);
    const std::size_t h = c.x[c.x.rank() - 2], w = c.x[c.x.rank() - 1];
    const vector<double> x = values(c.x.size(), 0.3);
    const Expected e = pool_reference(x, c.x.size() / (h * w), h, w, c.args, max);
    if (max)
      check_pool<T>(
          c.x, x, [&](const Var<T>& v) { return max_pool2d(v, c.args); }, e);
    else
      check_pool<T>(
          c.x, x, [&](const Var<T>& v) { return avg_pool2d(v, c.args); }, e);
  }
}

}  // namespace

TEST_CASE("max_pool2d takes each window's maximum and gives it the gradient",
          "[ops][analytic][max_pool2d]") {
  check_pool_cases<double>(true);
  check_pool_cases<float>(true);
}

TEST_CASE("max_pool2d gives a tie's gradient to the first maximum in row-major order",
          "[ops][analytic][max_pool2d]") {
  // One 3×3 window over [[1, 3, 0], [3, 2, 3], [0, 3, 1]]: the 3 at (0,1) takes the gradient.
  // With padding 1 and all values negative the padding (−∞) is never the maximum.
  const vector<double> x{1, 3, 0, 3, 2, 3, 0, 3, 1};
  check_pool<double>(Shape{1, 1, 3, 3}, x,
                     [](const Var<double>& v) {
                       return max_pool2d(v, {.kernel = {3, 3}});
                     },
                     {{3}, {0, seed_values(1)[0], 0, 0, 0, 0, 0, 0, 0}});
  const vector<double> negative{-5, -4, -3, -2};
  const Pool2dArgs padded{.kernel = {2, 2}, .stride = {{1, 1}}, .padding = {1, 1}};
  check_pool<double>(
      Shape{1, 1, 2, 2}, negative, [&](const Var<double>& v) { return max_pool2d(v, padded); },
      pool_reference(negative, 1, 2, 2, padded, true));
  CHECK(pool_reference(negative, 1, 2, 2, padded, true).y[0] == -5);
}

TEST_CASE("avg_pool2d takes each window's mean with torch's divisor",
          "[ops][analytic][avg_pool2d]") {
  check_pool_cases<double>(false);
  check_pool_cases<float>(false);
}

TEST_CASE("adaptive_avg_pool2d averages over torch's bins, overlapping or not",
          "[ops][analytic][adaptive_avg_pool2d]") {
  struct Case {
    Shape x;
    std::size_t oh, ow;
  };
  for (const Case& c : {Case{{3, 2, 5, 5}, 1, 1}, Case{{1, 2, 5, 7}, 3, 4}, Case{{2, 3, 6}, 4, 2},
                        Case{{1, 1, 8, 8}, 4, 4}}) {
    INFO("x " << c.x.str() << " to " << c.oh << "×" << c.ow);
    const std::size_t h = c.x[c.x.rank() - 2], w = c.x[c.x.rank() - 1];
    const vector<double> x = values(c.x.size(), 0.8);
    const Expected e = adaptive_reference(x, c.x.size() / (h * w), h, w, c.oh, c.ow);
    const auto pool = [&](const auto& v) { return adaptive_avg_pool2d(v, {c.oh, c.ow}); };
    check_pool<double>(c.x, x, pool, e);
    check_pool<float>(c.x, x, pool, e);
  }
}

}  // namespace file_ops_analytic_pool_test
