// conv2d and conv1d against the convolution written as plain loops over its definition,
// y[n,o,h,w] = b[o] + Σ_{c,i,j} W[o,c,i,j] · x[n, g·Cg + c, h·s + i·d − p, w·s + j·d − p], and its
// gradients read off the same sum: dx += G·W, dW += G·x, db += G, for every term.
#include <catch2/catch.hpp>

#include <vector>

#include "analytic_support.hpp"
#include "ops/detail/conv_onednn.hpp"

namespace file_ops_analytic_conv_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad;
using namespace tapegrad::analytic;
using std::vector;

namespace {

struct ConvCase {
  std::size_t n, c, h, w, o, kh, kw;
  Conv2dArgs args;
  bool bias;
};

std::size_t out_size(std::size_t size, std::size_t k, std::size_t s, std::size_t p, std::size_t d) {
  return (size + 2 * p - d * (k - 1) - 1) / s + 1;
}

struct Expected {
  Shape out;
  vector<double> y, dx, dw, db;
};

// The definition as loops, with the seed gradient G = seed_values(output size).
Expected reference(const ConvCase& k, const vector<double>& x, const vector<double>& w,
                   const vector<double>& b) {
  const auto& [s, p, d, groups] =
      std::tie(k.args.stride, k.args.padding, k.args.dilation, k.args.groups);
  const std::size_t oh = out_size(k.h, k.kh, s[0], p[0], d[0]);
  const std::size_t ow = out_size(k.w, k.kw, s[1], p[1], d[1]);
  const std::size_t cg = k.c / groups, og = k.o / groups;
  Expected e{Shape{k.n, k.o, oh, ow},
             {},
             vector<double>(x.size()),
             vector<double>(w.size()),
             vector<double>(k.o)};
  const vector<double> g = seed_values(k.n * k.o * oh * ow);
  e.y.assign(g.size(), 0.0);
  std::size_t at = 0;
  for (std::size_t n = 0; n < k.n; ++n)
    for (std::size_t o = 0; o < k.o; ++o)
      for (std::size_t r = 0; r < oh; ++r)
        for (std::size_t q = 0; q < ow; ++q, ++at) {
          double sum = k.bias ? b[o] : 0.0;
          for (std::size_t c = 0; c < cg; ++c)
            for (std::size_t i = 0; i < k.kh; ++i)
              for (std::size_t j = 0; j < k.kw; ++j) {
                const long ih = static_cast<long>(r * s[0] + i * d[0]) - static_cast<long>(p[0]);
                const long iw = static_cast<long>(q * s[1] + j * d[1]) - static_cast<long>(p[1]);
                if (ih < 0 || iw < 0 || ih >= static_cast<long>(k.h) ||
                    iw >= static_cast<long>(k.w))
                  continue;  // zero padding
                const std::size_t xi =
                    ((n * k.c + (o / og) * cg + c) * k.h + static_cast<std::size_t>(ih)) * k.w +
                    static_cast<std::size_t>(iw);
                const std::size_t wi = ((o * cg + c) * k.kh + i) * k.kw + j;
                sum += w[wi] * x[xi];
                e.dx[xi] += g[at] * w[wi];  // ∂y/∂x = W
                e.dw[wi] += g[at] * x[xi];  // ∂y/∂W = x
              }
          e.y[at] = sum;
          e.db[o] += g[at];  // ∂y/∂b = 1
        }
  return e;
}

template <class T>
Tolerance conv_tolerance() {
  return std::is_same_v<T, float> ? Tolerance{1e-4, 1e-4} : Tolerance{1e-12, 1e-12};
}

template <class T>
void check_conv2d(const ConvCase& k) {
  const Shape xs{k.n, k.c, k.h, k.w}, ws{k.o, k.c / k.args.groups, k.kh, k.kw};
  const vector<double> x = values(xs.size(), 0.1), w = values(ws.size(), 1.7), b = values(k.o, 2.9);
  const Expected e = reference(k, x, w, b);
  Tape<T> tape;
  TapeGuard<T> guard(tape);
  const Var<T> vx = tape.variable(tensor_of<T>(xs, x), true);
  const Var<T> vw = tape.variable(tensor_of<T>(ws, w), true);
  const Var<T> vb = tape.variable(tensor_of<T>(Shape{k.o}, b), true);
  const Var<T> y = conv2d(vx, vw, k.bias ? vb : Var<T>(), k.args);
  REQUIRE(y.shape().str() == e.out.str());
  tape.backward(y, tensor_of<T>(e.out, seed_values(e.out.size())));
  expect_close<T>(y.data(), e.y, conv_tolerance<T>());
  expect_close<T>(vx.grad_tensor().values(), e.dx, conv_tolerance<T>());
  expect_close<T>(vw.grad_tensor().values(), e.dw, conv_tolerance<T>());
  if (k.bias) expect_close<T>(vb.grad_tensor().values(), e.db, conv_tolerance<T>());
}

// Batches of 1 and 3, with and without bias, through each path: im2col, 1×1 read in place,
// groups (depthwise among them), stride, padding, dilation, unequal along the two axes.
const ConvCase kCases[] = {
    {1, 2, 5, 5, 3, 3, 3, {}, true},
    {3, 2, 5, 5, 3, 3, 3, {}, false},
    {3, 4, 7, 6, 6, 3, 2, {.stride = {2, 1}}, true},
    {1, 3, 6, 6, 2, 3, 3, {.padding = {1, 2}}, true},
    {3, 2, 7, 7, 4, 3, 3, {.stride = {2, 2}, .padding = {1, 1}, .dilation = {2, 1}}, true},
    {3, 4, 5, 5, 6, 3, 3, {.padding = {1, 1}, .groups = 2}, true},
    {3, 6, 5, 4, 6, 1, 1, {.groups = 3}, false},
    {1, 4, 6, 6, 4, 3, 3, {.stride = {2, 2}, .padding = {1, 1}, .groups = 4}, true},
    {3, 3, 4, 4, 5, 1, 1, {.stride = {2, 2}}, true},
    {3, 8, 10, 10, 16, 3, 3, {.padding = {1, 1}}, true},  // large enough for the BLAS path
};

}  // namespace

