// Convolution and pooling over images (NCHW) and sequences (NCL), with torch.nn.functional's
// arguments and semantics: conv2d, conv1d, max_pool2d, avg_pool2d, adaptive_avg_pool2d.
// Each takes a batch [N, C, H, W] (or [N, C, L]) or one unbatched sample [C, H, W] ([C, L]).
#pragma once

#include <array>
#include <cstddef>
#include <optional>

#include "../graph/var.hpp"

namespace tapegrad {

struct Conv2dArgs {
  std::array<std::size_t, 2> stride{1, 1}, padding{0, 0}, dilation{1, 1};
  std::size_t groups = 1;
};
// y[n,o] = b[o] + Σ_c Σ_ij w[o,c,i,j] · x[n, g·C/groups + c, h·s + i·d − p, w·s + j·d − p] (zero
// outside x): x [N, C, H, W] or [C, H, W], weight [O, C/groups, kH, kW], bias [O] or undefined.
Var<float> conv2d(const Var<float>& x, const Var<float>& weight, const Var<float>& bias = {},
                  const Conv2dArgs& args = {});
Var<double> conv2d(const Var<double>& x, const Var<double>& weight, const Var<double>& bias = {},
                   const Conv2dArgs& args = {});

struct Conv1dArgs {
  std::size_t stride = 1, padding = 0, dilation = 1, groups = 1;
};
// conv2d along one axis: x [N, C, L] or [C, L], weight [O, C/groups, K], bias [O] or undefined.
Var<float> conv1d(const Var<float>& x, const Var<float>& weight, const Var<float>& bias = {},
                  const Conv1dArgs& args = {});
Var<double> conv1d(const Var<double>& x, const Var<double>& weight, const Var<double>& bias = {},
                   const Conv1dArgs& args = {});

struct Pool2dArgs {
  std::array<std::size_t, 2> kernel;
  std::optional<std::array<std::size_t, 2>> stride{};  // default: the kernel size (torch)
  std::array<std::size_t, 2> padding{0, 0};            // at most half the kernel, as torch
  bool ceil_mode = false;  // round the output size up; a window starting in the padding is dropped
  bool count_include_pad = true;  // avg_pool2d only: divide by the window's size, padding included
};
// The largest element of each window, padding counting as −∞. The gradient goes to that element;
// among ties to the first one in row-major window order (as torch's CPU kernel), and a NaN counts
// as the largest.
Var<float> max_pool2d(const Var<float>& x, const Pool2dArgs& args);
Var<double> max_pool2d(const Var<double>& x, const Pool2dArgs& args);
// The mean of each window.
Var<float> avg_pool2d(const Var<float>& x, const Pool2dArgs& args);
Var<double> avg_pool2d(const Var<double>& x, const Pool2dArgs& args);
// The mean over output_size bins, torch's: bin i of n over H rows spans rows
// ⌊i·H/n⌋ to ⌈(i+1)·H/n⌉ (exclusive); {1, 1} is the global average.
Var<float> adaptive_avg_pool2d(const Var<float>& x, std::array<std::size_t, 2> output_size);
Var<double> adaptive_avg_pool2d(const Var<double>& x, std::array<std::size_t, 2> output_size);

}  // namespace tapegrad
