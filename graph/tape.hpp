// Tape<T>: the record of ops in execution order, and the backward engine that walks it once in
// reverse. Each thread has its own current tape (Tape<T>::current()); TapeGuard switches it.
// A tape is cleared and reused between training steps and keeps its memory for the next one.
//
// This header is the user's API. Ops record themselves through graph/op.hpp (the op author's
// API, with graph/node.hpp); the engine's inline parts are in graph/engine.hpp.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "arena.hpp"
#include "errors.hpp"
#include "grad_mode.hpp"
#include "node.hpp"
#include "record_observer.hpp"
#include "var.hpp"

namespace tapegrad {

template <class T>
class Op;
namespace detail {
// White-box access for the engine's own tests (tests/alloc): defined there, nowhere else.
template <class T>
struct TapeInternals;
}  // namespace detail

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
  // using one is an error (TapeError), not a silent read of reused memory. Destroys what
  // keep_alive() was given.
  void clear();
  // Keeps `object` alive until clear() or the tape's end: C++ state that a recorded op's
  // backward reads (a user-defined function, graph/function.hpp), which the arena's trivially
  // destructible nodes cannot own.
  void keep_alive(std::shared_ptr<const void> object) { kept_.push_back(std::move(object)); }

  // A constant holding a copy of `tensor` (no gradient).
  Var<T> constant(const Tensor<T>& tensor, std::string_view label = {});
  // A leaf holding a copy of `tensor`; with requires_grad its gradient can be read after
  // backward through Var::grad() until clear().
  Var<T> variable(const Tensor<T>& tensor, bool requires_grad, std::string_view label = {});
  // A one-element leaf (shape []) holding `value`: tape.variable(-4.0, true).
  Var<T> variable(T value, bool requires_grad, std::string_view label = {});
  // A constant of `shape` that reads `data` in place, without a copy: `data` must hold
  // shape.size() values and stay unchanged as long as the Var is used (at most until clear()).
  Var<T> constant_view(const Shape& shape, const T* data);

  // Reverse-mode pass: seeds d(root)/d(root) = 1 (root must have one element), then walks the
  // tape once from root's op back to the first, adding each op's vector-Jacobian product into
  // its inputs' gradients. Parameters' gradients accumulate across calls until zero_grad().
  void backward(const Var<T>& root);
  // The same with an explicit seed gradient of root's shape, for non-scalar roots.
  void backward(const Var<T>& root, const Tensor<T>& seed);

  // ---- What was recorded (graph views, the gradient checker) ----
  std::size_t size() const { return nodes_.size(); }  // number of recorded ops
  std::span<Node<T>* const> nodes() const { return nodes_; }
  // Counts clear() calls: a Var recorded in another epoch is stale.
  std::uint64_t epoch() const { return epoch_; }
  std::size_t reserved_bytes() const { return arena_.reserved_bytes(); }
  std::size_t used_bytes() const { return arena_.used_bytes(); }
  // Calls `observer` around every op recorded from now on (nullptr: none). Off by default; the
  // cost when off is one test per op.
  void set_observer(RecordObserver<T>* observer) { observer_ = observer; }
  RecordObserver<T>* observer() const { return observer_; }
  // A handle for a value reached through the nodes: a parameter's own Var, else one of this
  // tape's current epoch.
  Var<T> var_of(const Value<T>* value);

  // ---- Scopes: what is recorded after mark() is given back by rewind(mark) ----
  struct Mark {
    Arena::Mark arena;
    std::size_t nodes = 0;
  };
  Mark mark() const { return {arena_.mark(), nodes_.size()}; }
  void rewind(Mark m);

  // Checks that `var` may be used by an op on this tape (defined, recorded on this tape in this
  // epoch, or a parameter); throws TapeError naming `op` and the input index if not.
  void check_input(const Var<T>& var, std::string_view op, std::size_t index) const;

 private:
  friend class Op<T>;
  friend class Var<T>;
  template <class>
  friend class TapeGuard;
  template <class>
  friend class BackwardContext;
  template <class>
  friend struct detail::TapeInternals;

  static Tape& thread_default();
  static thread_local Tape* active_;  // the innermost TapeGuard's tape, or null

  // ---- Recording (Op<T> and graph/engine.hpp) ----
  T* allocate(std::size_t n);
  Value<T>* new_value(const Shape& shape, ValueKind kind, bool requires_grad);
  Label copy_label(std::string_view label);
  Value<T>* new_leaf(const Tensor<T>& tensor, bool requires_grad, std::string_view label);
  // variable() when an observer is set: kept out of line, off the common path.
  [[gnu::noinline]] Var<T> observed_variable(const Tensor<T>& tensor, bool requires_grad,
                                             std::string_view label);
  Var<T> handle(Value<T>* value) { return Var<T>(value, this, epoch_); }
  template <class NodeT, class... Args>
  NodeT* record(Value<T>* output, std::span<Value<T>* const> inputs, Args&&... args);
  [[noreturn]] void reject_input(const Var<T>& var, std::string_view op, std::size_t index) const;

  // ---- The engine (graph/tape.cpp) ----
  void run_backward(const Var<T>& root, const T* seed);
  // The nodes at positions [0, end) in reverse, as fast as it goes; and the same with anomaly
  // mode's and the contract checks' tests, restoring the leaves' gradients if one fails.
  void backward_nodes(std::size_t end);
  void backward_nodes_checked(Value<T>& root, std::size_t end);
  // Points input_grads_ at the gradient buffers of node's inputs (nullptr where none is needed).
  std::span<T* const> input_buffers(const Node<T>& node);
  // The gradient buffer of `value`, zeroed if it has none yet (see attach_grad).
  T* ensure_grad(Value<T>& value);
  // Gives `value`, which has no gradient buffer, one whose contents are not set: a parameter's
  // own storage (after zero_grad()), the room a small value has after its data (new_value), or
  // new room on the arena. The caller writes every element.
  T* attach_grad(Value<T>& value);

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
  std::vector<std::shared_ptr<const void>> kept_;  // keep_alive()'s objects
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

// A leaf on the current tape: a one-element value (variable(-4.0)) or a copy of a tensor, which by
// default needs a gradient; after backward() its gradient is in Var::grad().
template <std::floating_point T>
Var<T> variable(T value, bool requires_grad = true) {
  return Tape<T>::current().variable(value, requires_grad);
}
template <class T>
Var<T> variable(const Tensor<T>& value, bool requires_grad = true) {
  return Tape<T>::current().variable(value, requires_grad);
}

// Free-function spelling of Tape::backward on the Var's own tape.
template <class T>
void backward(const Var<T>& root) {
  root.backward();
}
template <class T>
void backward(const Var<T>& root, const Tensor<T>& seed) {
  root.backward(seed);
}

extern template class Tape<float>;
extern template class Tape<double>;
extern template class Var<float>;
extern template class Var<double>;
extern template class TapeGuard<float>;
extern template class TapeGuard<double>;

}  // namespace tapegrad

#include "engine.hpp"  // the inline parts of Tape, Var and BackwardContext
