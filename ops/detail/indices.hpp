// Index tensors given to ops (index_select, gather, nll_loss): checked once, with the op, the
// element and the valid range in the message, and copied onto the tape so that the node can use
// them in backward after the caller's tensor is gone.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string_view>

#include "../../graph/errors.hpp"
#include "../../graph/op.hpp"
#include "../ops.hpp"

namespace tapegrad::detail {

// Throws ShapeError naming the op and the first index outside [0, size) (skipping `allowed`, an
// index that means "none", such as nll_loss's ignore_index). `what()` describes the indexed axis
// for the message ("axis 1 of [3,4]"); it is called only on an error, so that a valid call
// formats nothing (and allocates nothing).
template <class Describe>
void check_indices(std::string_view op, const IndexTensor& index, std::size_t size, Describe&& what,
                   std::optional<std::int64_t> allowed = {}) {
  for (std::size_t i = 0; i < index.size(); ++i) {
    const std::int64_t k = index[i];
    if (allowed && k == *allowed) continue;
    if (k < 0 || static_cast<std::uint64_t>(k) >= size)
      throw ShapeError(
          fmt::format("{}: index {} at {} of the indices {} is out of range for {} "
                      "of size {} (valid: 0 to {})",
                      op, k, index.shape().index_str(i), index.shape().str(), what(), size,
                      static_cast<std::int64_t>(size) - 1));
  }
}

template <class T>
const std::int64_t* save_indices(Op<T>& op, const IndexTensor& index) {
  std::int64_t* copy = op.template save_array<std::int64_t>(index.size());
  std::copy_n(index.data(), index.size(), copy);
  return copy;
}

}  // namespace tapegrad::detail
