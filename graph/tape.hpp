// Tape<T>: the record of ops in execution order, and the backward engine that walks it once in
// reverse. Each thread has its own current tape (Tape<T>::current()); TapeGuard switches it.
// A tape is cleared and reused between training steps and keeps its memory for the next one.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <new>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

#include "tapegrad/graph/arena.hpp"
#include "tapegrad/graph/errors.hpp"
#include "tapegrad/graph/node.hpp"
#include "tapegrad/graph/var.hpp"

namespace tapegrad {

// Whether ops record themselves for backward, per thread. On by default.
class GradMode {
 public:
  static bool enabled() { return enabled_; }
  static void set_enabled(bool enabled) { enabled_ = enabled; }

 private:
  static thread_local bool enabled_;
};

// Sets recording on or off for its scope, and restores the previous mode when it ends.
class GradModeGuard {
 public:
  explicit GradModeGuard(bool enabled) : previous_(GradMode::enabled()) {
    GradMode::set_enabled(enabled);
  }
  ~GradModeGuard() { GradMode::set_enabled(previous_); }
  GradModeGuard(const GradModeGuard&) = delete;
  GradModeGuard& operator=(const GradModeGuard&) = delete;

 private:
  bool previous_;
};

// Turns recording off in its scope: ops compute values only (for evaluation, or updates).
class NoGradGuard {
 public:
  NoGradGuard() : previous_(GradMode::enabled()) { GradMode::set_enabled(false); }
  ~NoGradGuard() { GradMode::set_enabled(previous_); }
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

// Watches ops as they are recorded, for tools that probe one op inside a computation (the
// gradient checker's per-op check). before() runs once the op's inputs are known and before its
// forward computes; after() once its output is computed. position is the op's index on the tape.
template <class T>
class RecordObserver {
 public:
  virtual void before(std::size_t position, std::span<Value<T>* const> inputs) = 0;
  virtual void after(std::size_t position, const Value<T>& output) = 0;

 protected:
  ~RecordObserver() = default;
};

template <class T>
class Tape {
 public:
  Tape();
  Tape(const Tape&) = delete;
  Tape& operator=(const Tape&) = delete;

  // The tape ops record on in this thread: the innermost TapeGuard's, else a per-thread default.
  static Tape& current() {
    // NOTE: inline, on a constant-initialised thread_local: every op calls it.
    if (active_ != nullptr) [[likely]]
      return *active_;
    return thread_default();
  }

  // Forget every recorded op and value; keep the memory. Vars from before become stale, and
  // using one is an error (TapeError), not a silent read of reused memory.
  void clear();

  // A constant holding a copy of `tensor` (no gradient).
  Var<T> constant(const Tensor<T>& tensor, std::string_view label = {});
  // A leaf holding a copy of `tensor`; with requires_grad its gradient can be read after
  // backward through Var::grad() until clear().
  Var<T> variable(const Tensor<T>& tensor, bool requires_grad, std::string_view label = {});

  // Reverse-mode pass: seeds d(root)/d(root) = 1 (root must have one element), then walks the
  // tape once from root's op back to the first, adding each op's vector-Jacobian product into
  // its inputs' gradients. Parameters' gradients accumulate across calls until zero_grad().
  void backward(const Var<T>& root);
  // The same with an explicit seed gradient of root's shape, for non-scalar roots.
  void backward(const Var<T>& root, const Tensor<T>& seed);

  std::size_t size() const { return nodes_.size(); }  // number of recorded ops
  // Calls `observer` around every op recorded from now on (nullptr: none). Off by default; the
  // cost when off is one test per op.
  void set_observer(RecordObserver<T>* observer) { observer_ = observer; }
  RecordObserver<T>* observer() const { return observer_; }
  std::span<Node<T>* const> nodes() const { return nodes_; }
  std::uint64_t epoch() const { return epoch_; }
  std::size_t reserved_bytes() const { return arena_.reserved_bytes(); }
  std::size_t used_bytes() const { return arena_.used_bytes(); }

