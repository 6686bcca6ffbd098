// Shape checks and the im2col / col2im loops of the convolutions (ops/detail/conv.hpp).
#include "conv.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>

#include "../../graph/errors.hpp"
#include "gemm.hpp"

namespace tapegrad::detail {
namespace {

void check_at_least_one(std::string_view op, std::string_view what,
                        std::array<std::size_t, 2> value) {
  if (value[0] == 0 || value[1] == 0)
    throw ShapeError(fmt::format("{}: {} ({}, {}) must be at least 1 along each axis", op, what,
                                 value[0], value[1]));
}

// The output size along one axis: ⌊(size + 2·pad − dilation·(kernel − 1) − 1) / stride⌋ + 1, or
// 0 if the padded input is smaller than the dilated kernel.
std::size_t output_size(std::size_t size, std::size_t kernel, std::size_t stride, std::size_t pad,
                        std::size_t dilation) {
  const std::size_t padded = size + 2 * pad, span = dilation * (kernel - 1) + 1;
  return padded < span ? 0 : (padded - span) / stride + 1;
}

}  // namespace

ConvGeometry conv_geometry(std::string_view op, const Shape& x, const Shape& weight,
                           const Conv2dArgs& args, const Shape& shown_x,
                           const Shape& shown_weight) {
  const auto shapes = [&] {
    return fmt::format("{}: input {} and weight {}", op, shown_x.str(), shown_weight.str());
  };
  if (x.rank() != 4 || weight.rank() != 4) {
    const bool one_d = op == "conv1d";
    throw ShapeError(fmt::format("{}: the input must be {} and the weight {}", shapes(),
                                 one_d ? "[N, C, L] or [C, L]" : "[N, C, H, W] or [C, H, W]",
                                 one_d ? "[O, C/groups, K]" : "[O, C/groups, kH, kW]"));
  }
  check_at_least_one(op, "stride", args.stride);
  check_at_least_one(op, "dilation", args.dilation);
  if (args.groups == 0) throw ShapeError(fmt::format("{}: groups must be at least 1", op));
  ConvGeometry g{.n = x[0],
                 .c = x[1],
                 .h = x[2],
                 .w = x[3],
                 .o = weight[0],
                 .kh = weight[2],
                 .kw = weight[3],
                 .oh = 0,
                 .ow = 0,
                 .sh = args.stride[0],
                 .sw = args.stride[1],
                 .ph = args.padding[0],
                 .pw = args.padding[1],
                 .dh = args.dilation[0],
                 .dw = args.dilation[1],
                 .groups = args.groups};
  if (x[1] != weight[1] * args.groups)
    throw ShapeError(fmt::format("{}: input has {} channels, weight expects {} × groups {}",
                                 shapes(), x[1], weight[1], args.groups));
  if (g.o % g.groups != 0)
    throw ShapeError(
        fmt::format("{}: {} output channels do not split into {} groups", shapes(), g.o, g.groups));
  if (g.kh == 0 || g.kw == 0 || weight[1] == 0)
    throw ShapeError(fmt::format("{}: the weight has no elements", shapes()));
  g.oh = output_size(g.h, g.kh, g.sh, g.ph, g.dh);
  g.ow = output_size(g.w, g.kw, g.sw, g.pw, g.dw);
  if (g.oh == 0 || g.ow == 0)
    throw ShapeError(fmt::format(
        "{}: the output would be {}×{}: the padded input {}×{} is smaller than the dilated "
        "kernel {}×{}",
        shapes(), g.oh, g.ow, g.h + 2 * g.ph, g.w + 2 * g.pw, g.dh * (g.kh - 1) + 1,
        g.dw * (g.kw - 1) + 1));
  return g;
}

void check_conv_bias(std::string_view op, const Shape& shown_weight, const Shape& bias,
                     std::size_t out_channels) {
  if (bias.rank() != 1 || bias[0] != out_channels)
    throw ShapeError(fmt::format("{}: weight {} and bias {}: the bias must be [{}]", op,
                                 shown_weight.str(), bias.str(), out_channels));
}

// Calls f(row of col, channel plane of x, input row ih, tap i, tap j) for each kernel tap, and
// col's row r = (c·kH + i)·kW + j; both kernels walk the same positions.
template <class T, class Col, class Image, class Visit>
void for_each_tap(Col* col, Image* x, const ConvGeometry& g, Visit&& visit) {
  const std::size_t plane = g.h * g.w, cols = g.col_cols();
  std::size_t r = 0;
  for (std::size_t c = 0; c < g.cg(); ++c)
    for (std::size_t i = 0; i < g.kh; ++i)
      for (std::size_t j = 0; j < g.kw; ++j, ++r) visit(col + r * cols, x + c * plane, i, j);
}

// For output row y and tap i, the input row read, or −1 in the padding.
inline std::ptrdiff_t input_index(std::size_t out, std::size_t stride, std::size_t tap,
                                  std::size_t dilation, std::size_t pad, std::size_t size) {
  const std::ptrdiff_t at =
      static_cast<std::ptrdiff_t>(out * stride + tap * dilation) - static_cast<std::ptrdiff_t>(pad);
  return at >= 0 && at < static_cast<std::ptrdiff_t>(size) ? at : -1;
}

template <class T>
void im2col(const T* x, const ConvGeometry& g, T* col) {
  for_each_tap<T>(col, x, g, [&](T* row, const T* image, std::size_t i, std::size_t j) {
    for (std::size_t y = 0; y < g.oh; ++y, row += g.ow) {
      const std::ptrdiff_t ih = input_index(y, g.sh, i, g.dh, g.ph, g.h);
      if (ih < 0) {
        std::fill_n(row, g.ow, T(0));
        continue;
      }
      const T* line = image + static_cast<std::size_t>(ih) * g.w;
      for (std::size_t xo = 0; xo < g.ow; ++xo) {
        const std::ptrdiff_t iw = input_index(xo, g.sw, j, g.dw, g.pw, g.w);
        row[xo] = iw < 0 ? T(0) : line[iw];
      }
    }
  });
}

template <class T>
void col2im_add(const T* col, const ConvGeometry& g, T* x) {
  for_each_tap<T>(col, x, g, [&](const T* row, T* image, std::size_t i, std::size_t j) {
    for (std::size_t y = 0; y < g.oh; ++y, row += g.ow) {
      const std::ptrdiff_t ih = input_index(y, g.sh, i, g.dh, g.ph, g.h);
      if (ih < 0) continue;
      T* line = image + static_cast<std::size_t>(ih) * g.w;
      for (std::size_t xo = 0; xo < g.ow; ++xo) {
        const std::ptrdiff_t iw = input_index(xo, g.sw, j, g.dw, g.pw, g.w);
        if (iw >= 0) line[iw] += row[xo];
      }
    }
  });
}

// y_{n,g} = W_g·col(x_{n,g}) (+ b).
template <class T>
void im2col_conv_forward(const ConvGeometry& g, const T* x, const T* w, const T* b, T* y, T* col) {
  const std::size_t k = g.col_rows(), cols = g.col_cols(), og = g.og();
  for (std::size_t n = 0; n < g.n; ++n)
    for (std::size_t group = 0; group < g.groups; ++group) {
      const T* image = x + (n * g.c + group * g.cg()) * g.h * g.w;
      if (col != nullptr) im2col(image, g, col);
      gemm<T>(false, false, og, cols, k, 1, w + group * og * k, k, col != nullptr ? col : image,
              cols, 0, y + (n * g.o + group * og) * cols, cols);
    }
  if (b == nullptr) return;
  for (std::size_t n = 0; n < g.n; ++n)
    for (std::size_t o = 0; o < g.o; ++o) {
      T* plane = y + (n * g.o + o) * cols;
      for (std::size_t i = 0; i < cols; ++i) plane[i] += b[o];
    }
}

// dx_{n,g} = col2im(W_gᵀ·G_{n,g}).
template <class T>
void im2col_conv_backward_data(const ConvGeometry& g, const T* gy, const T* w, T* dx, T* col) {
  const std::size_t k = g.col_rows(), cols = g.col_cols(), og = g.og();
  if (col != nullptr) std::fill_n(dx, g.n * g.c * g.h * g.w, T(0));
  for (std::size_t n = 0; n < g.n; ++n)
    for (std::size_t group = 0; group < g.groups; ++group) {
      T* image = dx + (n * g.c + group * g.cg()) * g.h * g.w;
      const T* gy_ng = gy + (n * g.o + group * og) * cols;
      // col = W_gᵀ·G_{n,g}, written straight into dx when it is the image itself
      gemm<T>(true, false, k, cols, og, 1, w + group * og * k, k, gy_ng, cols, 0,
              col != nullptr ? col : image, cols);
      if (col != nullptr) col2im_add(col, g, image);
    }
}

// dW_g = Σ_n G_{n,g}·col(x_{n,g})ᵀ.
template <class T>
void im2col_conv_backward_weights(const ConvGeometry& g, const T* x, const T* gy, T* dw, T* col) {
  const std::size_t k = g.col_rows(), cols = g.col_cols(), og = g.og();
  std::fill_n(dw, g.o * k, T(0));
  for (std::size_t n = 0; n < g.n; ++n)
    for (std::size_t group = 0; group < g.groups; ++group) {
      const T* image = x + (n * g.c + group * g.cg()) * g.h * g.w;
      if (col != nullptr) im2col(image, g, col);
      gemm<T>(false, true, og, k, cols, 1, gy + (n * g.o + group * og) * cols, cols,
              col != nullptr ? col : image, cols, 1, dw + group * og * k, k);
    }
}

#define TAPEGRAD_INSTANTIATE(T)                                                                 \
  template void im2col_conv_forward(const ConvGeometry&, const T*, const T*, const T*, T*, T*); \
  template void im2col_conv_backward_data(const ConvGeometry&, const T*, const T*, T*, T*);     \
  template void im2col_conv_backward_weights(const ConvGeometry&, const T*, const T*, T*, T*);
TAPEGRAD_INSTANTIATE(float)
TAPEGRAD_INSTANTIATE(double)
#undef TAPEGRAD_INSTANTIATE

template void im2col(const float*, const ConvGeometry&, float*);
template void im2col(const double*, const ConvGeometry&, double*);
template void col2im_add(const float*, const ConvGeometry&, float*);
template void col2im_add(const double*, const ConvGeometry&, double*);

}  // namespace tapegrad::detail
