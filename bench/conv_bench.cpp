// One float conv2d training step (forward, then the gradients of input, weight and bias) for the
// layers of a digits-sized CNN, tapegrad's im2col + GEMM against oneDNN's convolution primitives
// (forward_training, backward_data, backward_weights) on the same plain NCHW / OIHW layouts.
// Built only where CMake found oneDNN (TAPEGRAD_GEMM=onednn, the default).
#include <benchmark/benchmark.h>

#include <array>
#include <dnnl.hpp>
#include <vector>

#include "core.hpp"

namespace {

struct Layer {
  const char* name;
  long n, c, h, w, o, k, pad;
};
constexpr std::array<Layer, 2> kLayers{{{"[32,1,8,8] -> 16, 3x3 pad 1", 32, 1, 8, 8, 16, 3, 1},
                                        {"[32,16,8,8] -> 32, 3x3 pad 1", 32, 16, 8, 8, 32, 3, 1}}};

std::vector<float> filled(std::size_t n, float phase) {
  std::vector<float> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = 0.01f * static_cast<float>((i * 37 + 11) % 97) - phase;
  return v;
}

void tapegrad_step(benchmark::State& state) {
  const Layer& l = kLayers[static_cast<std::size_t>(state.range(0))];
  using tapegrad::Shape;
  const auto u = [](long v) { return static_cast<std::size_t>(v); };
  const Shape xs{u(l.n), u(l.c), u(l.h), u(l.w)}, ws{u(l.o), u(l.c), u(l.k), u(l.k)};
  const tapegrad::Tensor<float> x(xs, filled(xs.size(), 0.3f)), w(ws, filled(ws.size(), 0.5f)),
      b(Shape{u(l.o)}, filled(u(l.o), 0.2f));
  tapegrad::Tape<float> tape;
  tapegrad::TapeGuard<float> guard(tape);
  for (auto _ : state) {
    tape.clear();
    const auto vx = tape.variable(x, true), vw = tape.variable(w, true),
               vb = tape.variable(b, true);
    const auto y = tapegrad::conv2d(vx, vw, vb, {.padding = {u(l.pad), u(l.pad)}});
    tape.backward(y, tapegrad::Tensor<float>::full(y.shape(), 1.0f));
    benchmark::DoNotOptimize(vw.grad()[0]);
  }
  state.SetLabel(l.name);
}

void onednn_step(benchmark::State& state) {
  using namespace dnnl;
  using tag = memory::format_tag;
  using dt = memory::data_type;
  const Layer& l = kLayers[static_cast<std::size_t>(state.range(0))];
  const long oh = l.h + 2 * l.pad - l.k + 1, ow = l.w + 2 * l.pad - l.k + 1;
  engine eng(engine::kind::cpu, 0);
  stream s(eng);
  const memory::desc src({l.n, l.c, l.h, l.w}, dt::f32, tag::nchw);
  const memory::desc wei({l.o, l.c, l.k, l.k}, dt::f32, tag::oihw);
  const memory::desc bia({l.o}, dt::f32, tag::x);
  const memory::desc dst({l.n, l.o, oh, ow}, dt::f32, tag::nchw);
  const memory::dims strides{1, 1}, pad{l.pad, l.pad};
  const convolution_forward::primitive_desc fwd_pd(
      convolution_forward::desc(prop_kind::forward_training, algorithm::convolution_direct, src,
                                wei, bia, dst, strides, pad, pad),
      eng);
  const convolution_backward_data::primitive_desc bwd_data_pd(
      convolution_backward_data::desc(algorithm::convolution_direct, src, wei, dst, strides, pad,
                                      pad),
      eng, fwd_pd);
  const convolution_backward_weights::primitive_desc bwd_weights_pd(
      convolution_backward_weights::desc(algorithm::convolution_direct, src, wei, bia, dst, strides,
                                         pad, pad),
      eng, fwd_pd);
  std::vector<float> x = filled(static_cast<std::size_t>(l.n * l.c * l.h * l.w), 0.3f),
                     w = filled(static_cast<std::size_t>(l.o * l.c * l.k * l.k), 0.5f),
                     b = filled(static_cast<std::size_t>(l.o), 0.2f),
                     y(static_cast<std::size_t>(l.n * l.o * oh * ow)), gy(y.size(), 1.0f),
                     dx(x.size()), dw(w.size()), db(b.size());
  memory mx(src, eng, x.data()), mw(wei, eng, w.data()), mb(bia, eng, b.data()),
      my(dst, eng, y.data()), mgy(dst, eng, gy.data()), mdx(src, eng, dx.data()),
      mdw(wei, eng, dw.data()), mdb(bia, eng, db.data());
  const convolution_forward fwd(fwd_pd);
  const convolution_backward_data bwd_data(bwd_data_pd);
  const convolution_backward_weights bwd_weights(bwd_weights_pd);
  for (auto _ : state) {
    fwd.execute(
        s, {{DNNL_ARG_SRC, mx}, {DNNL_ARG_WEIGHTS, mw}, {DNNL_ARG_BIAS, mb}, {DNNL_ARG_DST, my}});
    bwd_data.execute(s,
                     {{DNNL_ARG_DIFF_DST, mgy}, {DNNL_ARG_WEIGHTS, mw}, {DNNL_ARG_DIFF_SRC, mdx}});
    bwd_weights.execute(s, {{DNNL_ARG_SRC, mx},
                            {DNNL_ARG_DIFF_DST, mgy},
                            {DNNL_ARG_DIFF_WEIGHTS, mdw},
                            {DNNL_ARG_DIFF_BIAS, mdb}});
    s.wait();
    benchmark::DoNotOptimize(dw[0]);
  }
  state.SetLabel(l.name);
}

}  // namespace

BENCHMARK(tapegrad_step)->DenseRange(0, 1)->Unit(benchmark::kMicrosecond);
BENCHMARK(onednn_step)->DenseRange(0, 1)->Unit(benchmark::kMicrosecond);
BENCHMARK_MAIN();