  // ---- For op authors (see graph/op.hpp, which wraps these) ----
  struct Mark {
    Arena::Mark arena;
    std::size_t nodes = 0;
  };
  Mark mark() const { return {arena_.mark(), nodes_.size()}; }
  void rewind(Mark m);
  // Uninitialised storage for n elements, valid until clear(). Throws std::bad_alloc if the
  // arena cannot grow, or if n elements would not fit in the address space at all.
  T* allocate(std::size_t n) {
    if (n > std::numeric_limits<std::size_t>::max() / (4 * sizeof(T))) [[unlikely]]
      throw std::bad_alloc();
    const std::size_t bytes = n * sizeof(T);
    const std::size_t alignment = bytes >= Arena::kAlignment ? Arena::kAlignment : alignof(T);
    return static_cast<T*>(arena_.allocate(bytes, alignment));
  }
  template <class U, class... Args>
  U* make(Args&&... args) {
    static_assert(std::is_trivially_destructible_v<U>, "tape objects are never destroyed");
    return ::new (arena_.allocate(sizeof(U), alignof(U))) U(std::forward<Args>(args)...);
  }
  template <class U>
  U* make_array(std::size_t n) {
    static_assert(std::is_trivial_v<U>);
    return static_cast<U*>(arena_.allocate(n * sizeof(U), alignof(U)));
  }
  Value<T>* new_value(const Shape& shape, ValueKind kind, bool requires_grad) {
    void* value_memory;
    T* data;
    if (const std::size_t n = shape.size(); n < Arena::kAlignment / sizeof(T)) {
      // NOTE: a small tensor shares one allocation with its Value (data right after it, then
      // room for its gradient if it needs one; see ensure_grad): deep tapes of scalars make one
      // bump per value instead of three, and backward finds the gradient next to the value.
      const std::size_t bytes = (requires_grad ? 2 : 1) * n * sizeof(T);
      static_assert(sizeof(Value<T>) % alignof(T) == 0);
      auto* block =
          static_cast<std::byte*>(arena_.allocate(sizeof(Value<T>) + bytes, alignof(Value<T>)));
      value_memory = block;
      data = reinterpret_cast<T*>(block + sizeof(Value<T>));
    } else {
      data = allocate(shape.size());
      value_memory = arena_.allocate(sizeof(Value<T>), alignof(Value<T>));
    }
    static_assert(std::is_trivially_destructible_v<Value<T>>);
    return ::new (value_memory) Value<T>{.shape = shape,
                                         .data = data,
                                         .grad = nullptr,
                                         .producer = nullptr,
                                         .label = {},
                                         .kind = kind,
                                         .requires_grad = requires_grad};
  }
  // A NUL-terminated copy of `label` on the arena (an empty Label for empty text; text after an
  // embedded NUL is not kept).
  Label copy_label(std::string_view label);
  // Checks that `var` may be used by an op on this tape; throws TapeError naming op and input.
  void check_input(const Var<T>& var, std::string_view op, std::size_t index) const {
    // The common cases inline: a value of this step on this tape, or a parameter.
    if (var.defined() && ((var.tape() == this && var.epoch() == epoch_) || var.tape() == nullptr))
      return;
    reject_input(var, op, index);
  }
  Var<T> handle(Value<T>* value) { return Var<T>(value, this, epoch_); }
  // A Var for any value an op on this tape may use: a parameter's own handle, else handle().
  Var<T> var_of(Value<T>* value) {
    return value->kind == ValueKind::kParameter ? Var<T>(value, nullptr, 0) : handle(value);
  }
  // The same for a value reached through a const Node (its output): ops read values through
  // Vars, and only the engine writes gradients.
  Var<T> var_of(const Value<T>* value) { return var_of(const_cast<Value<T>*>(value)); }
  // Appends a node of type NodeT computing `output` from `inputs`. The node and its list of
  // inputs share one arena block: the list, then the node (see Node::input_list).
  template <class NodeT, class... Args>
  NodeT* record(Value<T>* output, std::span<Value<T>* const> inputs, Args&&... args) {
    static_assert(std::is_trivially_destructible_v<NodeT>, "tape objects are never destroyed");
    static_assert(alignof(NodeT) == alignof(Value<T>*), "the node follows its list of inputs");
    auto* list = static_cast<Value<T>**>(
        arena_.allocate(inputs.size() * sizeof(Value<T>*) + sizeof(NodeT), alignof(NodeT)));
    switch (inputs.size()) {  // NOTE: not a loop, which GCC turns into a memcpy call or a
      default:                // vector loop with a prologue, for one to three pointers
        std::copy(inputs.begin() + 3, inputs.end(), list + 3);
        [[fallthrough]];
      case 3:
        list[2] = inputs[2];
        [[fallthrough]];
      case 2:
        list[1] = inputs[1];
        [[fallthrough]];
      case 1:
        list[0] = inputs[0];
        [[fallthrough]];
      case 0:
        break;
    }
    NodeT* node = ::new (list + inputs.size()) NodeT(std::forward<Args>(args)...);
    node->output_ = output;
    node->num_inputs_ = static_cast<std::uint32_t>(inputs.size());
    node->position_ = static_cast<std::uint32_t>(nodes_.size());
    nodes_.push_back(node);
    output->producer = node;
    return node;
  }

 private:
  template <class>
  friend class TapeGuard;
  static Tape& thread_default();
  static thread_local Tape* active_;  // the innermost TapeGuard's tape, or null

