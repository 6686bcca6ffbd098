// Dropout<T> (torch::nn::Dropout): in training mode zeroes each element with probability p and
// scales the kept ones by 1/(1 − p); in evaluation mode (eval()) it is the identity. The mask is
// drawn from the generator given in the options, else from the thread's default generator
// (reseeded by manual_seed), so a seeded run draws the same masks.
#pragma once

#include <fmt/format.h>

#include "../graph/errors.hpp"
#include "../graph/random.hpp"
#include "../ops/layer_ops.hpp"
#include "module.hpp"

namespace tapegrad {

class DropoutOptions {
 public:
  explicit DropoutOptions(double p = 0.5) : p_(p) {}
  DropoutOptions& p(double p) {
    p_ = p;
    return *this;
  }
  // Kept by the layer and used for every mask it draws; must outlive the layer.
  DropoutOptions& generator(Generator* generator) {
    generator_ = generator;
    return *this;
  }
  double p() const { return p_; }
  Generator* generator() const { return generator_; }

 private:
  double p_;
  Generator* generator_ = nullptr;
};

template <class T>
class Dropout : public Module<T> {
 public:
  // Throws Error unless 0 ≤ p ≤ 1.
  explicit Dropout(const DropoutOptions& options = DropoutOptions()) : options_(options) {
    if (!(options.p() >= 0.0 && options.p() <= 1.0))
      throw Error(fmt::format("Dropout: p must be in [0, 1], got {}", options.p()));
  }
  explicit Dropout(double p) : Dropout(DropoutOptions(p)) {}
  Var<T> forward(const Var<T>& x) override {
    Generator& generator =
        options_.generator() != nullptr ? *options_.generator() : default_generator();
    return dropout(x, options_.p(), this->is_training(), generator);
  }
  const DropoutOptions& options() const { return options_; }

 private:
  DropoutOptions options_;
};

}  // namespace tapegrad
