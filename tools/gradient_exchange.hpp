// Data-parallel training's gradient exchange (tools/model_commands.cpp): every parameter's
// gradient, scaled by this rank's share of the batch, packed into buckets of at most
// `bucket_values` values, each bucket summed over the ranks by one allreduce and unpacked
// again. A few extra values (the batch's loss) ride in the last bucket. Header-only so that the
// tests can drive it with an in-process Collective.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <span>
#include <utility>
#include <vector>

#include "collective.hpp"
#include "graph/parameter.hpp"

namespace tapegrad::tools {

template <class T>
class GradientExchange {
 public:
  static constexpr std::size_t kDefaultBucketValues = std::size_t{1} << 20;

  GradientExchange(Collective& team, std::vector<Parameter<T>> params,
                   std::size_t bucket_values = kDefaultBucketValues)
      : team_(team), params_(std::move(params)) {
    std::size_t total = 0;
    for (const Parameter<T>& p : params_) total += p.size();
    buffer_.resize(std::max<std::size_t>(1, std::min(total, bucket_values)));
  }

  // grad ← Σ_ranks share·grad for every parameter, and extras ← Σ_ranks share·extras.
  void sum_over_ranks(T share, std::span<T> extras = {}) {
    const auto start = std::chrono::steady_clock::now();
    pieces_.clear();
    used_ = 0;
    for (std::size_t k = 0; k < params_.size(); ++k) {
      std::span<T> g = params_[k].grads();
      for (std::size_t first = 0; first < g.size();) {
        const std::size_t n = std::min(g.size() - first, buffer_.size() - used_);
        pieces_.push_back({k, first, n});
        for (std::size_t i = 0; i < n; ++i) buffer_[used_ + i] = share * g[first + i];
        used_ += n;
        first += n;
        if (used_ == buffer_.size()) flush();
      }
    }
    // The extras go with the last bucket when they fit, else in one of their own.
    if (used_ + extras.size() > buffer_.size()) flush();
    std::vector<T> tail(extras.begin(), extras.end());
    for (T& e : tail) e *= share;
    if (used_ + tail.size() > buffer_.size()) buffer_.resize(used_ + tail.size());
    std::copy(tail.begin(), tail.end(), buffer_.begin() + static_cast<std::ptrdiff_t>(used_));
    const std::size_t with_extras = used_ + tail.size();
    if (with_extras > 0) {
      team_.allreduce_sum(std::span<T>(buffer_.data(), with_extras));
      unpack();
      std::copy_n(buffer_.begin() + static_cast<std::ptrdiff_t>(used_), tail.size(),
                  extras.begin());
      ++buckets_;
    }
    pieces_.clear();
    used_ = 0;
    seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ++steps_;
  }

  double seconds_per_step() const { return steps_ ? seconds_ / static_cast<double>(steps_) : 0; }
  double buckets_per_step() const {
    return steps_ ? static_cast<double>(buckets_) / static_cast<double>(steps_) : 0;
  }

 private:
  struct Piece {
    std::size_t parameter, first, count;  // grads()[first, first + count) of that parameter
  };

  void flush() {
    if (used_ == 0) return;
    team_.allreduce_sum(std::span<T>(buffer_.data(), used_));
    unpack();
    pieces_.clear();
    used_ = 0;
    ++buckets_;
  }
  void unpack() {
    std::size_t at = 0;
    for (const Piece& piece : pieces_) {
      std::span<T> g = params_[piece.parameter].grads();
      std::copy_n(buffer_.begin() + static_cast<std::ptrdiff_t>(at), piece.count,
                  g.begin() + static_cast<std::ptrdiff_t>(piece.first));
      at += piece.count;
    }
  }

  Collective& team_;
  std::vector<Parameter<T>> params_;
  std::vector<T> buffer_;
  std::vector<Piece> pieces_;
  std::size_t used_ = 0;
  double seconds_ = 0;
  std::size_t steps_ = 0, buckets_ = 0;
};

}  // namespace tapegrad::tools
