// The engine's inline parts: how a value and a node are laid out on the tape's arena, how a
// backward step finds its inputs' gradient buffers, and the checks on every Var an op reads.
// They are on every recorded op's path, so they are inline; the rest of the engine is in
// graph/tape.cpp. Nothing here is for users: graph/tape.hpp is their API, graph/op.hpp the op
// author's.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <new>
#include <type_traits>

#include "hot.hpp"
#include "tape.hpp"

namespace tapegrad {

// ---- Recording ----

template <class T>
inline T* Tape<T>::allocate(std::size_t n) {
  // NOTE: n·sizeof(T) and the few multiples of it that follow (a small value's data and
  // gradient, alignment slack) must not wrap: refuse counts within a factor 4 of the address
  // space, which no real allocation comes near.
  if (n > std::numeric_limits<std::size_t>::max() / (4 * sizeof(T))) [[unlikely]]
    throw std::bad_alloc();
  const std::size_t bytes = n * sizeof(T);
  const std::size_t alignment = bytes >= Arena::kAlignment ? Arena::kAlignment : alignof(T);
  return static_cast<T*>(arena_.allocate(bytes, alignment));
}

template <class T>
TAPEGRAD_HOT inline Value<T>* Tape<T>::new_value(const Shape& shape, ValueKind kind,
                                                 bool requires_grad) {
  void* value_memory;
  T* data;
  if (const std::size_t n = shape.size(); n < Arena::kAlignment / sizeof(T)) {
    // NOTE: a tensor smaller than a cache line shares one allocation with its Value (data right
    // after it, then room for its gradient if it needs one; see attach_grad): deep tapes of
    // scalars make one bump per value instead of three, and backward finds the gradient next
    // to the value.
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

// Appends a node of type NodeT computing `output` from `inputs`. The node and its list of inputs
// share one arena block: the list, then the node (see Node::input_list).
template <class T>
template <class NodeT, class... Args>
inline NodeT* Tape<T>::record(Value<T>* output, std::span<Value<T>* const> inputs, Args&&... args) {
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

template <class T>
TAPEGRAD_HOT inline void Tape<T>::check_input(const Var<T>& var, std::string_view op,
                                              std::size_t index) const {
  // The common cases inline: a value of this step on this tape, or a parameter.
  if (var.defined() && ((var.tape() == this && var.epoch() == epoch_) || var.tape() == nullptr))
    return;
  reject_input(var, op, index);
}

template <class T>
inline Var<T> Tape<T>::var_of(const Value<T>* value) {
  auto* v = const_cast<Value<T>*>(value);  // Vars read values; only the engine writes gradients
  return v->kind == ValueKind::kParameter ? Var<T>(v, nullptr, 0) : handle(v);
}

// ---- Gradient buffers ----

template <class T>
inline T* Tape<T>::ensure_grad(Value<T>& value) {
  if (value.grad == nullptr) [[unlikely]] {
    T* buffer = attach_grad(value);
    if (const std::size_t n = value.size(); n == 1)
      buffer[0] = T(0);  // NOTE: scalars are common on deep tapes; spare them a memset call
    else
      std::fill_n(buffer, n, T(0));
  }
  return value.grad;
}

template <class T>
TAPEGRAD_HOT inline T* Tape<T>::attach_grad(Value<T>& value) {
  const std::size_t n = value.size();
  if (value.kind == ValueKind::kParameter)
    value.grad = ParameterSlot<T>::of(value).grad_storage;
  else if (value.data == reinterpret_cast<T*>(&value + 1))
    value.grad = value.data + n;
  else
    value.grad = allocate(n);
  return value.grad;
}

[[noreturn]] void throw_contract_error(std::string_view op, std::size_t position, std::size_t input,
                                       const Shape& got, const Shape& expected);

template <class T>
bool BackwardContext<T>::needs_grad(std::size_t input) const {
  return tape_ != nullptr ? node_->inputs()[input]->requires_grad : input_grads_[input] != nullptr;
}

template <class T>
TAPEGRAD_HOT GradTarget<T> BackwardContext<T>::input_grad_target(std::size_t input,
                                                                 const Shape& shape) const {
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

// ---- Var's checks on the values it hands out ----

template <class T>
inline bool Var<T>::stale() const {
  return tape_ != nullptr && epoch_ != tape_->epoch();
}

template <class T>
inline const Value<T>& Var<T>::checked() const {
  if (value_ == nullptr) throw TapeError("use of an undefined Var (default-constructed)");
  if (stale())
    throw TapeError(
        "use of a Var recorded before tape.clear(): its storage has been reused; recompute it "
        "in this step");
  return *value_;
}

}  // namespace tapegrad
