// Float conv2d on the layers of a digits-sized CNN ([N,1,8,8] → 16, 3×3 pad 1, then after a 2×2
// max pool [N,16,4,4] → 32, at batch 1, 32 and 256), the [32,16,8,8] → 32 layer measured
// before, and two tiny ones (the size of the tests' cases), for the threshold: each of the three
// passes (forward with bias, backward data, backward weights) by tapegrad's im2col + GEMM kernel,
// by tapegrad's oneDNN kernel (ops/detail/conv_onednn.hpp; cached primitives) on the plain NCHW /
// OIHW buffers and with the layouts the primitive chooses plus reorders, and by oneDNN's C++ API
// directly with every layout chosen ("any") and reorders; and a whole training step of the layer
// through the tape. Built only where CMake found oneDNN.
#include <benchmark/benchmark.h>

#include <array>
#include <dnnl.hpp>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core.hpp"
#include "ops/detail/conv.hpp"
#include "ops/detail/conv_onednn.hpp"

namespace {

using tapegrad::detail::ConvGeometry;
using tapegrad::detail::ConvPass;

struct Layer {
  const char* name;
  std::size_t n, c, hw, o;  // 3×3 kernel, padding 1, stride 1
};
constexpr std::array<Layer, 9> kLayers{{{"[1,1,8,8] -> 16", 1, 1, 8, 16},
                                        {"[32,1,8,8] -> 16", 32, 1, 8, 16},
                                        {"[256,1,8,8] -> 16", 256, 1, 8, 16},
                                        {"[1,16,4,4] -> 32", 1, 16, 4, 32},
                                        {"[32,16,4,4] -> 32", 32, 16, 4, 32},
                                        {"[256,16,4,4] -> 32", 256, 16, 4, 32},
                                        {"[32,16,8,8] -> 32", 32, 16, 8, 32},
                                        {"[1,2,5,5] -> 3", 1, 2, 5, 3},
                                        {"[2,4,5,5] -> 4", 2, 4, 5, 4}}};

ConvGeometry geometry(const Layer& l) {
  return {l.n, l.c, l.hw, l.hw, l.o, 3, 3, l.hw, l.hw, 1, 1, 1, 1, 1, 1, 1};
}

std::vector<float> filled(std::size_t n, float phase) {
  std::vector<float> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = 0.01f * static_cast<float>((i * 37 + 11) % 97) - phase;
  return v;
}

struct Buffers {
  std::vector<float> x, w, b, y, gy, dx, dw, col;
  explicit Buffers(const ConvGeometry& g)
      : x(filled(g.n * g.c * g.h * g.w, 0.3f)),
        w(filled(g.o * g.col_rows(), 0.5f)),
        b(filled(g.o, 0.2f)),
        y(g.n * g.o * g.oh * g.ow),
        gy(filled(y.size(), 0.1f)),
        dx(x.size()),
        dw(w.size()),
        col(g.col_rows() * g.col_cols()) {}
};

const Layer& layer_of(const benchmark::State& state) {
  return kLayers[static_cast<std::size_t>(state.range(0))];
}

// state.range(1): 0 forward, 1 backward data, 2 backward weights.
void im2col_pass(benchmark::State& state) {
  const ConvGeometry g = geometry(layer_of(state));
  Buffers m(g);
  namespace d = tapegrad::detail;
  for (auto _ : state) {
    switch (state.range(1)) {
      case 0:
        d::im2col_conv_forward(g, m.x.data(), m.w.data(), m.b.data(), m.y.data(), m.col.data());
        break;
      case 1:
        d::im2col_conv_backward_data(g, m.gy.data(), m.w.data(), m.dx.data(), m.col.data());
        break;
      default:
        d::im2col_conv_backward_weights(g, m.x.data(), m.gy.data(), m.dw.data(), m.col.data());
    }
    benchmark::ClobberMemory();
  }
  state.SetLabel(layer_of(state).name);
}

// tapegrad's oneDNN kernel, with the layouts of state.range(2): 0 plain, 1 chosen + reorders.
void onednn_pass(benchmark::State& state) {
  const ConvGeometry g = geometry(layer_of(state));
  Buffers m(g);
  namespace d = tapegrad::detail;
  d::set_onednn_conv_layouts(state.range(2) == 0 ? d::ConvLayouts::kPlain
                                                 : d::ConvLayouts::kChosen);
  for (auto _ : state) {
    switch (state.range(1)) {
      case 0:
        d::onednn_conv_forward(g, m.x.data(), m.w.data(), m.b.data(), m.y.data());
        break;
      case 1:
        d::onednn_conv_backward_data(g, m.gy.data(), m.w.data(), m.dx.data());
        break;
      default:
        d::onednn_conv_backward_weights(g, m.x.data(), m.gy.data(), m.dw.data());
    }
    benchmark::ClobberMemory();
  }
  d::set_onednn_conv_layouts(d::ConvLayouts::kChosen);
  state.SetLabel(layer_of(state).name);
}

// oneDNN choosing its own layouts ("any"), with every plain input reordered into them and the
// output back, each call: what tapegrad would pay, its buffers being plain.
struct AnyLayout {
  dnnl::engine eng{dnnl::engine::kind::cpu, 0};
  dnnl::stream s{eng};
  std::vector<dnnl::primitive> steps;
  std::vector<std::unordered_map<int, dnnl::memory>> args;

