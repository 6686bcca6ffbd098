// embedding(W, indices, padding_idx): y[i] = W[indices_i], the rows of a table W [num, dim]
// picked by integer indices of any shape (torch's F.embedding). Each output row is one row of W,
// so ∂y[i]/∂W[k] = [indices_i = k]: the gradient adds each output row's gradient into the row it
// was picked from, once per pick (a scatter-add), except into the padding row, which by torch's
// convention gets none. The scatter-add is itself an op, whose gradient picks the rows again
// (with zeros at the padding positions, which the scatter skipped).
#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "../graph/op.hpp"
#include "detail/indices.hpp"
#include "layer_ops.hpp"

namespace tapegrad {
namespace {

struct EmbeddingSpec {
  std::size_t num, dim, count;  // W's rows, the row length, the number of indices
  const std::int64_t* index;    // on the tape, each in [0, num)
  std::int64_t padding;         // the row that gets no gradient, or −1 for none
  bool skipped(std::size_t i) const { return index[i] == padding; }
  std::size_t row(std::size_t i) const { return static_cast<std::size_t>(index[i]) * dim; }
};

template <class T>
Var<T> pick_rows(const Var<T>& table, const EmbeddingSpec& s, const Shape& out_shape,
                 bool zero_padding);
template <class T>
Var<T> scatter_rows(const Var<T>& g, const EmbeddingSpec& s);

template <class T>
class EmbeddingNode final : public Node<T> {
 public:
  explicit EmbeddingNode(const EmbeddingSpec& s) : s_(s) {}
  std::string_view name() const override { return "embedding"; }
  std::string derivative(std::size_t) const override { return "1"; }
  std::size_t saved_bytes() const override { return s_.count * sizeof(std::int64_t); }

  void backward(const BackwardContext<T>& ctx) const override {
    T* gw = ctx.input_grad(0, this->input(0).shape);
    const T* g = ctx.grad_output();
    for (std::size_t i = 0; i < s_.count; ++i) {
      if (s_.skipped(i)) continue;
      T* into = gw + s_.row(i);
      const T* from = g + i * s_.dim;
      for (std::size_t j = 0; j < s_.dim; ++j) into[j] += from[j];  // dW[idx_i] += g_i
    }
  }
  void vjp(const VjpContext<T>& ctx) const override {  // added into the rows picked
    ctx.add_input_grad(0, scatter_rows(ctx.grad_output(), s_));
  }

 private:
  EmbeddingSpec s_;
};

template <class T>
class ScatterRowsNode final : public Node<T> {
 public:
  explicit ScatterRowsNode(const EmbeddingSpec& s) : s_(s) {}
  std::string_view name() const override { return "embedding_backward"; }
  std::string derivative(std::size_t) const override { return "1"; }
  void vjp(const VjpContext<T>& ctx) const override {  // the rows picked again, 0 where skipped
    ctx.add_input_grad(0, pick_rows(ctx.grad_output(), s_, this->input(0).shape, true));
  }

 private:
  EmbeddingSpec s_;
};

// y_i = W[idx_i], or 0 at the padding positions with zero_padding.
template <class T>
void fill_rows(const T* w, const EmbeddingSpec& s, bool zero_padding, T* y) {
  for (std::size_t i = 0; i < s.count; ++i) {
    T* row = y + i * s.dim;
    if (zero_padding && s.skipped(i))
      std::fill_n(row, s.dim, T(0));
    else
      std::copy_n(w + s.row(i), s.dim, row);
  }
}

template <class T>
Var<T> pick_rows(const Var<T>& table, const EmbeddingSpec& s, const Shape& out_shape,
                 bool zero_padding) {
  Op<T> op("embedding", table);
  fill_rows(op.input(0).data, s, zero_padding, op.output(out_shape));
  return op.template finish<EmbeddingNode<T>>(s);
}

template <class T>
Var<T> scatter_rows(const Var<T>& g_var, const EmbeddingSpec& s) {
  Op<T> op("embedding_backward", g_var);
  const T* g = op.input(0).data;
  T* out = op.output(Shape{s.num, s.dim});
  std::fill_n(out, s.num * s.dim, T(0));
  for (std::size_t i = 0; i < s.count; ++i) {
    if (s.skipped(i)) continue;
    for (std::size_t j = 0; j < s.dim; ++j) out[s.row(i) + j] += g[i * s.dim + j];
  }
  return op.template finish<ScatterRowsNode<T>>(s);
}

// padding_idx in [0, num), counted from the end if negative; −1 for none.
std::int64_t padding_row(std::optional<std::int64_t> padding_idx, const Shape& weight) {
  if (!padding_idx) return -1;
  const auto num = static_cast<std::int64_t>(weight[0]);
  if (*padding_idx < -num || *padding_idx >= num)
    throw ShapeError(fmt::format(
        "embedding: padding_idx {} is out of range for weight {} with {} rows (valid: {} to {})",
        *padding_idx, weight.str(), num, -num, num - 1));
  return *padding_idx < 0 ? *padding_idx + num : *padding_idx;
}

template <class T>
Var<T> embedding_forward(const Var<T>& weight, const IndexTensor& indices,
                         std::optional<std::int64_t> padding_idx) {
  Op<T> op("embedding", weight);
  const Shape &sw = op.input(0).shape, &si = indices.shape();
  if (sw.rank() != 2)
    throw ShapeError(
        fmt::format("embedding: weight {} must be 2-D [num_embeddings, embedding_dim]", sw.str()));
  if (si.rank() + 1 > Shape::kMaxRank)
    throw ShapeError(
        fmt::format("embedding: indices {}: the result would have rank {}, more than {}", si.str(),
                    si.rank() + 1, Shape::kMaxRank));
  const std::int64_t padding = padding_row(padding_idx, sw);
  detail::check_indices("embedding", indices, sw[0],
                        [&] { return fmt::format("the rows of weight {}", sw.str()); });
  std::array<std::size_t, Shape::kMaxRank> out{};  // indices' shape and a row: no heap allocation
  std::ranges::copy(si.dims(), out.begin());
  out[si.rank()] = sw[1];
  const EmbeddingSpec s{sw[0], sw[1], indices.size(), detail::save_indices(op, indices), padding};
  fill_rows(op.input(0).data, s, false,
            op.output(Shape(std::span<const std::size_t>(out.data(), si.rank() + 1))));
  return op.template finish<EmbeddingNode<T>>(s);
}

}  // namespace

Var<float> embedding(const Var<float>& weight, const IndexTensor& indices,
                     std::optional<std::int64_t> padding_idx) {
  return embedding_forward(weight, indices, padding_idx);
}
Var<double> embedding(const Var<double>& weight, const IndexTensor& indices,
                      std::optional<std::int64_t> padding_idx) {
  return embedding_forward(weight, indices, padding_idx);
}

}  // namespace tapegrad
