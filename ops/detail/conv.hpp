// The geometry of a 2-D convolution and its im2col / col2im kernels (ops/conv2d.cpp,
// ops/conv1d.cpp). im2col lays out, for one image and one group, every input value a kernel tap
// reads as a [Cg·kH·kW, OH·OW] matrix, so the convolution is one GEMM W_g·col; col2im is its
// transpose, adding each column entry back to the input position it was read from.
#pragma once

#include <cstddef>
#include <string_view>

#include "../../graph/shape.hpp"
#include "../conv.hpp"

namespace tapegrad::detail {

struct ConvGeometry {
  std::size_t n, c, h, w;  // input [N, C, H, W]
  std::size_t o, kh, kw;   // weight [O, C/groups, kH, kW]
  std::size_t oh, ow;      // output [N, O, OH, OW]
  std::size_t sh, sw, ph, pw, dh, dw, groups;

  std::size_t cg() const { return c / groups; }            // input channels per group
  std::size_t og() const { return o / groups; }            // output channels per group
  std::size_t col_rows() const { return cg() * kh * kw; }  // K of the GEMM
  std::size_t col_cols() const { return oh * ow; }
  // A 1×1 kernel with stride 1 and no padding reads the input as it is: no im2col needed.
  bool reads_input_as_is() const {
    return kh == 1 && kw == 1 && sh == 1 && sw == 1 && ph == 0 && pw == 0;
  }
  Shape input_shape() const { return Shape{n, c, h, w}; }
  Shape weight_shape() const { return Shape{o, cg(), kh, kw}; }
  Shape output_shape() const { return Shape{n, o, oh, ow}; }
};

// The geometry of conv2d(x, weight) for x [N, C, H, W] and weight [O, C/groups, kH, kW]; throws
// ShapeError naming `op` and the shapes as the user gave them (`shown_x`, `shown_weight`, for
// conv1d's and unbatched inputs) if they do not fit or the output would be empty.
ConvGeometry conv_geometry(std::string_view op, const Shape& x, const Shape& weight,
                           const Conv2dArgs& args, const Shape& shown_x, const Shape& shown_weight);
// Throws ShapeError unless bias is [O].
void check_conv_bias(std::string_view op, const Shape& shown_weight, const Shape& bias,
                     std::size_t out_channels);

// col [Cg·kH·kW, OH·OW] from x, the first of the group's Cg channels of one image ([Cg, H, W]).
template <class T>
void im2col(const T* x, const ConvGeometry& g, T* col);
// x [Cg, H, W] += col2im(col): each entry of col added where im2col read it from.
template <class T>
void col2im_add(const T* col, const ConvGeometry& g, T* x);

// The convolution's three products by im2col / col2im and one GEMM per image and group, for both
// float and double (float takes oneDNN's primitives where ops/detail/conv_onednn.hpp says so).
// `col` is scratch of col_rows()·col_cols() values, or nullptr when reads_input_as_is().
// y [N, O, OH, OW] = conv(x, w) (+ b, unless b is nullptr).
template <class T>
void im2col_conv_forward(const ConvGeometry& g, const T* x, const T* w, const T* b, T* y, T* col);
// dx [N, C, H, W] = ∂⟨conv(x, w), gy⟩/∂x, a transposed convolution (col2im of wᵀ·gy).
template <class T>
void im2col_conv_backward_data(const ConvGeometry& g, const T* gy, const T* w, T* dx, T* col);
// dw [O, C/groups, kH, kW] = ∂⟨conv(x, w), gy⟩/∂w = Σ_n gy_n·col(x_n)ᵀ.
template <class T>
void im2col_conv_backward_weights(const ConvGeometry& g, const T* x, const T* gy, T* dw, T* col);

}  // namespace tapegrad::detail
