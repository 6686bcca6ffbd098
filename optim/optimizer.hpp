// Optimizer<T>: the base of the optimizers. It holds the parameter groups it updates (Parameter
// copies share storage with the model's, see graph/parameter.hpp), each with its options, and
// each parameter's state (torch's optimizer.state: step count, momentum or moment buffers);
// step() applies one update from the accumulated gradients and zero_grad() clears them.
//
//   SGD<double> optimizer(model.parameters(), SGDOptions(0.1).momentum(0.9));
//   for (...) { optimizer.zero_grad(); model.loss(x, y).backward(); optimizer.step(); }
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../graph/parameter.hpp"
#include "../graph/tensor.hpp"
#include "param_group.hpp"

namespace tapegrad {

// One parameter's state, as torch keeps it: what resuming training needs to continue exactly.
template <class T>
struct ParameterState {
  std::size_t step = 0;  // updates this parameter has had (torch's state["step"])
  // Named buffers of the parameter's shape, by torch's names: "momentum_buffer" (SGD),
  // "exp_avg" and "exp_avg_sq" (Adam, AdamW). Allocated by the optimizer's constructor.
  std::vector<std::pair<std::string, Tensor<T>>> buffers;
};

template <class T>
class Optimizer {
 public:
  // Gives each group complete options: its own with what they do not set from `defaults`, or
  // `defaults`. Throws Error if a parameter is undefined (default-constructed) or appears twice
  // (in one group or two), or a group's options belong to another optimizer.
  Optimizer(std::vector<ParamGroup<T>> groups, const OptimizerOptions& defaults);
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // One update of every parameter that requires grad; frozen parameters (requires_grad false)
  // are left alone, their state too.
  virtual void step() = 0;
  // Sets every parameter's gradient to zero: lazily, writing nothing now (Parameter::zero_grad);
  // the next backward pass writes the gradients instead of adding to them.
  void zero_grad();
  // "SGD", "Adam", "AdamW": what a state file records, so that it loads only into its kind.
  virtual std::string_view name() const = 0;

  // Adds a group after construction (torch's add_param_group): its options are filled from the
  // optimizer's defaults and checked as the constructor checks them, and its parameters' state
  // is allocated. Throws Error, changing nothing, for an undefined parameter, one already in
  // the optimizer, or options of another optimizer or out of range. A scheduler made before
  // then refuses to step until it is made again (optim/scheduler.hpp).
  void add_param_group(ParamGroup<T> group);

  // Every group's parameters, in order; state(k) is parameters()[k]'s.
  const std::vector<Parameter<T>>& parameters() const { return parameters_; }
  // The groups; a group's options may be changed between steps (a scheduler sets its lr).
  std::vector<ParamGroup<T>>& param_groups() { return groups_; }
  const std::vector<ParamGroup<T>>& param_groups() const { return groups_; }
  ParameterState<T>& state(std::size_t k) { return state_.at(k); }
  const ParameterState<T>& state(std::size_t k) const { return state_.at(k); }
  std::size_t steps() const { return steps_; }           // step() calls so far
  void set_steps(std::size_t steps) { steps_ = steps; }  // for loading a saved state
  // Throws Error if `options` (of this optimizer's kind) are out of range for group g, as the
  // constructor checks a group's: for settings read from a file before they are used. The
  // default accepts everything, so that an optimizer written outside the library need not
  // write one; SGD, Adam and AdamW check as their constructors do.
  virtual void check_group_options(const OptimizerOptions& options, std::size_t g) const {
    (void)options, (void)g;
  }

 protected:
  // The options the constructor was given, which fill in what a group's options do not set.
  virtual const OptimizerOptions& defaults() const = 0;
  // Checks group g's options, throwing Error, and allocates the state of its parameters, which
  // start at parameters()[first]: what the constructor does for every group.
  virtual void prepare_group(std::size_t g, std::size_t first) = 0;

  std::vector<ParamGroup<T>> groups_;
  std::vector<Parameter<T>> parameters_;
  std::vector<ParameterState<T>> state_;  // one per parameter
  std::size_t steps_ = 0;
};

extern template class Optimizer<float>;
extern template class Optimizer<double>;

}  // namespace tapegrad
