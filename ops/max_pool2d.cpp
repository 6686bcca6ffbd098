// max_pool2d(x): the largest element of each window, padding counting as −∞ (torch's rules for
// stride, padding and ceil mode, as avg_pool2d). The forward saves where each maximum was, and
// the output is a gather of x at those positions, so the gradient goes to them: a scatter-add
// into zeros (linear in the gradient), whose own vjp is the gather again. Ties: the first maximum
// in row-major window order takes the gradient, as in torch's CPU kernel; a NaN counts as larger
// than any number (the first NaN wins). In float, windows that tile the input (stride = kernel, no
// padding) run a vectorized two-pass kernel, as fast as oneDNN's pooling (bench/RESULTS.md,
// "Pooling"); other float geometries run oneDNN's max pooling from kOneDnnPoolMinVolume elements
// on, unless x holds a NaN or −∞ (ops/detail/pool_onednn.hpp); double runs the loop.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

#include "../graph/op.hpp"
#include "conv.hpp"
#include "detail/pool.hpp"
#include "detail/pool_onednn.hpp"
#include "math.hpp"

namespace tapegrad {
namespace {

struct Picks {
  const std::size_t* at;  // at[k]: the flat index in x of output k's maximum, on the tape
  std::size_t h, w, oh, ow;
};

template <class T>
Var<T> scatter_picks(const Var<T>& grad, const Picks& p);
template <class T>
Var<T> gather_picks(const Var<T>& u, const Picks& p, std::string_view name);

// max_pool2d itself and the gather in its double backward: y[k] = x[at[k]].
template <class T>
class PickNode final : public Node<T> {
 public:
  PickNode(const Picks& p, std::string_view name) : p_(p), name_(name) {}
  std::string_view name() const override { return name_; }
  std::string derivative(std::size_t) const override { return "[x = max]"; }
  void vjp(const VjpContext<T>& ctx) const override {  // dx[at[k]] += G[k]
    ctx.add_input_grad(0, scatter_picks(ctx.grad_output(), p_));
  }

 private:
  Picks p_;
  std::string_view name_;
};

template <class T>
class ScatterNode final : public Node<T> {
 public:
  explicit ScatterNode(const Picks& p) : p_(p) {}
  std::string_view name() const override { return "max_pool2d_scatter"; }
  std::string derivative(std::size_t) const override { return "[x = max]"; }
  void vjp(const VjpContext<T>& ctx) const override {  // du[k] = U[at[k]]: the gather
    ctx.add_input_grad(0, gather_picks(ctx.grad_output(), p_, "max_pool2d_gather"));
  }