  [[noreturn]] void reject_input(const Var<T>& var, std::string_view op, std::size_t index) const;
  void run_backward(const Var<T>& root, const T* seed);
  // The nodes at positions [0, end) in reverse, as fast as it goes; and the same with anomaly
  // mode's and the contract checks' tests, restoring the leaves' gradients if one fails.
  void backward_nodes(std::size_t end);
  void backward_nodes_checked(Value<T>& root, std::size_t end);
  // Points input_grads_ at the gradient buffers of node's inputs (nullptr where none is needed).
  std::span<T* const> input_buffers(const Node<T>& node);
  template <class>
  friend class BackwardContext;
  // The gradient buffer of `value`, zeroed if it has none yet (see attach_grad).
  T* ensure_grad(Value<T>& value) {
    if (value.grad == nullptr) [[unlikely]] {
      T* buffer = attach_grad(value);
      if (const std::size_t n = value.size(); n == 1)
        buffer[0] = T(0);  // NOTE: scalars are common on deep tapes; spare them a memset call
      else
        std::fill_n(buffer, n, T(0));
    }
    return value.grad;
  }
  // Gives `value`, which has no gradient buffer, one whose contents are not set: a parameter's
  // own storage (after zero_grad()), the room a small value has after its data (new_value), or
  // new room on the arena. The caller writes every element.
  T* attach_grad(Value<T>& value) {
    const std::size_t n = value.size();
    if (value.kind == ValueKind::kParameter)
      value.grad = ParameterSlot<T>::of(value).grad_storage;
    else if (value.data == reinterpret_cast<T*>(&value + 1))
      value.grad = value.data + n;
    else
      value.grad = allocate(n);
    return value.grad;
  }

  Arena arena_;
  std::vector<Node<T>*> nodes_;
  std::vector<T*> input_grads_;  // scratch for backward, kept between calls
  // backward_nodes_checked's copies of the leaves' gradients, kept between calls.
  std::vector<Value<T>*> checked_leaves_;
  std::vector<T> checked_grads_;
  std::vector<char> checked_had_grad_;
  std::uint64_t epoch_ = 1;     // 0 marks Vars of parameters, which never go stale
  bool grads_written_ = false;  // a backward ran since the last clear()
  RecordObserver<T>* observer_ = nullptr;
};

template <class T>
constinit thread_local Tape<T>* Tape<T>::active_ = nullptr;

// Makes `tape` the current tape of this thread for the guard's scope.
template <class T>
class TapeGuard {
 public:
  explicit TapeGuard(Tape<T>& tape);
  ~TapeGuard();
  TapeGuard(const TapeGuard&) = delete;
  TapeGuard& operator=(const TapeGuard&) = delete;

 private:
  Tape<T>* previous_;
};

// Free-function spelling of Tape::backward on the Var's own tape.
template <class T>
void backward(const Var<T>& root) {
  root.backward();
}
template <class T>
void backward(const Var<T>& root, const Tensor<T>& seed) {
  root.backward(seed);
}

template <class T>
bool Var<T>::stale() const {
  return tape_ != nullptr && epoch_ != tape_->epoch();
}

template <class T>
const Value<T>& Var<T>::checked() const {
  if (value_ == nullptr) throw TapeError("use of an undefined Var (default-constructed)");
  if (stale())
    throw TapeError(
        "use of a Var recorded before tape.clear(): its storage has been reused; recompute it "
        "in this step");
  return *value_;
}

[[noreturn]] void throw_contract_error(std::string_view op, std::size_t position, std::size_t input,
                                       const Shape& got, const Shape& expected);

template <class T>
bool BackwardContext<T>::needs_grad(std::size_t input) const {
  return tape_ != nullptr ? node_->inputs()[input]->requires_grad : input_grads_[input] != nullptr;
}

template <class T>
GradTarget<T> BackwardContext<T>::input_grad_target(std::size_t input, const Shape& shape) const {
  if (tape_ == nullptr) return {input_grad(input, shape), true};  // given buffers hold values
  Value<T>& in = *node_->inputs()[input];
  if (!in.requires_grad) return {};
  if (&shape != &in.shape && !(shape == in.shape))
    throw_contract_error(node_->name(), node_->position(), input, shape, in.shape);
  if (in.grad != nullptr) return {in.grad, true};
  return {tape_->attach_grad(in), false};
}

// NOTE: always inlined: it runs for every input of every node in backward, and a call costs a
// deep tape of scalars several percent.
template <class T>
inline T* BackwardContext<T>::input_grad(std::size_t input, const Shape& shape) const {
  Value<T>& in = *node_->inputs()[input];
  T* buffer;
  if (tape_ != nullptr) {
    buffer = in.requires_grad ? tape_->ensure_grad(in) : nullptr;
  } else {
    buffer = input_grads_[input];
    given_ |= std::uint64_t{1} << (input & 63);  // for the contract checks, which give buffers
  }
  const Shape& expected = in.shape;
  // Ops usually pass the input's own shape: then there is nothing to compare.
  if (buffer != nullptr && &shape != &expected && !(shape == expected))
    throw_contract_error(node_->name(), node_->position(), input, shape, expected);
  return buffer;
}

extern template class Tape<float>;
extern template class Tape<double>;
extern template class Var<float>;
extern template class Var<double>;
extern template class TapeGuard<float>;
extern template class TapeGuard<double>;

}  // namespace tapegrad
