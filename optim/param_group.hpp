// Parameter groups, as torch's OptimizerParamGroup: each group of parameters carries its own
// options (learning rate, momentum, weight decay, ...), and an optimizer's defaults fill in what
// a group does not set. Schedulers change a group's lr between steps through param_groups().
//
//   SGD<float> optimizer({ParamGroup<float>{weights, SGDOptions(0.1).weight_decay(1e-4)},
//                         ParamGroup<float>{biases}},  // all of its options from the defaults
//                        SGDOptions(0.1).momentum(0.9));
#pragma once

#include <concepts>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../graph/parameter.hpp"

namespace tapegrad {

// What every optimizer's options share: the learning rate, which schedulers set, and their
// settings by name, which optimizer state files store (add_optimizer_state, tapegrad::io).
class OptimizerOptions {
 public:
  virtual ~OptimizerOptions() = default;
  virtual std::unique_ptr<OptimizerOptions> clone() const = 0;
  virtual double lr() const = 0;
  virtual void set_lr(double lr) = 0;
  // Every setting as (name, value), booleans as 0 or 1: "lr", "momentum", "beta1", ...
  virtual std::vector<std::pair<std::string, double>> fields() const = 0;
  // Sets the setting called `name`; throws Error naming the options for an unknown name.
  virtual void set_field(std::string_view name, double value) = 0;
  // These options with what they do not set taken from `defaults`, or nullptr if `defaults` are
  // another optimizer's.
  virtual std::unique_ptr<OptimizerOptions> filled_from(const OptimizerOptions& defaults) const = 0;

 protected:
  OptimizerOptions() = default;
  OptimizerOptions(const OptimizerOptions&) = default;
  OptimizerOptions& operator=(const OptimizerOptions&) = default;
};

template <class T>
class ParamGroup {
 public:
  // A group whose options all come from the optimizer's defaults.
  ParamGroup(std::vector<Parameter<T>> params)  // NOLINT(google-explicit-constructor)
      : params_(std::move(params)) {}
  // A group with its own options; what they do not set comes from the optimizer's defaults.
  template <std::derived_from<OptimizerOptions> Options>
  ParamGroup(std::vector<Parameter<T>> params, const Options& options)
      : params_(std::move(params)), options_(options.clone()) {}

  ParamGroup(const ParamGroup& other)
      : params_(other.params_), options_(other.options_ ? other.options_->clone() : nullptr) {}
  ParamGroup& operator=(const ParamGroup& other) {
    if (this != &other) *this = ParamGroup(other);
    return *this;
  }
  ParamGroup(ParamGroup&&) noexcept = default;
  ParamGroup& operator=(ParamGroup&&) noexcept = default;

  const std::vector<Parameter<T>>& params() const { return params_; }
  std::vector<Parameter<T>>& params() { return params_; }
  // Whether the group has options of its own (in an optimizer's param_groups(), always).
  bool has_options() const { return options_ != nullptr; }
  // The group's options; in an optimizer, complete (its defaults filled in). Throws Error if
  // the group has none.
  OptimizerOptions& options();
  const OptimizerOptions& options() const;
  void set_options(std::unique_ptr<OptimizerOptions> options) { options_ = std::move(options); }

 private:
  std::vector<Parameter<T>> params_;
  std::unique_ptr<OptimizerOptions> options_;
};

extern template class ParamGroup<float>;
extern template class ParamGroup<double>;

}  // namespace tapegrad
