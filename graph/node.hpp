// Node<T>: one recorded op on the tape. Each op (ops/*.cpp) derives a small final class that
// keeps what its backward needs and implements the vector-Jacobian product. Nodes live in the
// tape's arena and are never destroyed one by one, so they must be trivially destructible.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "var.hpp"

namespace tapegrad {

template <class T>
class Node;

// Where an op's backward puts one input's gradient (BackwardContext::input_grad_target).
template <class T>
struct GradTarget {
  T* data = nullptr;        // null: the input needs no gradient
  bool accumulate = false;  // add into data; if false, data holds no values yet: write them all
  explicit operator bool() const { return data != nullptr; }
};

// What an op's backward sees: the gradient flowing into its output, and one buffer per input to
// accumulate that input's gradient into (nullptr where the input needs no gradient).
template <class T>
class BackwardContext {
 public:
  // With the input buffers given up front (the checked engine, graph views, the checkers).
  BackwardContext(const Node<T>& node, const T* grad_output, std::span<T* const> input_grads)
      : node_(&node), grad_output_(grad_output), input_grads_(input_grads) {}

  const T* grad_output() const { return grad_output_; }
  bool needs_grad(std::size_t input) const;
  // The buffer to add (+=) input `input`'s gradient into, or nullptr if it needs none. `shape`
  // is the shape of the gradient the op computes; the engine checks it against the input's
  // shape and throws ContractError naming the op and the input index if they differ.
  [[gnu::always_inline]] T* input_grad(std::size_t input, const Shape& shape) const;
  // The same buffer without zeros written into it first, for ops that can as cheaply assign
  // their gradient as add it (a matrix product with beta = 0, a loop with = for +=): when the
  // input has no gradient yet (a fresh intermediate, a parameter after zero_grad()), the result
  // says so with accumulate = false, and the op must then write every element of data. NOTE: an
  // op must finish writing one target before asking for the next: two inputs may be one value
  // (mul(x, x)), and the second call then reports the first one's buffer as holding values.
  GradTarget<T> input_grad_target(std::size_t input, const Shape& shape) const;
  // Whether input_grad(input, ...) was called, for a context made with the buffers given up
  // front: the contract checks (graph/checks.hpp) require it of every input that needs a
  // gradient. Exact for ops of up to 64 inputs (beyond, a call for input k + 64 also counts for
  // input k).
  bool gave(std::size_t input) const { return input >= 64 || (given_ >> input & 1) != 0; }

 private:
  template <class>
  friend class Tape;
  // With each input's buffer found (and made on `tape`) when the op asks for it: the engine's
  // fast path, which makes one context and moves it from node to node (at()).
  explicit BackwardContext(Tape<T>& tape) : tape_(&tape) {}
  const BackwardContext& at(const Node<T>& node, const T* grad_output) {
    node_ = &node;
    grad_output_ = grad_output;
    return *this;
  }

  const Node<T>* node_ = nullptr;
  const T* grad_output_;
  std::span<T* const> input_grads_;
  Tape<T>* tape_ = nullptr;  // set for buffers found on demand
  mutable std::uint64_t given_ = 0;
};

// What an op's vjp sees: the gradient flowing into its output, and its inputs and output, all as
// Vars, so that the vector-Jacobian product it builds from them with differentiable ops can be
// run for a first-order backward, recorded on the tape for gradients of gradients (grad with
// create_graph), and transposed for forward mode. The engine sums the contributions it is given.
template <class T>
class VjpContext {
 public:
  VjpContext(const Node<T>& node, Var<T> grad_output, std::span<Var<T>> inputs, Var<T> output,
             std::span<Var<T>> input_grads, std::span<const char> needed)
      : node_(node),
        grad_output_(std::move(grad_output)),
        inputs_(inputs),
        output_(std::move(output)),
        input_grads_(input_grads),
        needed_(needed) {}

  const Var<T>& grad_output() const { return grad_output_; }
  const Var<T>& input(std::size_t k) const { return inputs_[k]; }
  const Var<T>& output() const { return output_; }
  std::size_t num_inputs() const { return inputs_.size(); }
  // Whether input k's gradient is wanted (it needs one, and, for grad(), depends on a requested
  // input).
  bool needs_grad(std::size_t k) const { return needed_[k] != 0; }
  // Adds `grad` (of input k's shape) to input k's gradient; throws ContractError naming the op
  // if the shape differs. Ignored for inputs that need no gradient.
  void add_input_grad(std::size_t k, Var<T> grad) const;
  // For the engine: throws ContractError naming the op and the input if an input that needs a
  // gradient was given none.
  void check_complete() const;

