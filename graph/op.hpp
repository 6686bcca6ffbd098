// Op<T>: what an op's forward function uses to record itself. It checks the inputs, allocates the
// output on the current tape, and records the op's node if a gradient is needed. If anything
// throws before finish() returns (a bad input, an allocation, anomaly mode's check of the
// output), the tape is rewound: a failed op leaves the tape as it was.
//
//   template <class T> Var<T> sigmoid(const Var<T>& a) {
//     Op<T> op("sigmoid", a);
//     T* z = op.output(a.shape());
//     ... compute z from op.input(0).data ...
//     return op.finish<SigmoidNode<T>>();
//   }
#pragma once

#include <array>
#include <limits>
#include <new>
#include <span>
#include <string_view>
#include <type_traits>

#include "checks.hpp"
#include "tape.hpp"

namespace tapegrad {

[[noreturn]] void throw_constant_with_gradient(std::string_view op);
[[noreturn]] void throw_no_inputs(std::string_view op);

template <class T>
class Op {
 public:
  static constexpr std::size_t kMaxInputs = 4;  // the most any op takes (linear: x, W, b)

  // One to kMaxInputs inputs, Vars or what converts to one (a Parameter): Op<T> op("mul", a, b).
  template <class... Inputs>
  requires(sizeof...(Inputs) >= 1 && sizeof...(Inputs) <= kMaxInputs &&
           (std::is_convertible_v<const Inputs&, Var<T>> && ...))
      Op(std::string_view name, const Inputs&... inputs)
      : tape_(Tape<T>::current()), name_(name), mark_(tape_.mark()) {
    // NOTE: a pack, not an initializer_list, which would copy every Var on each recorded op.
    std::size_t k = 0;
    (add_input(inputs, k++), ...);
    num_inputs_ = sizeof...(Inputs);
    requires_grad_ = requires_grad_ && GradMode::enabled();
    if (requires_grad_ && tape_.observer() != nullptr) [[unlikely]]
      tape_.observer()->before(tape_.size(), {inputs_, num_inputs_});
  }
  // Any number of inputs (cat, stack): Op<T> op("cat", parts). Throws Error for none.
  Op(std::string_view name, std::span<const Var<T>> inputs)
      : tape_(Tape<T>::current()), name_(name), mark_(tape_.mark()) {
    if (inputs.empty()) throw_no_inputs(name);
    if (inputs.size() > kMaxInputs)  // the list is given back with the op if it fails
      inputs_ = static_cast<Value<T>**>(
          tape_.arena_.allocate(inputs.size() * sizeof(Value<T>*), alignof(Value<T>*)));
    for (std::size_t k = 0; k < inputs.size(); ++k) add_input(inputs[k], k);
    num_inputs_ = inputs.size();
    requires_grad_ = requires_grad_ && GradMode::enabled();
    if (requires_grad_ && tape_.observer() != nullptr) [[unlikely]]
      tape_.observer()->before(tape_.size(), {inputs_, num_inputs_});
  }
  ~Op() {
    if (!finished_) tape_.rewind(mark_);
  }
  Op(const Op&) = delete;
  Op& operator=(const Op&) = delete;

  std::string_view name() const { return name_; }
  const Value<T>& input(std::size_t k) const { return *inputs_[k]; }
  bool requires_grad() const { return requires_grad_; }

  // Allocates the output (uninitialised) and returns its data for the forward computation.
  T* output(const Shape& shape) {
    output_ = tape_.new_value(
        shape, requires_grad_ ? ValueKind::kIntermediate : ValueKind::kConstant, requires_grad_);
    return output_->data;
  }
  const Value<T>& output_value() const { return *output_; }
  // Storage on the tape for n values the backward needs besides the inputs and the output (a
  // softmax, say); valid until tape.clear(), and given back if the op fails.
  T* save(std::size_t n) { return tape_.allocate(n); }
  // The same for n values of another trivial type (the indices of index_select, say).
  template <class U>
  U* save_array(std::size_t n) {
    static_assert(std::is_trivially_copyable_v<U> && std::is_trivially_destructible_v<U>);
    if (n > std::numeric_limits<std::size_t>::max() / (4 * sizeof(U))) throw std::bad_alloc();
    return static_cast<U*>(tape_.arena_.allocate(n * sizeof(U), alignof(U)));
  }

  // Finishes an op whose output has no gradient by definition (a comparison, argmax), recording
  // nothing; construct it under a NoGradGuard, so that the output is a constant.
  Var<T> finish_constant() {
    if (requires_grad_) throw_constant_with_gradient(name_);
    if (tape_.observer() != nullptr) [[unlikely]]
      tape_.observer()->settled();
    finished_ = true;
    return tape_.handle(output_);
  }

  // Records a NodeT (constructed from args) if a gradient is needed, and returns the output.
  template <class NodeT, class... Args>
  Var<T> finish(Args&&... args) {
    if (AnomalyMode::enabled() && output_ != nullptr) [[unlikely]]
      detail::check_forward_finite<T>(name_, tape_.size(), requires_grad_, {inputs_, num_inputs_},
                                      *output_);
    if (requires_grad_) {
      if (tape_.observer() != nullptr) [[unlikely]]
        tape_.observer()->after(tape_.size(), *output_);
      tape_.template record<NodeT>(output_, {inputs_, num_inputs_}, std::forward<Args>(args)...);
    }
    if (tape_.observer() != nullptr) [[unlikely]]
      tape_.observer()->settled();  // may throw: the op is then given back like any failed one
    finished_ = true;
    return tape_.handle(output_);
  }

 private:
  Tape<T>& tape_;
  std::string_view name_;
  typename Tape<T>::Mark mark_;
  // NOTE: the inputs stay here until finish(), which copies them into the node's own block: one
  // arena bump per recorded op instead of two, and none when no gradient is needed.
  void add_input(const Var<T>& in, std::size_t k) {
    tape_.check_input(in, name_, k);
    inputs_[k] = in.value();
    requires_grad_ = requires_grad_ || in.value()->requires_grad;
  }

  std::array<Value<T>*, kMaxInputs> inline_inputs_;
  Value<T>** inputs_ = inline_inputs_.data();  // or a list on the tape, for more inputs
  std::size_t num_inputs_ = 0;
  Value<T>* output_ = nullptr;
  bool requires_grad_ = false;
  bool finished_ = false;
};

}  // namespace tapegrad
