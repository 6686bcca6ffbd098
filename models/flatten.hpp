// Flatten<T>: merges the axes start_dim..end_dim into one, as torch::nn::Flatten; torch's
// defaults (1, -1) keep the batch axis: [N, C, H, W] → [N, C·H·W].
#pragma once

#include "../ops/ops.hpp"
#include "module.hpp"

namespace tapegrad {

template <class T>
class Flatten : public Module<T> {
 public:
  explicit Flatten(int start_dim = 1, int end_dim = -1)
      : start_dim_(start_dim), end_dim_(end_dim) {}
  Var<T> forward(const Var<T>& x) override { return flatten(x, start_dim_, end_dim_); }

  int start_dim() const { return start_dim_; }
  int end_dim() const { return end_dim_; }

 private:
  int start_dim_;
  int end_dim_;
};

}  // namespace tapegrad