 private:
  Picks p_;
};

template <class T>
Var<T> scatter_picks(const Var<T>& grad, const Picks& p) {
  Op<T> op("max_pool2d_scatter", grad);
  const Value<T>& g = op.input(0);
  const Shape shape = detail::with_plane(g.shape, p.h, p.w);
  T* dx = op.output(shape);
  std::fill_n(dx, shape.size(), T(0));
  for (std::size_t k = 0; k < g.size(); ++k) dx[p.at[k]] += g.data[k];  // ∂y_k/∂x_at[k] = 1
  return op.template finish<ScatterNode<T>>(p);
}

template <class T>
Var<T> gather_picks(const Var<T>& u, const Picks& p, std::string_view name) {
  Op<T> op(name, u);
  const Value<T>& in = op.input(0);
  const Shape shape = detail::with_plane(in.shape, p.oh, p.ow);
  T* y = op.output(shape);
  for (std::size_t k = 0; k < shape.size(); ++k) y[k] = in.data[p.at[k]];
  return op.template finish<PickNode<T>>(p, name);
}

// The position of the maximum of window (i, j) of one plane: the first one, NaN above all.
template <class T>
std::size_t argmax(const T* plane, const detail::PoolWindows& p, std::size_t i, std::size_t j) {
  std::size_t best = p.first_row(i) * p.w + p.first_col(j);
  T top = -std::numeric_limits<T>::infinity();
  for (std::size_t r = p.first_row(i); r < p.end_row(i); ++r)
    for (std::size_t c = p.first_col(j); c < p.end_col(j); ++c) {
      const T v = plane[r * p.w + c];
      if (v > top || (std::isnan(v) && !std::isnan(top))) {
        top = v;
        best = r * p.w + c;
      }
    }
  return best;
}

// v takes a window's place if larger than its maximum so far, or if it is its first NaN
// (NaN ≠ NaN); bitwise, so that it compiles to selects, not branches.
template <class T>
inline bool takes(T v, T top) {
  return (v > top) | ((v != v) & (top == top));
}

// Windows that tile the input (stride = kernel, no padding, whole windows along a row: the
// digits CNN's 2×2/2) in two passes, each one long loop the compiler vectorizes. First each
// window row's maximum (a run of kw elements); then each window's maximum of its kh row maxima,
// in order: the first maximum in row-major order is in the first row whose maximum is the
// window's, at that row's first maximum; the first NaN likewise. K = kw where known (0: runtime).
template <class T, std::size_t K>
TAPEGRAD_SIMD_CLONES void run_maxima(const T* __restrict x, std::uint32_t first, std::size_t runs,
                                     std::size_t kw, T* __restrict top,
                                     std::uint32_t* __restrict best) {
  const std::size_t k = K ? K : kw;
  for (std::size_t m = 0; m < runs; ++m) {
    top[m] = x[m * k];
    best[m] = first + static_cast<std::uint32_t>(m * k);
  }
  for (std::size_t c = 1; c < k; ++c)
    for (std::size_t m = 0; m < runs; ++m) {
      const T v = x[m * k + c];
      const bool take = takes(v, top[m]);
      top[m] = take ? v : top[m];
      best[m] = take ? first + static_cast<std::uint32_t>(m * k + c) : best[m];
    }
}

// Folds each window row's maximum with the kh − 1 rows below it, in place, over `count` row
// maxima laid out [group][row][column]: top[m] becomes the maximum of top[m + r·ow], r < kh. Only
// the first row of each group is a window's (the others fold in the next group's rows, and are
// not read): twice the work of folding those alone for kh = 2, but one loop the compiler
// vectorizes, where a loop over groups has only ow outputs in a row (4 in the digits CNN).
template <class T, std::size_t KH>
TAPEGRAD_SIMD_CLONES void fold_rows(T* __restrict top, std::uint32_t* __restrict best,
                                    std::size_t count, std::size_t kh, std::size_t ow) {
  const std::size_t rows = KH ? KH : kh;
  // m rises and only top[m] is written: the rows below it are still as they were when read
  for (std::size_t m = 0; m + (rows - 1) * ow < count; ++m)
    for (std::size_t r = 1; r < rows; ++r) {
      const T v = top[m + r * ow];
      const bool take = takes(v, top[m]);
      top[m] = take ? v : top[m];
      best[m] = take ? best[m + r * ow] : best[m];
    }
}

// Whether pool_tiles can take windows p of an input of `size` elements.
bool tiles(const detail::PoolWindows& p, const Pool2dArgs& args, std::size_t size) {
  const std::array<std::size_t, 2> stride = args.stride.value_or(args.kernel);
  return stride == args.kernel && args.padding == std::array<std::size_t, 2>{0, 0} &&
         p.ow * args.kernel[1] == p.w && p.oh * args.kernel[0] <= p.h &&
         size < std::numeric_limits<std::uint32_t>::max();
}

// The maxima of every window, `planes` planes of x, for windows that tile (above); runs over
// row groups (a window row of the output: kh input rows) in chunks that stay in the L1 cache.
template <class T>
void pool_tiles(const T* x, std::size_t planes, const detail::PoolWindows& p,
                const Pool2dArgs& args, T* y, std::size_t* at) {
  const std::size_t kh = args.kernel[0], kw = args.kernel[1];
  // a group's input rows are contiguous; whole planes are if no row is left below the windows
  const bool whole = p.oh * kh == p.h;
  const std::size_t blocks = whole ? 1 : planes, groups = whole ? planes * p.oh : p.oh;
  constexpr std::size_t kChunk = 2048;  // window-row maxima per chunk
  const std::size_t per_chunk = std::max<std::size_t>(1, kChunk / (kh * p.ow));
  thread_local std::vector<T> top;  // grown once, then reused: no allocation in steady state
  thread_local std::vector<std::uint32_t> best;
  top.resize(std::max(top.size(), per_chunk * kh * p.ow));
  best.resize(top.size());
  for (std::size_t block = 0; block < blocks; ++block)
    for (std::size_t g = 0; g < groups; g += per_chunk) {
      const std::size_t n = std::min(per_chunk, groups - g);
      const std::size_t from = block * p.h * p.w + g * kh * p.w, out = (block * groups + g) * p.ow;
      const auto first = static_cast<std::uint32_t>(from);
      if (kw == 2)
        run_maxima<T, 2>(x + from, first, n * kh * p.ow, kw, top.data(), best.data());
      else
        run_maxima<T, 0>(x + from, first, n * kh * p.ow, kw, top.data(), best.data());
      const std::size_t count = n * kh * p.ow;
      if (kh == 2)
        fold_rows<T, 2>(top.data(), best.data(), count, kh, p.ow);
      else
        fold_rows<T, 0>(top.data(), best.data(), count, kh, p.ow);
      for (std::size_t group = 0; group < n; ++group)  // the windows' rows: each group's first
        for (std::size_t j = 0; j < p.ow; ++j) {
          y[out + group * p.ow + j] = top[group * kh * p.ow + j];
          at[out + group * p.ow + j] = best[group * kh * p.ow + j];
        }
    }
}

template <class T>
Var<T> max_pool2d_forward(const Var<T>& x, const Pool2dArgs& args) {
  Op<T> op("max_pool2d", x);
  const Value<T>& in = op.input(0);
  const detail::PoolWindows windows = detail::pool_windows(op, args, false);
  const Shape shape = detail::with_plane(in.shape, windows.oh, windows.ow);
  std::size_t* at = op.template save_array<std::size_t>(shape.size());
  T* y = op.output(shape);
  if constexpr (std::is_same_v<T, float>) {  // double (gradcheck's) keeps the plain loop
    const std::size_t planes = detail::planes_of(in.shape);
    const bool tiled = tiles(windows, args, in.size());
    if (tiled) pool_tiles(in.data, planes, windows, args, y, at);
    const bool batched = in.shape.rank() == 4;  // oneDNN's N and C
    if (tiled || (detail::max_uses_onednn(windows, planes) &&
                  detail::onednn_max(windows, batched ? in.shape[0] : 1,
                                     in.shape[in.shape.rank() - 3], in.data, y, at)))
      return op.template finish<PickNode<T>>(
          Picks{at, windows.h, windows.w, windows.oh, windows.ow}, "max_pool2d");
  }
  const std::size_t plane = windows.h * windows.w;
  std::size_t k = 0;
  for (std::size_t n = 0; n < detail::planes_of(in.shape); ++n)
    for (std::size_t i = 0; i < windows.oh; ++i)
      for (std::size_t j = 0; j < windows.ow; ++j, ++k) {
        at[k] = n * plane + argmax(in.data + n * plane, windows, i, j);
        y[k] = in.data[at[k]];
      }
  return op.template finish<PickNode<T>>(Picks{at, windows.h, windows.w, windows.oh, windows.ow},
                                         "max_pool2d");
}

}  // namespace

Var<float> max_pool2d(const Var<float>& x, const Pool2dArgs& args) {
  return max_pool2d_forward(x, args);
}
Var<double> max_pool2d(const Var<double>& x, const Pool2dArgs& args) {
  return max_pool2d_forward(x, args);
}

}  // namespace tapegrad
