// The float conv2d's two kernels held to each other and to double: oneDNN's convolution
// primitives (ops/detail/conv_onednn.hpp) against the im2col + GEMM passes (ops/detail/conv.hpp)
// on the same inputs, in both of oneDNN's layout modes; the routing (which one a float conv2d
// runs); and float conv2d / conv1d against double, with stride, padding, dilation, groups and no
// bias, with oneDNN checked to have run. In a build without oneDNN (TAPEGRAD_GEMM=blas) the
// oneDNN side is skipped and float runs im2col, still held to double.
#include <catch2/catch.hpp>

#include <iterator>
#include <vector>

#include "analytic_support.hpp"
#include "ops/detail/conv.hpp"
#include "ops/detail/conv_onednn.hpp"

namespace file_ops_conv_onednn_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad;
using namespace tapegrad::analytic;
using detail::ConvGeometry;
using std::vector;

namespace {

struct GeometryCase {
  Shape x, w;
  Conv2dArgs args;
};

ConvGeometry geometry_of(const GeometryCase& k) {
  return detail::conv_geometry("conv2d", k.x, k.w, k.args, k.x, k.w);
}

vector<float> floats(std::size_t n, double phase) {
  const vector<double> v = values(n, phase);
  return vector<float>(v.begin(), v.end());
}

void expect_same(const vector<float>& got, const vector<float>& want) {
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO("element " << i);
    CHECK(got[i] == Approx(want[i]).epsilon(1e-5).margin(1e-5));
  }
}

// Stride, padding, dilation and groups, alone and together, rectangular, 1-D (H = 1), batch 1.
const GeometryCase kGeometries[] = {
    {{4, 8, 8, 8}, {16, 8, 3, 3}, {.padding = {1, 1}}},
    {{2, 1, 8, 8}, {16, 1, 3, 3}, {.padding = {1, 1}}},
    {{3, 6, 9, 7}, {8, 3, 3, 3}, {.groups = 2}},
    {{2, 8, 9, 9}, {8, 1, 3, 3}, {.stride = {2, 2}, .padding = {1, 1}, .groups = 8}},
    {{2, 4, 11, 10}, {6, 4, 3, 3}, {.padding = {2, 2}, .dilation = {2, 3}}},
    {{3, 4, 11, 9}, {6, 2, 3, 2}, {.stride = {2, 1}, .padding = {1, 0}, .groups = 2}},
    {{2, 3, 10, 10}, {4, 3, 4, 4}, {.stride = {3, 3}, .padding = {1, 2}}},  // stride leaves a rest
    {{2, 6, 1, 30},
     {8, 3, 1, 5},
     {.stride = {1, 2}, .padding = {0, 2}, .dilation = {1, 2}, .groups = 2}},
    {{1, 5, 6, 6}, {7, 5, 1, 1}, {}},
};

}  // namespace

TEST_CASE("float conv2d's oneDNN passes give the im2col passes' values", "[ops][conv2d][onednn]") {
  if (!detail::onednn_conv_built()) {
    SUCCEED("built without oneDNN: float convolutions run im2col only");
    return;
  }
  const auto layouts = GENERATE(detail::ConvLayouts::kPlain, detail::ConvLayouts::kChosen);
  detail::set_onednn_conv_layouts(layouts);
  for (const GeometryCase& k : kGeometries) {
    const ConvGeometry g = geometry_of(k);
    INFO("x " << k.x.str() << ", W " << k.w.str() << ", groups " << g.groups << ", stride " << g.sh
              << "," << g.sw << ", padding " << g.ph << "," << g.pw << ", dilation " << g.dh << ","
              << g.dw << ", layouts "
              << (layouts == detail::ConvLayouts::kPlain ? "plain" : "chosen"));
    const vector<float> x = floats(k.x.size(), 0.3), w = floats(k.w.size(), 1.3),
                        b = floats(g.o, 2.1), gy = floats(g.output_shape().size(), 0.7);
    vector<float> col(g.col_rows() * g.col_cols());
    float* scratch = g.reads_input_as_is() ? nullptr : col.data();
    vector<float> y(gy.size()), y_ref(gy.size()), y_nobias(gy.size()), y_nobias_ref(gy.size());
    vector<float> dx(x.size()), dx_ref(x.size()), dw(w.size()), dw_ref(w.size());
    detail::onednn_conv_forward(g, x.data(), w.data(), b.data(), y.data());
    detail::im2col_conv_forward(g, x.data(), w.data(), b.data(), y_ref.data(), scratch);
    detail::onednn_conv_forward(g, x.data(), w.data(), nullptr, y_nobias.data());
    detail::im2col_conv_forward<float>(g, x.data(), w.data(), nullptr, y_nobias_ref.data(),
                                       scratch);
    detail::onednn_conv_backward_data(g, gy.data(), w.data(), dx.data());
    detail::im2col_conv_backward_data(g, gy.data(), w.data(), dx_ref.data(), scratch);
    detail::onednn_conv_backward_weights(g, x.data(), gy.data(), dw.data());
    detail::im2col_conv_backward_weights(g, x.data(), gy.data(), dw_ref.data(), scratch);
    expect_same(y, y_ref);
    expect_same(y_nobias, y_nobias_ref);
    expect_same(dx, dx_ref);
    expect_same(dw, dw_ref);
  }
  detail::set_onednn_conv_layouts(detail::ConvLayouts::kChosen);
}

