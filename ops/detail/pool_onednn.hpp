// The float poolings on oneDNN's pooling primitives, on tapegrad's plain NCHW buffers:
// avg_pool2d's average and its transpose (the spread, its vjp) on pooling_forward (inference)
// and pooling_backward, and max_pool2d's maxima on pooling_forward (training) with its
// workspace, each window's kernel offset, turned into the flat indices max_pool2d saves (its
// backward stays the scatter of ops/max_pool2d.cpp). Built where tapegrad's float products run on
// oneDNN (TAPEGRAD_GEMM=onednn); with TAPEGRAD_GEMM=blas every pooling stays on tapegrad's loops.
//
// oneDNN's averages are torch's where its divisor is: pooling_avg_exclude_padding counts the
// window's elements inside the input, as count_include_pad = false; pooling_avg_include_padding
// divides by kH·kW, which is torch's divisor only where no window runs past the right padding
// (in ceil mode one may: torch then counts it as far as the padding goes), so such geometries and
// adaptive bins stay on the loop. oneDNN's max takes the first maximum in window order, as
// max_pool2d (tests/ops/pool_onednn_test.cpp holds it to the loop on inputs full of ties), but
// lets no NaN win (a comparison with NaN is false), and windows of only −∞ are not relied on:
// inputs holding either run the loop.
//
// Primitives are made once per pass, shape and thread count and kept in a per-thread cache of 32;
// their scratchpad is a per-thread buffer that grows and is reused, so a training step that
// repeats its shapes allocates nothing here. They run on the thread count of graph/threads.hpp
// for poolings of at least kParallelGemmVolume window elements, on the calling thread otherwise.
#pragma once

#include <cstddef>

#include "pool.hpp"

namespace tapegrad::detail {

// Whether this build has the oneDNN path at all.
bool onednn_pool_built();

// Whether the float average (and its spread) of windows p over `planes` planes runs on oneDNN:
// in a oneDNN build, for avg_pool2d's windows whose divisor oneDNN gives (above), from
// kOneDnnPoolMinVolume input elements (planes·H·W) on. bench/RESULTS.md, "Pooling", [N,16,8,8]
// 2×2/2 through the tape (clearing it and copying x included), forward / forward + backward,
// the loop against oneDNN, medians in µs:
//   batch 1   (1024 elements)    0.87 / 2.38  against  0.73 / 1.58
//   batch 32  (32768 elements)   26.3 / 72.2  against  8.5 / 18.8
//   batch 256 (262144 elements)  224 / 612    against  75 / 177
// Smaller sizes were not measured: from a primitive's call (about 0.4 µs) and the loop's cost
// per element (about 0.8 ns) the two would meet near 500 elements, so the threshold is the
// smallest size measured, where oneDNN is already ahead.
inline constexpr std::size_t kOneDnnPoolMinVolume = 1024;
bool average_uses_onednn(const PoolWindows& p, std::size_t planes);

// Whether float max_pool2d's windows p over `planes` planes run on oneDNN: in a oneDNN build,
// from kOneDnnPoolMinVolume input elements on (windows that tile the input take max_pool2d's own
// kernel first, which is faster). bench/RESULTS.md, [N,16,8,8] 3×3 stride 2 padding 1, forward
// through the tape, the loop against oneDNN with the conversion and the NaN scan: 2.04 against
// 1.09 µs at batch 1, 72.5 against 16.4 at 32, 588 against 145 at 256.
bool max_uses_onednn(const PoolWindows& p, std::size_t planes);

// y = each window's maximum and at = its flat index in x (the first maximum in window order, as
// max_pool2d's loop), from oneDNN's forward_training and its workspace (each window's kernel
// offset). If x holds a NaN or a −∞ (above) this returns false without running oneDNN, and the
// caller runs its loop.
bool onednn_max(const PoolWindows& p, std::size_t n, std::size_t c, const float* x, float* y,
                std::size_t* at);

// y = the average of each window of x, and dx = the spread of gy (the transpose), for x of
// [n, c, p.h, p.w] and y, gy of [n, c, p.oh, p.ow]; dx is overwritten. They throw
// std::logic_error in a build without oneDNN, and std::runtime_error if oneDNN fails.
void onednn_average(const PoolWindows& p, std::size_t n, std::size_t c, const float* x, float* y);
void onednn_spread(const PoolWindows& p, std::size_t n, std::size_t c, const float* gy, float* dx);

// How many poolings oneDNN has run on the calling thread, and how many primitives it has made
// there (cache misses): for the tests that check which path ran and that steps reuse primitives.
std::size_t onednn_pool_runs();
std::size_t onednn_pool_primitives_made();

}  // namespace tapegrad::detail
