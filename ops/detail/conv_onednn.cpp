// oneDNN's convolution primitives for the float conv2d (ops/detail/conv_onednn.hpp).
#include "conv_onednn.hpp"

#include <stdexcept>

#ifdef TAPEGRAD_GEMM_ONEDNN
#include <oneapi/dnnl/dnnl.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <new>
#include <oneapi/dnnl/dnnl.hpp>
#include <string>
#include <vector>

#include "../../graph/threads.hpp"

// The OpenMP thread count of the calling thread (ops/detail/gemm_backend.cpp says why these are
// declared here).
extern "C" {
void omp_set_num_threads(int count) noexcept;
int omp_get_max_threads() noexcept;
}
#endif

namespace tapegrad::detail {

#ifdef TAPEGRAD_GEMM_ONEDNN
namespace {

thread_local std::size_t runs = 0, primitives_made = 0;

using dim = dnnl::memory::dim;
using tag = dnnl::memory::format_tag;

thread_local ConvLayouts layouts = ConvLayouts::kChosen;

// Everything a primitive depends on: the pass, the geometry, the bias, the layouts, the threads.
struct Key {
  ConvPass pass;
  ConvLayouts layouts;
  bool bias;
  int threads;
  std::array<std::size_t, 16> sizes;
  bool operator==(const Key&) const = default;
};

Key key_of(ConvPass pass, const ConvGeometry& g, bool bias, int threads) {
  return {pass,
          layouts,
          bias,
          threads,
          {g.n, g.c, g.h, g.w, g.o, g.kh, g.kw, g.oh, g.ow, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw,
           g.groups}};
}

// One primitive with its arguments, whose memory objects are pointed at the call's buffers.
struct Step {
  dnnl::primitive primitive;
  std::vector<std::pair<int, dnnl::memory>> args;
  dnnl::memory scratchpad;  // empty if the primitive needs none
};

// A pass: reorders of tapegrad's plain inputs into the layouts the convolution chose, the
// convolution, reorders of its output back; `user` are the plain buffers, in the call's order.
struct Entry {
  Key key;
  std::vector<dnnl::memory> user;
  std::vector<Step> steps;
  std::size_t scratchpad_bytes = 0;
};

struct AlignedDelete {
  void operator()(std::byte* p) const { ::operator delete[](p, std::align_val_t{64}); }
};

struct Runtime {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
  std::vector<Entry> cache;  // oldest first; at most kCacheSize
  // The scratchpad all this thread's primitives share (they run one at a time), grown to the
  // largest asked for.
  std::unique_ptr<std::byte[], AlignedDelete> scratch;
  std::size_t scratch_bytes = 0;
};
constexpr std::size_t kCacheSize = 32;

Runtime& runtime() {
  thread_local Runtime r;
  return r;
}

dnnl::memory::dims dims(std::initializer_list<std::size_t> sizes) {
  dnnl::memory::dims d;
  for (std::size_t s : sizes) d.push_back(static_cast<dim>(s));
  return d;
}

// Plain layouts: x and y NCHW, the weight OIHW, or GOIHW (the same memory) with groups.
struct Descs {
  dnnl::memory::desc src, weights, bias, dst;
  dnnl::memory::dims strides, dilates, pad_l, pad_r;
};

Descs descs_of(const ConvGeometry& g) {
  using dt = dnnl::memory::data_type;
  const bool grouped = g.groups > 1;
  // oneDNN counts dilation from 0 (torch's 1); the right padding is what the output size uses,
  // as PyTorch computes it (may be negative, down to 1 − stride).
  const auto pad_r = [](std::size_t out, std::size_t s, std::size_t k, std::size_t d,
                        std::size_t size, std::size_t pad) {
    return static_cast<dim>((out - 1) * s + (k - 1) * d + 1) - static_cast<dim>(size + pad);
  };
  return {{dims({g.n, g.c, g.h, g.w}), dt::f32, tag::nchw},
          grouped ? dnnl::memory::desc(dims({g.groups, g.og(), g.cg(), g.kh, g.kw}), dt::f32,
                                       tag::goihw)
                  : dnnl::memory::desc(dims({g.o, g.cg(), g.kh, g.kw}), dt::f32, tag::oihw),
          {dims({g.o}), dt::f32, tag::x},
          {dims({g.n, g.o, g.oh, g.ow}), dt::f32, tag::nchw},
          dims({g.sh, g.sw}),
          dims({g.dh - 1, g.dw - 1}),
          dims({g.ph, g.pw}),
          {pad_r(g.oh, g.sh, g.kh, g.dh, g.h, g.ph), pad_r(g.ow, g.sw, g.kw, g.dw, g.w, g.pw)}};
}

// What the primitive is asked for: with kChosen, any layout for the weight and the output, and
// for the input unless it has one channel (bench/RESULTS.md: a blocked dx of one channel made
// backward data 1.6–1.8× slower, and the forward keeps NCHW there anyway).
Descs requested(const Descs& plain, const ConvGeometry& g) {
  if (layouts == ConvLayouts::kPlain) return plain;
  const auto any = [](const dnnl::memory::desc& d) {
    return dnnl::memory::desc(d.dims(), dnnl::memory::data_type::f32, tag::any);
  };
  Descs d = plain;
  if (g.c > 1) d.src = any(plain.src);
  d.weights = any(plain.weights);
  d.dst = any(plain.dst);
  return d;
}

class EntryBuilder {
 public:
  EntryBuilder(const Key& key, const dnnl::engine& engine) : engine_(engine) {
    attr_.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    entry_.key = key;
  }
  const dnnl::primitive_attr& attr() const { return attr_; }

