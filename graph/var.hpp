// Value<T> is one tensor in the computation graph: a leaf (a constant or a parameter) or the
// output of a recorded op. Var<T> is the handle users pass between ops; it is cheap to copy and
// does not own the value. Values of intermediate results live on the tape until tape.clear().
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <type_traits>

#include "shape.hpp"
#include "tensor.hpp"

namespace tapegrad {

template <class T>
class Node;
template <class T>
class Tape;

enum class ValueKind : std::uint8_t {
  kConstant,      // data given to the graph; never receives a gradient
  kLeaf,          // a tape variable created with requires_grad (tape.variable)
  kParameter,     // owned by a Parameter; its gradient accumulates across steps
  kIntermediate,  // the output of an op
};

// A value's label: null, or NUL-terminated text that outlives the value (a copy on the tape's
// arena, a Parameter's name). NOTE: 8 bytes where a string_view takes 16, on every value of
// the tape; labels are read only by graph views and errors, where the strlen does not matter.
class Label {
 public:
  Label() = default;
  explicit Label(const char* text) : text_(text) {}
  bool empty() const { return text_ == nullptr || *text_ == '\0'; }
  std::string_view view() const { return text_ ? std::string_view(text_) : std::string_view(); }
  operator std::string_view() const { return view(); }  // NOLINT(google-explicit-constructor)

 private:
  const char* text_ = nullptr;
};

template <class T>
struct Value {
  Shape shape;
  T* data = nullptr;
  // Null until a gradient reaches the value in a backward pass; for a parameter, null again
  // after zero_grad() (its storage stays allocated: see ParameterSlot).
  T* grad = nullptr;
  const Node<T>* producer = nullptr;  // the recorded op that computed it, if any
  Label label;                        // shown in graph dumps ("x", "layers.0.weight", "z")
  ValueKind kind = ValueKind::kConstant;
  bool requires_grad = false;

  std::size_t size() const { return shape.size(); }
};

// A Parameter's Value followed by its gradient's storage. A parameter's gradient is "none"
// (Value::grad null) from zero_grad() until a backward pass writes it; the storage stays
// allocated meanwhile, and the engine finds it from the Value: every Value of kind kParameter
// is the first member of a ParameterSlot (standard layout, so the two addresses are
// interconvertible). NOTE: zero_grad() then writes nothing, and the first op to reach the
// parameter in backward writes its gradient instead of adding to zeros (one pass over the
// gradients fewer per step; see BackwardContext::input_grad_target).
template <class T>
struct ParameterSlot {
  Value<T> value;
  T* grad_storage = nullptr;

  static ParameterSlot& of(Value<T>& parameter) {
    static_assert(std::is_standard_layout_v<ParameterSlot>);
    return *reinterpret_cast<ParameterSlot*>(&parameter);
  }
};

// A value's gradient as Var::grad() returns it: a std::span over the gradient, empty if no
// gradient has reached the value, whose element access is checked. Indexing it (operator[],
// front(), back()) past its size, and so any indexing of an empty one, throws TapeError naming
// the value and saying why, instead of reading memory the gradient does not own. Iterating,
// size() and empty() are the span's. It is valid as the span is: until the tape is cleared or
// the next backward pass; converted to a plain std::span it is no longer checked.
template <class T>
class GradSpan : public std::span<const T> {
 public:
  GradSpan(std::span<const T> grad, const Value<T>* value)
      : std::span<const T>(grad), value_(value) {}
  const T& operator[](std::size_t i) const {
    if (i >= this->size()) out_of_range(i);
    return std::span<const T>::operator[](i);
  }
  const T& front() const { return (*this)[0]; }
  const T& back() const { return (*this)[this->empty() ? 0 : this->size() - 1]; }

 private:
  [[noreturn]] void out_of_range(std::size_t i) const;
  const Value<T>* value_;
};

template <class T>
class Var {
 public:
  Var() = default;
  // A constant: the tensor's values are copied onto the current tape.
  Var(const Tensor<T>& tensor);  // NOLINT(google-explicit-constructor): data mixes freely with Vars

  bool defined() const { return value_ != nullptr; }
  const Shape& shape() const { return checked().shape; }
  std::size_t size() const { return checked().size(); }
  std::size_t rank() const { return checked().shape.rank(); }
  bool requires_grad() const { return checked().requires_grad; }
  std::string_view label() const { return checked().label; }

  std::span<const T> data() const { return {checked().data, size()}; }
  // The accumulated gradient, or an empty span if no gradient has reached this value (its
  // indexing then throws TapeError naming the value; see GradSpan). grad_tensor() gives zeros
  // instead.
  GradSpan<T> grad() const {
    const Value<T>& v = checked();
    return {v.grad ? std::span<const T>(v.grad, v.size()) : std::span<const T>(), &v};
  }
  T item() const;  // the single value of a one-element Var
  Tensor<T> to_tensor() const;
  Tensor<T> grad_tensor() const;  // zeros if no gradient has reached this value

  // Give the value a label for graph dumps and error messages; the text is copied.
  Var& named(std::string_view label);

  // Reverse-mode pass from this value (see Tape::backward).
  void backward() const;
  void backward(const Tensor<T>& seed) const;

  // For op authors and graph views.
  Value<T>* value() const { return value_; }
  Tape<T>* tape() const { return tape_; }  // null for parameters, which outlive tapes
  std::uint64_t epoch() const { return epoch_; }
  // True if the tape this Var was recorded on has been cleared since.
  bool stale() const;

 private:
  template <class>
  friend class Tape;
  template <class>
  friend class Parameter;
  Var(Value<T>* value, Tape<T>* tape, std::uint64_t epoch)
      : value_(value), tape_(tape), epoch_(epoch) {}
  const Value<T>& checked() const;

  Value<T>* value_ = nullptr;
  Tape<T>* tape_ = nullptr;
  std::uint64_t epoch_ = 0;
};

// Prints the value as a tensor (graph/tensor.hpp), then ", requires_grad=True" where it needs a
// gradient, as torch prints a tensor with a grad_fn or requires_grad.
template <class T>
std::ostream& operator<<(std::ostream& out, const Var<T>& var);

}  // namespace tapegrad