TEST_CASE(
    "float conv2d takes oneDNN from the thresholds on, and a repeated step makes no primitive",
    "[ops][conv2d][onednn]") {
  const auto step = [](const Shape& xs, const Shape& ws) {
    Tape<float> tape;
    TapeGuard<float> guard(tape);
    const Var<float> x = tape.variable(tensor_of<float>(xs, values(xs.size(), 0.2)), true);
    const Var<float> w = tape.variable(tensor_of<float>(ws, values(ws.size(), 0.9)), true);
    sum(conv2d(x, w, {}, {.padding = {1, 1}})).backward();
  };
  const std::size_t runs = detail::onednn_conv_runs();
  step({1, 2, 5, 5}, {3, 2, 3, 3});  // 1350 multiply-adds: all three passes on im2col
  CHECK(detail::onednn_conv_runs() == runs);
  const Shape xs{32, 16, 4, 4}, ws{32, 16, 3, 3};  // the digits CNN's second layer
  step(xs, ws);
  const std::size_t made = detail::onednn_conv_primitives_made();
  step(xs, ws);
  // Backward data into one input channel stays on im2col at any size (bench/RESULTS.md).
  const ConvGeometry first_layer =
      geometry_of({{256, 1, 8, 8}, {16, 1, 3, 3}, {.padding = {1, 1}}});
  CHECK(!detail::conv_uses_onednn(detail::ConvPass::kBackwardData, first_layer));
  CHECK(detail::conv_uses_onednn(detail::ConvPass::kForward, first_layer) ==
        detail::onednn_conv_built());
  if (detail::onednn_conv_built()) {
    CHECK(detail::onednn_conv_runs() == runs + 6);  // forward, backward data and weights, twice
    CHECK(detail::onednn_conv_primitives_made() == made);
  } else {
    CHECK(detail::onednn_conv_runs() == runs);
  }
}

namespace {

struct PrecisionCase {
  const char* what;
  Shape x, w;
  bool bias;
};

const PrecisionCase kPrecisionCases[] = {
    {"digits layer, padding 1, no bias", {4, 8, 8, 8}, {16, 8, 3, 3}, false},
    {"groups 2, bias", {4, 8, 8, 8}, {16, 4, 3, 3}, true},
    {"depthwise, stride 2", {8, 32, 16, 16}, {32, 1, 3, 3}, true},
    {"dilation 2, padding 2", {4, 8, 10, 10}, {8, 8, 3, 3}, true},
    {"stride (2,1), padding (1,0), 3×2 kernel, groups 2, no bias",
     {8, 12, 11, 9},
     {16, 6, 3, 2},
     false},
    {"conv1d, stride 2, padding 2, dilation 2, groups 2", {8, 16, 100}, {32, 8, 5}, true},
};

// The convolution of kPrecisionCases[which].
template <class T>
Var<T> convolve(std::size_t which, const Var<T>& x, const Var<T>& w, const Var<T>& b) {
  switch (which) {
    case 0:
      return conv2d(x, w, b, {.padding = {1, 1}});
    case 1:
      return conv2d(x, w, b, {.padding = {1, 1}, .groups = 2});
    case 2:
      return conv2d(x, w, b, {.stride = {2, 2}, .padding = {1, 1}, .groups = 32});
    case 3:
      return conv2d(x, w, b, {.padding = {2, 2}, .dilation = {2, 2}});
    case 4:
      return conv2d(x, w, b, {.stride = {2, 1}, .padding = {1, 0}, .groups = 2});
    default:
      return conv1d(x, w, b, {.stride = 2, .padding = 2, .dilation = 2, .groups = 2});
  }
}

// y, dx, dW (and db) of sum(y²), with x, W, b from the same doubles.
template <class T>
vector<vector<double>> gradients(std::size_t which) {
  const PrecisionCase& k = kPrecisionCases[which];
  Tape<T> tape;
  TapeGuard<T> guard(tape);
  const Var<T> x = tape.variable(tensor_of<T>(k.x, values(k.x.size(), 0.4)), true);
  const Var<T> w = tape.variable(tensor_of<T>(k.w, values(k.w.size(), 1.1)), true);
  const Var<T> b = tape.variable(tensor_of<T>(Shape{k.w[0]}, values(k.w[0], 2.3)), true);
  const Var<T> y = convolve<T>(which, x, w, k.bias ? b : Var<T>());
  sum(mul(y, y)).backward();
  vector<vector<double>> out;
  out.emplace_back(y.data().begin(), y.data().end());
  for (const Var<T>* v : {&x, &w, &b}) {
    if (v == &b && !k.bias) continue;
    const Tensor<T> grad = v->grad_tensor();
    out.emplace_back(grad.values().begin(), grad.values().end());
  }
  return out;
}

}  // namespace

TEST_CASE("float conv2d and conv1d on oneDNN agree with double, values and gradients",
          "[ops][precision][conv2d][onednn]") {
  for (std::size_t which = 0; which < std::size(kPrecisionCases); ++which) {
    const PrecisionCase& k = kPrecisionCases[which];
    INFO(k.what << ": x " << k.x.str() << ", W " << k.w.str());
    const std::size_t runs = detail::onednn_conv_runs();
    const vector<vector<double>> f = gradients<float>(which);
    // Each of the three passes ran on oneDNN, where the build has it.
    CHECK(detail::onednn_conv_runs() - runs == (detail::onednn_conv_built() ? 3u : 0u));
    const vector<vector<double>> d = gradients<double>(which);
    REQUIRE(f.size() == d.size());
    for (std::size_t part = 0; part < d.size(); ++part) {
      INFO("part " << part << " (y, dx, dW, db)");
      expect_close<double>(f[part], d[part], {5e-5, 1e-2});
    }
  }
}

}  // namespace file_ops_conv_onednn_test