  // A buffer of the call, plain, given to the convolution as `arg` in the layout it chose
  // (`used`): through a reorder before it (inputs) or after it (outputs) where they differ.
  void bind(int arg, const dnnl::memory::desc& plain, const dnnl::memory::desc& used, bool output) {
    const dnnl::memory user(plain, engine_, nullptr);
    entry_.user.push_back(user);
    if (used == plain) {
      args_.emplace_back(arg, user);
      return;
    }
    const dnnl::memory inner(used, engine_);  // the entry's own buffer, made once
    if (output)
      after_.push_back(reorder(inner, user));
    else
      entry_.steps.push_back(reorder(user, inner));
    args_.emplace_back(arg, inner);
  }

  Entry finish(dnnl::primitive convolution, const dnnl::memory::desc& scratchpad) {
    entry_.steps.push_back(step(std::move(convolution), std::move(args_), scratchpad));
    for (Step& s : after_) entry_.steps.push_back(std::move(s));
    return std::move(entry_);
  }

 private:
  Step reorder(const dnnl::memory& from, const dnnl::memory& to) {
    const dnnl::reorder::primitive_desc pd(from, to, attr_);
    return step(dnnl::reorder(pd), {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}},
                pd.scratchpad_desc());
  }
  Step step(dnnl::primitive p, std::vector<std::pair<int, dnnl::memory>> args,
            const dnnl::memory::desc& scratchpad) {
    const std::size_t bytes = scratchpad.get_size();
    entry_.scratchpad_bytes = std::max(entry_.scratchpad_bytes, bytes);
    return {std::move(p), std::move(args),
            bytes > 0 ? dnnl::memory(scratchpad, engine_, nullptr) : dnnl::memory()};
  }