  // Adds a reorder from `plain` to `wanted` if they differ; returns the memory the primitive reads.
  dnnl::memory to(const dnnl::memory& plain, const dnnl::memory::desc& wanted) {
    if (plain.get_desc() == wanted) return plain;
    dnnl::memory m(wanted, eng);
    steps.push_back(dnnl::reorder(plain, m));
    args.push_back({{DNNL_ARG_FROM, plain}, {DNNL_ARG_TO, m}});
    return m;
  }
  dnnl::memory from(
      const dnnl::memory::desc& produced, const dnnl::memory& plain,
      std::vector<std::pair<dnnl::primitive, std::unordered_map<int, dnnl::memory>>>& after) {
    if (plain.get_desc() == produced) return plain;
    dnnl::memory m(produced, eng);
    after.push_back({dnnl::reorder(m, plain), {{DNNL_ARG_FROM, m}, {DNNL_ARG_TO, plain}}});
    return m;
  }
  void run() {
    for (std::size_t i = 0; i < steps.size(); ++i) steps[i].execute(s, args[i]);
    s.wait();
  }
};

void onednn_any_pass(benchmark::State& state) {
  using namespace dnnl;
  using tag = memory::format_tag;
  using dt = memory::data_type;
  const Layer& l = layer_of(state);
  const ConvGeometry g = geometry(l);
  Buffers m(g);
  const auto i = [](std::size_t v) { return static_cast<memory::dim>(v); };
  const memory::dims xs{i(g.n), i(g.c), i(g.h), i(g.w)}, ws{i(g.o), i(g.c), 3, 3},
      ys{i(g.n), i(g.o), i(g.oh), i(g.ow)}, one{1, 1}, zero{0, 0};
  AnyLayout a;
  const memory::desc px(xs, dt::f32, tag::nchw), pw(ws, dt::f32, tag::oihw),
      py(ys, dt::f32, tag::nchw), pb({i(g.o)}, dt::f32, tag::x);
  const memory::desc ax(xs, dt::f32, tag::any), aw(ws, dt::f32, tag::any),
      ay(ys, dt::f32, tag::any);
  const auto algo = algorithm::convolution_direct;
  const convolution_forward::primitive_desc fwd(
      convolution_forward::desc(prop_kind::forward_training, algo, ax, aw, pb, ay, one, zero, one,
                                one),
      a.eng);
  memory mx(px, a.eng, m.x.data()), mw(pw, a.eng, m.w.data()), mb(pb, a.eng, m.b.data()),
      my(py, a.eng, m.y.data()), mgy(py, a.eng, m.gy.data()), mdx(px, a.eng, m.dx.data()),
      mdw(pw, a.eng, m.dw.data());
  std::vector<std::pair<primitive, std::unordered_map<int, memory>>> after;
  if (state.range(1) == 0) {
    const memory x = a.to(mx, fwd.src_desc()), w = a.to(mw, fwd.weights_desc());
    const memory y = a.from(fwd.dst_desc(), my, after);
    a.steps.push_back(convolution_forward(fwd));
    a.args.push_back(
        {{DNNL_ARG_SRC, x}, {DNNL_ARG_WEIGHTS, w}, {DNNL_ARG_BIAS, mb}, {DNNL_ARG_DST, y}});
  } else if (state.range(1) == 1) {
    const convolution_backward_data::primitive_desc pd(
        convolution_backward_data::desc(algo, ax, aw, ay, one, zero, one, one), a.eng, fwd);
    const memory gy = a.to(mgy, pd.diff_dst_desc()), w = a.to(mw, pd.weights_desc());
    const memory dx = a.from(pd.diff_src_desc(), mdx, after);
    a.steps.push_back(convolution_backward_data(pd));
    a.args.push_back({{DNNL_ARG_DIFF_DST, gy}, {DNNL_ARG_WEIGHTS, w}, {DNNL_ARG_DIFF_SRC, dx}});
  } else {
    const convolution_backward_weights::primitive_desc pd(
        convolution_backward_weights::desc(algo, ax, aw, ay, one, zero, one, one), a.eng, fwd);
    const memory x = a.to(mx, pd.src_desc()), gy = a.to(mgy, pd.diff_dst_desc());
    const memory dw = a.from(pd.diff_weights_desc(), mdw, after);
    a.steps.push_back(convolution_backward_weights(pd));
    a.args.push_back({{DNNL_ARG_SRC, x}, {DNNL_ARG_DIFF_DST, gy}, {DNNL_ARG_DIFF_WEIGHTS, dw}});
  }
  for (auto& [p, arg] : after) {
    a.steps.push_back(p);
    a.args.push_back(arg);
  }
  state.counters["reorders"] = static_cast<double>(a.steps.size() - 1);
  for (auto _ : state) {
    a.run();
    benchmark::ClobberMemory();
  }
  state.SetLabel(l.name);
}

// One training step of the layer through the tape (forward with bias, dx, dW, db), whichever
// path conv2d routes each pass to.
void tapegrad_step(benchmark::State& state) {
  const Layer& l = layer_of(state);
  using tapegrad::Shape;
  const Shape xs{l.n, l.c, l.hw, l.hw}, ws{l.o, l.c, 3, 3};
  const tapegrad::Tensor<float> x(xs, filled(xs.size(), 0.3f)), w(ws, filled(ws.size(), 0.5f)),
      b(Shape{l.o}, filled(l.o, 0.2f));
  tapegrad::Tape<float> tape;
  tapegrad::TapeGuard<float> guard(tape);
  for (auto _ : state) {
    tape.clear();
    const auto vx = tape.variable(x, true), vw = tape.variable(w, true),
               vb = tape.variable(b, true);
    const auto y = tapegrad::conv2d(vx, vw, vb, {.padding = {1, 1}});
    tape.backward(y, tapegrad::Tensor<float>::full(y.shape(), 1.0f));
    benchmark::DoNotOptimize(vw.grad()[0]);
  }
  state.SetLabel(l.name);
}

void passes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"layer", "pass"});
  for (long layer = 0; layer < static_cast<long>(kLayers.size()); ++layer)
    for (long pass = 0; pass < 3; ++pass) b->Args({layer, pass});
}

void layouts(benchmark::internal::Benchmark* b) {
  b->ArgNames({"layer", "pass", "chosen"});
  for (long layer = 0; layer < static_cast<long>(kLayers.size()); ++layer)
    for (long pass = 0; pass < 3; ++pass)
      for (long chosen = 0; chosen < 2; ++chosen) b->Args({layer, pass, chosen});
}

}  // namespace

BENCHMARK(im2col_pass)->Apply(passes)->Unit(benchmark::kMicrosecond);
BENCHMARK(onednn_pass)->Apply(layouts)->Unit(benchmark::kMicrosecond);
BENCHMARK(onednn_any_pass)->Apply(passes)->Unit(benchmark::kMicrosecond);
BENCHMARK(tapegrad_step)
    ->DenseRange(0, static_cast<long>(kLayers.size()) - 1)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_MAIN();
