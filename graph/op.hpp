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
#include <string_view>
#include <type_traits>

#include "checks.hpp"
#include "tape.hpp"

namespace tapegrad {

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
      tape_.observer()->before(tape_.size(), {inputs_.data(), num_inputs_});
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

  // Records a NodeT (constructed from args) if a gradient is needed, and returns the output.
  template <class NodeT, class... Args>
  Var<T> finish(Args&&... args) {
    if (AnomalyMode::enabled() && output_ != nullptr) [[unlikely]]
      detail::check_forward_finite<T>(name_, tape_.size(), requires_grad_,
                                      {inputs_.data(), num_inputs_}, *output_);
    if (requires_grad_) {
      if (tape_.observer() != nullptr) [[unlikely]]
        tape_.observer()->after(tape_.size(), *output_);
      tape_.template record<NodeT>(output_, {inputs_.data(), num_inputs_},
                                   std::forward<Args>(args)...);
    }
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

  std::array<Value<T>*, kMaxInputs> inputs_;
  std::size_t num_inputs_ = 0;
  Value<T>* output_ = nullptr;
  bool requires_grad_ = false;
  bool finished_ = false;
};

}  // namespace tapegrad