  dnnl::engine engine_;
  dnnl::primitive_attr attr_;
  Entry entry_;
  std::vector<std::pair<int, dnnl::memory>> args_;
  std::vector<Step> after_;
};

Entry make_entry(const Key& key, const ConvGeometry& g, const dnnl::engine& engine) {
  const Descs p = descs_of(g), d = requested(p, g);
  EntryBuilder b(key, engine);
  const auto algo = dnnl::algorithm::convolution_direct;
  using fwd = dnnl::convolution_forward;
  const auto prop = dnnl::prop_kind::forward_training;
  const fwd::primitive_desc fwd_pd =
      key.bias ? fwd::primitive_desc(fwd::desc(prop, algo, d.src, d.weights, d.bias, d.dst,
                                               d.strides, d.dilates, d.pad_l, d.pad_r),
                                     b.attr(), engine)
               : fwd::primitive_desc(fwd::desc(prop, algo, d.src, d.weights, d.dst, d.strides,
                                               d.dilates, d.pad_l, d.pad_r),
                                     b.attr(), engine);
  ++primitives_made;
  if (key.pass == ConvPass::kForward) {
    b.bind(DNNL_ARG_SRC, p.src, fwd_pd.src_desc(), false);
    b.bind(DNNL_ARG_WEIGHTS, p.weights, fwd_pd.weights_desc(), false);
    b.bind(DNNL_ARG_DST, p.dst, fwd_pd.dst_desc(), true);
    if (key.bias) b.bind(DNNL_ARG_BIAS, p.bias, p.bias, false);
    return b.finish(dnnl::convolution_forward(fwd_pd), fwd_pd.scratchpad_desc());
  }
  if (key.pass == ConvPass::kBackwardData) {
    using bwd = dnnl::convolution_backward_data;
    const bwd::primitive_desc pd(
        bwd::desc(algo, d.src, d.weights, d.dst, d.strides, d.dilates, d.pad_l, d.pad_r), b.attr(),
        engine, fwd_pd);
    b.bind(DNNL_ARG_DIFF_DST, p.dst, pd.diff_dst_desc(), false);
    b.bind(DNNL_ARG_WEIGHTS, p.weights, pd.weights_desc(), false);
    b.bind(DNNL_ARG_DIFF_SRC, p.src, pd.diff_src_desc(), true);
    return b.finish(bwd(pd), pd.scratchpad_desc());
  }
  using bwd = dnnl::convolution_backward_weights;
  const bwd::primitive_desc pd(
      bwd::desc(algo, d.src, d.weights, d.dst, d.strides, d.dilates, d.pad_l, d.pad_r), b.attr(),
      engine, fwd_pd);
  b.bind(DNNL_ARG_SRC, p.src, pd.src_desc(), false);
  b.bind(DNNL_ARG_DIFF_DST, p.dst, pd.diff_dst_desc(), false);
  b.bind(DNNL_ARG_DIFF_WEIGHTS, p.weights, pd.diff_weights_desc(), true);
  return b.finish(bwd(pd), pd.scratchpad_desc());
}

Entry& cached(Runtime& r, const Key& key, const ConvGeometry& g) {
  for (Entry& e : r.cache)
    if (e.key == key) return e;
  Entry made = make_entry(key, g, r.engine);
  if (r.cache.size() == kCacheSize) r.cache.erase(r.cache.begin());
  r.cache.push_back(std::move(made));
  return r.cache.back();
}

void execute(Runtime& r, Step& s) {
  // The C API's execute takes an array: the C++ one builds an unordered_map on every call.
  std::array<dnnl_exec_arg_t, 6> args{};
  std::size_t count = 0;
  for (const auto& [arg, memory] : s.args) args[count++] = {arg, memory.get()};
  if (s.scratchpad) {
    s.scratchpad.set_data_handle(r.scratch.get());
    args[count++] = {DNNL_ARG_SCRATCHPAD, s.scratchpad.get()};
  }
  const dnnl_status_t status = dnnl_primitive_execute(s.primitive.get(), r.stream.get(),
                                                      static_cast<int>(count), args.data());
  if (status != dnnl_success)
    throw std::runtime_error("oneDNN's convolution failed (status " + std::to_string(status) + ")");
}

// Runs one pass on the buffers, in the order of Entry::user (a null bias: none).
void run(ConvPass pass, const ConvGeometry& g, std::initializer_list<const float*> buffers) {
  const int threads = conv_volume(g) >= kParallelGemmVolume ? get_num_threads() : 1;
  // omp_set_num_threads holds for the calling thread only; set before the primitive is made too,
  // since oneDNN sizes its work (and scratchpad) for the count in force then.
  if (omp_get_max_threads() != threads) omp_set_num_threads(threads);
  Runtime& r = runtime();
  const bool bias = buffers.size() == 4 && *(buffers.begin() + 3) != nullptr;
  Entry& e = cached(r, key_of(pass, g, bias, threads), g);
  if (e.scratchpad_bytes > r.scratch_bytes) {
    r.scratch.reset(
        static_cast<std::byte*>(::operator new[](e.scratchpad_bytes, std::align_val_t{64})));
    r.scratch_bytes = e.scratchpad_bytes;
  }
  auto buffer = buffers.begin();
  for (const dnnl::memory& m : e.user)  // oneDNN writes only the outputs
    m.set_data_handle(const_cast<float*>(*buffer++));
  for (Step& s : e.steps) execute(r, s);
  if (dnnl_stream_wait(r.stream.get()) != dnnl_success)
    throw std::runtime_error("oneDNN's convolution failed");
  ++runs;
}

}  // namespace

bool onednn_conv_built() {
  return true;
}

bool conv_uses_onednn(ConvPass pass, const ConvGeometry& g) {
  return conv_volume(g) >= kOneDnnConvMinVolume && !(pass == ConvPass::kBackwardData && g.c == 1);
}

void onednn_conv_forward(const ConvGeometry& g, const float* x, const float* w, const float* b,
                         float* y) {
  run(ConvPass::kForward, g, {x, w, y, b});
}
void onednn_conv_backward_data(const ConvGeometry& g, const float* gy, const float* w, float* dx) {
  run(ConvPass::kBackwardData, g, {gy, w, dx});
}
void onednn_conv_backward_weights(const ConvGeometry& g, const float* x, const float* gy,
                                  float* dw) {
  run(ConvPass::kBackwardWeights, g, {x, gy, dw});
}
void set_onednn_conv_layouts(ConvLayouts chosen) {
  layouts = chosen;
}
std::size_t onednn_conv_runs() {
  return runs;
}
std::size_t onednn_conv_primitives_made() {
  return primitives_made;
}

#else  // float convolutions stay on im2col + GEMM

namespace {
[[noreturn]] void not_built() {
  throw std::logic_error("tapegrad was built without oneDNN (TAPEGRAD_GEMM=blas)");
}
}  // namespace

bool onednn_conv_built() {
  return false;
}
bool conv_uses_onednn(ConvPass, const ConvGeometry&) {
  return false;
}
void onednn_conv_forward(const ConvGeometry&, const float*, const float*, const float*, float*) {
  not_built();
}
void onednn_conv_backward_data(const ConvGeometry&, const float*, const float*, float*) {
  not_built();
}
void onednn_conv_backward_weights(const ConvGeometry&, const float*, const float*, float*) {
  not_built();
}
void set_onednn_conv_layouts(ConvLayouts) {}
std::size_t onednn_conv_runs() {
  return 0;
}
std::size_t onednn_conv_primitives_made() {
  return 0;
}

#endif

}  // namespace tapegrad::detail