TEST_CASE("conv2d's values and gradients for x, W and b are the convolution's sums",
          "[ops][analytic][conv2d]") {
  for (const ConvCase& k : kCases) {
    INFO("x [" << k.n << "," << k.c << "," << k.h << "," << k.w << "], W [" << k.o << ",·," << k.kh
               << "," << k.kw << "], groups " << k.args.groups);
    check_conv2d<double>(k);
    check_conv2d<float>(k);
  }
}

TEST_CASE("conv2d of an unbatched [C,H,W] is the batch of one without its batch axis",
          "[ops][analytic][conv2d]") {
  const ConvCase k{1, 2, 5, 6, 3, 2, 3, {.padding = {1, 0}}, true};
  const vector<double> x = values(60, 0.1), w = values(36, 1.7), b = values(3, 2.9);
  const Expected e = reference(k, x, w, b);
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  const Var<double> vx = tape.variable(tensor_of<double>(Shape{2, 5, 6}, x), true);
  const Var<double> vw = tape.variable(tensor_of<double>(Shape{3, 2, 2, 3}, w), true);
  const Var<double> y =
      conv2d(vx, vw, tape.variable(tensor_of<double>(Shape{3}, b), true), {.padding = {1, 0}});
  CHECK(y.shape().str() == "[3,6,4]");
  tape.backward(y, tensor_of<double>(y.shape(), seed_values(y.shape().size())));
  expect_close<double>(y.data(), e.y);
  expect_close<double>(vx.grad_tensor().values(), e.dx);
  expect_close<double>(vw.grad_tensor().values(), e.dw);
}

TEST_CASE("conv1d is the convolution along one axis: y[n,o,l] = b[o] + Σ W[o,c,k]·x[n,c,l·s+k·d−p]",
          "[ops][analytic][conv1d]") {
  // The 1-D sums are the 2-D ones for images one row high.
  const ConvCase k{
      3,   4, 1, 9, 6, 1, 3, {.stride = {1, 2}, .padding = {0, 2}, .dilation = {1, 2}, .groups = 2},
      true};
  const vector<double> x = values(108, 0.1), w = values(36, 1.7), b = values(6, 2.9);
  const Expected e = reference(k, x, w, b);
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  const Var<double> vx = tape.variable(tensor_of<double>(Shape{3, 4, 9}, x), true);
  const Var<double> vw = tape.variable(tensor_of<double>(Shape{6, 2, 3}, w), true);
  const Var<double> vb = tape.variable(tensor_of<double>(Shape{6}, b), true);
  const Var<double> y = conv1d(vx, vw, vb, {.stride = 2, .padding = 2, .dilation = 2, .groups = 2});
  REQUIRE(y.shape().str() == "[3,6,5]");
  tape.backward(y, tensor_of<double>(y.shape(), seed_values(y.shape().size())));
  expect_close<double>(y.data(), e.y);
  expect_close<double>(vx.grad_tensor().values(), e.dx);
  expect_close<double>(vw.grad_tensor().values(), e.dw);
  expect_close<double>(vb.grad_tensor().values(), e.db);
  const Var<double> unbatched = conv1d(reshape(slice(vx, 0, 0, 1), Shape{4, 9}), vw, vb,
                                       {.stride = 2, .padding = 2, .dilation = 2, .groups = 2});
  CHECK(unbatched.shape().str() == "[6,5]");
  expect_close<double>(unbatched.data(), vector<double>(e.y.begin(), e.y.begin() + 30));
}

TEST_CASE("conv2d in float agrees with conv2d in double, values and gradients",
          "[ops][precision][conv2d]") {
  // A digits-sized layer: float runs on oneDNN's convolution primitives (where the build has
  // oneDNN), double on im2col and OpenBLAS.
  const Shape xs{4, 8, 8, 8}, ws{16, 8, 3, 3};
  const vector<double> x = values(xs.size(), 0.4), w = values(ws.size(), 1.1);
  const auto run = [&]<class T>(T) {
    Tape<T> tape;
    TapeGuard<T> guard(tape);
    const Var<T> vx = tape.variable(tensor_of<T>(xs, x), true);
    const Var<T> vw = tape.variable(tensor_of<T>(ws, w), true);
    const Var<T> y = conv2d(vx, vw, {}, {.stride = {1, 1}, .padding = {1, 1}});
    sum(mul(y, y)).backward();
    const Tensor<T> dx = vx.grad_tensor(), dw = vw.grad_tensor();
    vector<vector<double>> out;
    out.emplace_back(y.data().begin(), y.data().end());
    out.emplace_back(dx.values().begin(), dx.values().end());
    out.emplace_back(dw.values().begin(), dw.values().end());
    return out;
  };
  const std::size_t onednn_runs = detail::onednn_conv_runs();
  const vector<vector<double>> f = run(0.0f);
  // forward, backward data and backward weights
  CHECK(detail::onednn_conv_runs() - onednn_runs == (detail::onednn_conv_built() ? 3u : 0u));
  const vector<vector<double>> d = run(0.0);
  for (std::size_t k = 0; k < d.size(); ++k) {
    INFO("part " << k << " (y, dx, dW)");
    expect_close<double>(f[k], d[k], {5e-5, 1e-2});
  }
}

}  // namespace file_ops_analytic_conv_test