 private:
  const Node<T>& node_;
  Var<T> grad_output_;
  std::span<Var<T>> inputs_;
  Var<T> output_;
  std::span<Var<T>> input_grads_;
  std::span<const char> needed_;
};

[[noreturn]] void throw_no_vjp(std::string_view op);

// What an op's jvp sees (forward mode, graph/higher_order.hpp): the tangent of each input (the
// directional derivative of its values) and a zeroed buffer for the output's tangent.
template <class T>
class JvpContext {
 public:
  JvpContext(std::span<const T* const> input_tangents, T* output_tangent)
      : input_tangents_(input_tangents), output_tangent_(output_tangent) {}
  // Input k's tangent (of its shape), or nullptr where it is zero (a constant, a parameter).
  const T* input_tangent(std::size_t k) const { return input_tangents_[k]; }
  // The output's tangent, of its shape, zeroed: add each input's contribution J_k·t_k into it.
  T* output_tangent() const { return output_tangent_; }

 private:
  std::span<const T* const> input_tangents_;
  T* output_tangent_;
};

template <class T>
class Node {
 public:
  // The op's name as shown in errors and graph dumps ("matmul", "sigmoid").
  virtual std::string_view name() const = 0;
  // The vector-Jacobian product, written once, with differentiable ops on Vars: for each input
  // that needs a gradient, ctx.add_input_grad(k, (∂output/∂input_k)ᵀ · grad_output). The other
  // forms derive from it: backward runs it (unless an op gives a faster kernel, which the test
  // suite holds to this rule), grad(..., {.create_graph = true}) records it, and jvp transposes
  // it. The default throws Error naming the op (for ops written before this rule existed).
  virtual void vjp(const VjpContext<T>& ctx) const {
    (void)ctx;
    throw_no_vjp(name());
  }
  // The same product into raw buffers, for the backward engine: add (∂output/∂input)ᵀ ·
  // grad_output into each requested buffer. By default vjp() run on the values, recording
  // nothing (detail::backward_by_vjp); ops override it with a fused kernel where speed matters.
  virtual void backward(const BackwardContext<T>& ctx) const;
  // Jacobian-vector product (forward mode): add (∂output/∂input_k)·tangent_k into the output's
  // tangent for each input with a tangent. By default vjp() transposed: the vjp is linear in its
  // gradient u, so J·t is the gradient with respect to u of Σ_k ⟨vjp_k(u), t_k⟩
  // (detail::jvp_by_vjp); elementwise ops give it directly.
  virtual void jvp(const JvpContext<T>& ctx) const;
  // The local derivative ∂output/∂input as a formula, for graph labels. "{y}" stands for the
  // output's label and "{0}", "{1}", ... for the inputs' labels, e.g. "{y}(1−{y})" for sigmoid.
  virtual std::string derivative(std::size_t input) const = 0;
  // Bytes of tensors that backward reads (saved for backward), for graph dumps.
  virtual std::size_t saved_bytes() const { return 0; }

  std::size_t num_inputs() const { return num_inputs_; }
  const Value<T>& input(std::size_t k) const { return *input_list()[k]; }
  std::span<Value<T>* const> inputs() const { return {input_list(), num_inputs_}; }
  const Value<T>& output() const { return *output_; }
  std::size_t position() const { return position_; }  // index on the tape

 protected:
  Node() = default;
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;
  ~Node() = default;  // trivial: the arena drops nodes without running destructors

 private:
  template <class>
  friend class Tape;
  // NOTE: the list of inputs sits right before the node in the same arena block (Tape::record),
  // so the node needs no pointer to it: 24 bytes of header on every recorded op.
  Value<T>* const* input_list() const {
    return reinterpret_cast<Value<T>* const*>(this) - num_inputs_;
  }
  Value<T>* output_ = nullptr;
  std::uint32_t num_inputs_ = 0;
  std::uint32_t position_ = 0;
};

namespace detail {
// The defaults above (graph/derived.cpp).
template <class T>
void backward_by_vjp(const Node<T>& node, const BackwardContext<T>& ctx);
template <class T>
void jvp_by_vjp(const Node<T>& node, const JvpContext<T>& ctx);
}  // namespace detail

template <class T>
void Node<T>::backward(const BackwardContext<T>& ctx) const {
  detail::backward_by_vjp(*this, ctx);
}
template <class T>
void Node<T>::jvp(const JvpContext<T>& ctx) const {
  detail::jvp_by_vjp(*this, ctx);
}

}  // namespace tapegrad
