// oneDNN's pooling primitives for the float avg_pool2d (ops/detail/pool_onednn.hpp).
#include "pool_onednn.hpp"

#include <stdexcept>

#ifdef TAPEGRAD_GEMM_ONEDNN
#include <oneapi/dnnl/dnnl.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <memory>
#include <new>
#include <oneapi/dnnl/dnnl.hpp>
#include <string>
#include <vector>

#include "../../graph/threads.hpp"
#include "../math.hpp"

// The OpenMP thread count of the calling thread (ops/detail/gemm_backend.cpp says why these are
// declared here).
extern "C" {
void omp_set_num_threads(int count) noexcept;
int omp_get_max_threads() noexcept;
}
#endif

namespace tapegrad::detail {

#ifdef TAPEGRAD_GEMM_ONEDNN
// A named namespace, not an anonymous one: conv_onednn.cpp's helpers may share a unity batch.
namespace onednn_pooling {
namespace {

thread_local std::size_t runs = 0, primitives_made = 0;

// The right padding oneDNN needs for p's output size along one axis: what the last window covers
// past the input, as torch computes it (at least 0: a window never needs less).
std::size_t right_padding(std::size_t size, std::size_t out, std::size_t kernel, std::size_t stride,
                          std::size_t pad) {
  const std::size_t covered = (out - 1) * stride + kernel;
  return covered > size + pad ? covered - size - pad : 0;
}

// Whether every window's divisor is oneDNN's: with padding counted, the whole kernel, which is
// torch's unless a window runs past the right padding (ceil mode).
bool divisors_match(const PoolWindows& p) {
  if (!p.count_include_pad) return true;
  for (std::size_t i = 0; i < p.oh; ++i)
    if (p.rows[3 * i + 2] != p.kernel[0]) return false;
  for (std::size_t j = 0; j < p.ow; ++j)
    if (p.cols[3 * j + 2] != p.kernel[1]) return false;
  return true;
}

enum class Pass { kAverage, kSpread, kMax };

// Everything a primitive depends on: the pass, the sizes, the divisor rule, the threads.
struct Key {
  Pass pass;
  bool include_padding;
  int threads;
  std::array<std::size_t, 12> sizes;
  bool operator==(const Key&) const = default;
};

// A primitive with its two plain buffers (in, out), pointed at the call's memory.
struct Entry {
  Key key;
  dnnl::primitive primitive;
  dnnl::memory in, out, scratchpad;  // scratchpad empty if the primitive needs none
  dnnl::memory workspace;            // max only: the entry's own, each window's kernel offset
  std::size_t scratchpad_bytes = 0;
};

struct AlignedDelete {
  void operator()(std::byte* p) const { ::operator delete[](p, std::align_val_t{64}); }
};

struct Runtime {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
  std::vector<Entry> cache;                             // oldest first; at most kCacheSize
  std::unique_ptr<std::byte[], AlignedDelete> scratch;  // shared, grown to the largest asked for
  std::size_t scratch_bytes = 0;
};
constexpr std::size_t kCacheSize = 32;

Runtime& runtime() {
  thread_local Runtime r;
  return r;
}

dnnl::memory::dims dims(std::initializer_list<std::size_t> sizes) {
  dnnl::memory::dims d;
  for (std::size_t s : sizes) d.push_back(static_cast<dnnl::memory::dim>(s));
  return d;
}

Entry make_entry(const Key& key, const dnnl::engine& engine) {
  const auto [n, c, h, w, oh, ow, kh, kw, sh, sw, ph, pw] = key.sizes;
  using dt = dnnl::memory::data_type;
  using tag = dnnl::memory::format_tag;
  const dnnl::memory::desc src(dims({n, c, h, w}), dt::f32, tag::nchw),
      dst(dims({n, c, oh, ow}), dt::f32, tag::nchw);
  const dnnl::memory::dims kernel = dims({kh, kw}), strides = dims({sh, sw}),
                           pad_l = dims({ph, pw}),
                           pad_r = dims({right_padding(h, oh, kh, sh, ph),
                                         right_padding(w, ow, kw, sw, pw)});
  const auto algo = key.pass == Pass::kMax ? dnnl::algorithm::pooling_max
                    : key.include_padding  ? dnnl::algorithm::pooling_avg_include_padding
                                           : dnnl::algorithm::pooling_avg_exclude_padding;
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  using fwd = dnnl::pooling_forward;
  const auto prop = key.pass == Pass::kAverage
                        ? dnnl::prop_kind::forward_inference
                        : dnnl::prop_kind::forward_training;  // the backward's hint
  const fwd::primitive_desc fwd_pd(fwd::desc(prop, algo, src, dst, strides, kernel, pad_l, pad_r),
                                   attr, engine);
  ++primitives_made;
  Entry e{key, {}, {}, {}, {}, {}, 0};
  dnnl::memory::desc scratchpad;
  if (key.pass != Pass::kSpread) {
    e.primitive = fwd(fwd_pd);
    e.in = dnnl::memory(src, engine, nullptr);
    e.out = dnnl::memory(dst, engine, nullptr);
    scratchpad = fwd_pd.scratchpad_desc();
    if (key.pass == Pass::kMax) e.workspace = dnnl::memory(fwd_pd.workspace_desc(), engine);
  } else {
    using bwd = dnnl::pooling_backward;
    const bwd::primitive_desc pd(bwd::desc(algo, src, dst, strides, kernel, pad_l, pad_r), attr,
                                 engine, fwd_pd);
    e.primitive = bwd(pd);
    e.in = dnnl::memory(dst, engine, nullptr);
    e.out = dnnl::memory(src, engine, nullptr);
    scratchpad = pd.scratchpad_desc();
  }
  e.scratchpad_bytes = scratchpad.get_size();
  if (e.scratchpad_bytes > 0) e.scratchpad = dnnl::memory(scratchpad, engine, nullptr);
  return e;
}

Entry& cached(Runtime& r, const Key& key) {
  for (Entry& e : r.cache)
    if (e.key == key) return e;
  Entry made = make_entry(key, r.engine);
  if (r.cache.size() == kCacheSize) r.cache.erase(r.cache.begin());
  r.cache.push_back(std::move(made));
  return r.cache.back();
}

Entry& run(Pass pass, const PoolWindows& p, std::size_t n, std::size_t c, const float* in,
           float* out) {
  const std::size_t volume = n * c * p.oh * p.ow * p.kernel[0] * p.kernel[1];
  const int threads = volume >= kParallelGemmVolume ? get_num_threads() : 1;
  // omp_set_num_threads holds for the calling thread only; set before the primitive is made too,
  // since oneDNN sizes its work (and scratchpad) for the count in force then.
  if (omp_get_max_threads() != threads) omp_set_num_threads(threads);
  Runtime& r = runtime();
  const Key key{pass,
                p.count_include_pad,
                threads,
                {n, c, p.h, p.w, p.oh, p.ow, p.kernel[0], p.kernel[1], p.stride[0], p.stride[1],
                 p.padding[0], p.padding[1]}};
  Entry& e = cached(r, key);
  if (e.scratchpad_bytes > r.scratch_bytes) {
    r.scratch.reset(
        static_cast<std::byte*>(::operator new[](e.scratchpad_bytes, std::align_val_t{64})));
    r.scratch_bytes = e.scratchpad_bytes;
  }
  e.in.set_data_handle(const_cast<float*>(in));  // oneDNN only reads it
  e.out.set_data_handle(out);
  const bool forward = pass != Pass::kSpread;
  // The C API's execute takes an array: the C++ one builds an unordered_map on every call.
  std::array<dnnl_exec_arg_t, 4> args{{{forward ? DNNL_ARG_SRC : DNNL_ARG_DIFF_DST, e.in.get()},
                                       {forward ? DNNL_ARG_DST : DNNL_ARG_DIFF_SRC, e.out.get()}}};
  int count = 2;
  if (e.workspace) args[count++] = {DNNL_ARG_WORKSPACE, e.workspace.get()};
  if (e.scratchpad) {
    e.scratchpad.set_data_handle(r.scratch.get());
    args[count++] = {DNNL_ARG_SCRATCHPAD, e.scratchpad.get()};
  }
  if (dnnl_primitive_execute(e.primitive.get(), r.stream.get(), count, args.data()) !=
          dnnl_success ||
      dnnl_stream_wait(r.stream.get()) != dnnl_success)
    throw std::runtime_error("oneDNN's pooling failed");
  ++runs;
  return e;
}

// Whether x holds a NaN or a −∞ (neither is larger than −∞); one pass the compiler vectorizes.
TAPEGRAD_SIMD_CLONES bool has_nan_or_minus_infinity(const float* __restrict x, std::size_t size) {
  unsigned char found = 0;
  for (std::size_t i = 0; i < size; ++i)
    found |= static_cast<unsigned char>(!(x[i] > -std::numeric_limits<float>::infinity()));
  return found != 0;
}

// at[k] from the workspace's kernel offsets: the window's first tap (in the padding, maybe) plus
// the offset's row and column; y[k] = x[at[k]], the value itself.
template <class Offset>
void flat_indices(const PoolWindows& p, std::size_t planes, const Offset* offsets, const float* x,
                  float* y, std::size_t* at) {
  thread_local std::vector<std::ptrdiff_t> first, tap;  // grown once, then reused
  first.resize(std::max(first.size(), p.oh * p.ow));
  tap.resize(std::max(tap.size(), p.kernel[0] * p.kernel[1]));
  const auto w = static_cast<std::ptrdiff_t>(p.w);
  for (std::size_t i = 0; i < p.oh; ++i)
    for (std::size_t j = 0; j < p.ow; ++j)
      first[i * p.ow + j] = (static_cast<std::ptrdiff_t>(i * p.stride[0]) -
                             static_cast<std::ptrdiff_t>(p.padding[0])) *
                                w +
                            static_cast<std::ptrdiff_t>(j * p.stride[1]) -
                            static_cast<std::ptrdiff_t>(p.padding[1]);
  for (std::size_t t = 0; t < p.kernel[0] * p.kernel[1]; ++t)
    tap[t] = static_cast<std::ptrdiff_t>(t / p.kernel[1]) * w +
             static_cast<std::ptrdiff_t>(t % p.kernel[1]);
  const std::size_t outputs = p.oh * p.ow;
  for (std::size_t plane = 0, k = 0; plane < planes; ++plane) {
    const auto base = static_cast<std::ptrdiff_t>(plane * p.h * p.w);
    for (std::size_t o = 0; o < outputs; ++o, ++k) {
      at[k] = static_cast<std::size_t>(base + first[o] + tap[offsets[k]]);
      y[k] = x[at[k]];
    }
  }
}

}  // namespace
}  // namespace onednn_pooling

bool onednn_pool_built() {
  return true;
}
bool max_uses_onednn(const PoolWindows& p, std::size_t planes) {
  return planes * p.h * p.w >= kOneDnnPoolMinVolume;
}
bool onednn_max(const PoolWindows& p, std::size_t n, std::size_t c, const float* x, float* y,
                std::size_t* at) {
  namespace pooling = onednn_pooling;  // qualified: conv_onednn.cpp has an Entry too (unity)
  if (pooling::has_nan_or_minus_infinity(x, n * c * p.h * p.w)) return false;
  const dnnl::memory& workspace = pooling::run(pooling::Pass::kMax, p, n, c, x, y).workspace;
  const void* offsets = workspace.get_data_handle();
  if (workspace.get_desc().data_type() == dnnl::memory::data_type::u8)
    pooling::flat_indices(p, n * c, static_cast<const std::uint8_t*>(offsets), x, y, at);
  else
    pooling::flat_indices(p, n * c, static_cast<const std::int32_t*>(offsets), x, y, at);
  return true;
}
bool average_uses_onednn(const PoolWindows& p, std::size_t planes) {
  return p.kernel[0] > 0 && planes * p.h * p.w >= kOneDnnPoolMinVolume &&
         onednn_pooling::divisors_match(p);
}
void onednn_average(const PoolWindows& p, std::size_t n, std::size_t c, const float* x, float* y) {
  onednn_pooling::run(onednn_pooling::Pass::kAverage, p, n, c, x, y);
}
void onednn_spread(const PoolWindows& p, std::size_t n, std::size_t c, const float* gy, float* dx) {
  onednn_pooling::run(onednn_pooling::Pass::kSpread, p, n, c, gy, dx);
}
std::size_t onednn_pool_runs() {
  return onednn_pooling::runs;
}
std::size_t onednn_pool_primitives_made() {
  return onednn_pooling::primitives_made;
}

#else  // float poolings stay on tapegrad's loops

namespace {
[[noreturn]] void pool_not_built() {
  throw std::logic_error("tapegrad was built without oneDNN (TAPEGRAD_GEMM=blas)");
}
}  // namespace

bool onednn_pool_built() {
  return false;
}
bool average_uses_onednn(const PoolWindows&, std::size_t) {
  return false;
}
bool max_uses_onednn(const PoolWindows&, std::size_t) {
  return false;
}
bool onednn_max(const PoolWindows&, std::size_t, std::size_t, const float*, float*, std::size_t*) {
  pool_not_built();
}
void onednn_average(const PoolWindows&, std::size_t, std::size_t, const float*, float*) {
  pool_not_built();
}
void onednn_spread(const PoolWindows&, std::size_t, std::size_t, const float*, float*) {
  pool_not_built();
}
std::size_t onednn_pool_runs() {
  return 0;
}
std::size_t onednn_pool_primitives_made() {
  return 0;
}

#endif

}  // namespace tapegrad::detail
