// The float convolution's three products on oneDNN's convolution primitives (forward, backward
// data, backward weights). tapegrad's buffers are plain NCHW / OIHW (GOIHW with groups, the same
// memory as torch's [O, C/groups, kH, kW]); the primitives work in the blocked layouts they
// choose, with tapegrad's inputs reordered into them and the output back on each call, which is
// 2–4× faster than running them on the plain buffers (bench/RESULTS.md). Built where tapegrad's
// float products run on oneDNN (TAPEGRAD_GEMM=onednn, ops/detail/gemm_backend.hpp); with
// TAPEGRAD_GEMM=blas every convolution stays on im2col + GEMM (ops/detail/conv.hpp).
//
// Primitives (and the reorders' buffers) are made once per pass, shape, layout mode and thread
// count and kept in a per-thread cache of 32; their scratchpad is a per-thread buffer that grows
// and is reused. They run on the thread count of graph/threads.hpp for convolutions of at least
// kParallelGemmVolume multiply-adds, on the calling thread otherwise, as the products do.
#pragma once

#include <cstddef>

#include "conv.hpp"

namespace tapegrad::detail {

enum class ConvPass { kForward, kBackwardData, kBackwardWeights };

// Whether this build has the oneDNN path at all.
bool onednn_conv_built();

// Whether the float conv2d runs `pass` of geometry g on oneDNN (else on im2col + GEMM): in a
// oneDNN build, from kOneDnnConvMinVolume multiply-adds on, except backward data into an input of
// one channel. bench/RESULTS.md, "Convolutions on oneDNN": at batch 1 (the digits CNN's layers,
// 9216 and 73728 multiply-adds) the two are within 0.5 µs either way, a primitive's call with its
// reorders costing about 1 µs; from batch 32 (294912) oneDNN is 2.1–4.2× faster in every pass
// but that one, where a one-channel dx stays plain and im2col's col2im is faster (24 against 33 µs
// at [32,1,8,8] → 16).
inline constexpr std::size_t kOneDnnConvMinVolume = std::size_t{1} << 17;
bool conv_uses_onednn(ConvPass pass, const ConvGeometry& g);

// The multiply-adds of one pass: N·O·OH·OW·(C/groups)·kH·kW, the same for all three.
inline std::size_t conv_volume(const ConvGeometry& g) {
  return g.n * g.o * g.oh * g.ow * g.col_rows();
}

// The passes themselves, with the contracts of im2col_conv_forward, im2col_conv_backward_data and
// im2col_conv_backward_weights (b may be nullptr). They throw std::logic_error in a build without
// oneDNN, and std::runtime_error if oneDNN fails.
void onednn_conv_forward(const ConvGeometry& g, const float* x, const float* w, const float* b,
                         float* y);
void onednn_conv_backward_data(const ConvGeometry& g, const float* gy, const float* w, float* dx);
void onednn_conv_backward_weights(const ConvGeometry& g, const float* x, const float* gy,
                                  float* dw);

// The layouts the primitives work in, for the calling thread: kChosen (the default) lets oneDNN
// pick them and reorders tapegrad's plain buffers into and out of them on every call; kPlain
// runs the primitives on the plain buffers as they are (bench/conv_bench.cpp measures both).
enum class ConvLayouts { kPlain, kChosen };
void set_onednn_conv_layouts(ConvLayouts layouts);

// How many passes oneDNN has run on the calling thread, and how many primitives it has made
// there (cache misses): for the tests that check which path ran and that steps reuse primitives.
std::size_t onednn_conv_runs();
std::size_t onednn_conv_primitives_made();

}  // namespace tapegrad::detail
