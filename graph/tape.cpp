// The backward engine (one reverse loop over the tape, fast or checked), the tape's bookkeeping,
// and the members of Var that need a tape. See graph/tape.hpp and graph/engine.hpp.
#include "tape.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <algorithm>
#include <cstring>

#include "checks.hpp"

namespace tapegrad {

void throw_contract_error(std::string_view op, std::size_t position, std::size_t input,
                          const Shape& got, const Shape& expected) {
  throw ContractError(fmt::format(
      "{} (op {} on the tape): backward produced a gradient of shape {} for input {}, whose "
      "shape is {} (a bug in the op's backward)",
      op, position, got.str(), input, expected.str()));
}

void throw_constant_with_gradient(std::string_view op) {
  throw ContractError(fmt::format(
      "{}: an op without a gradient was recorded with grad mode on; make it under a NoGradGuard",
      op));
}

void throw_no_inputs(std::string_view op) {
  throw Error(fmt::format("{}: needs at least one input, got none", op));
}

template <class T>
Tape<T>::Tape() {
  nodes_.reserve(256);  // a small model's step, without regrowing the list in its first step
}

template <class T>
Tape<T>& Tape<T>::thread_default() {
  thread_local Tape<T> default_tape;
  return default_tape;
}

template <class T>
TAPEGRAD_HOT void Tape<T>::clear() {
  arena_.clear();
  nodes_.clear();
  ++epoch_;
  grads_written_ = false;
  kept_.clear();
}

template <class T>
void Tape<T>::rewind(Mark m) {
  arena_.rewind(m.arena);
  nodes_.resize(m.nodes);
}

template <class T>
Label Tape<T>::copy_label(std::string_view label) {
  if (label.empty()) return {};
  char* text = static_cast<char*>(arena_.allocate(label.size() + 1, 1));
  std::memcpy(text, label.data(), label.size());
  text[label.size()] = '\0';
  return Label(text);
}

template <class T>
Var<T> Tape<T>::constant(const Tensor<T>& tensor, std::string_view label) {
  return variable(tensor, false, label);
}

template <class T>
Var<T> Tape<T>::variable(const Tensor<T>& tensor, bool requires_grad, std::string_view label) {
  if (observer_ != nullptr) [[unlikely]]
    return observed_variable(tensor, requires_grad, label);
  return handle(new_leaf(tensor, requires_grad, label));
}

template <class T>
Value<T>* Tape<T>::new_leaf(const Tensor<T>& tensor, bool requires_grad, std::string_view label) {
  Value<T>* value = new_value(
      tensor.shape(), requires_grad ? ValueKind::kLeaf : ValueKind::kConstant, requires_grad);
  std::copy_n(tensor.data(), tensor.size(), value->data);
  value->label = copy_label(label);
  return value;
}

// The same, told to the observer once made; kept out of the common path, which it would slow.
template <class T>
Var<T> Tape<T>::observed_variable(const Tensor<T>& tensor, bool requires_grad,
                                  std::string_view label) {
  const Mark start = mark();
  Value<T>* value = new_leaf(tensor, requires_grad, label);
  try {
    observer_->settled();
  } catch (...) {
    rewind(start);  // as if the value had never been made
    throw;
  }
  return handle(value);
}

template <class T>
Var<T> Tape<T>::variable(T value, bool requires_grad, std::string_view label) {
  return variable(Tensor<T>::scalar(value), requires_grad, label);
}

template <class T>
Var<T> Tape<T>::constant_view(const Shape& shape, const T* data) {
  void* memory = arena_.allocate(sizeof(Value<T>), alignof(Value<T>));
  // NOTE: the const_cast is safe: a constant is only read (ops never write their inputs, and a
  // constant never gets a gradient buffer).
  return handle(::new (memory) Value<T>{.shape = shape,
                                        .data = const_cast<T*>(data),
                                        .grad = nullptr,
                                        .producer = nullptr,
                                        .label = {},
                                        .kind = ValueKind::kConstant,
                                        .requires_grad = false});
}

template <class T>
void Tape<T>::reject_input(const Var<T>& var, std::string_view op, std::size_t index) const {
  if (!var.defined())
    throw TapeError(
        fmt::format("{}: input {} is an undefined Var (default-constructed)", op, index));
  if (var.tape() != this)
    throw TapeError(fmt::format(
        "{}: input {} was recorded on a different tape than the current one (use TapeGuard to "
        "record on the tape that holds it)",
        op, index));
  if (var.epoch() != epoch_)
    throw TapeError(fmt::format(
        "{}: input {} was recorded before tape.clear() and its storage has been reused; did you "
        "keep a Var across training steps?",
        op, index));
  throw TapeError(fmt::format("{}: input {} cannot be used on this tape", op, index));
}

template <class T>
TAPEGRAD_HOT void Tape<T>::backward(const Var<T>& root) {
  check_input(root, "backward", 0);
  if (root.size() != 1)
    throw TapeError(fmt::format(
        "backward() needs a scalar loss or an explicit seed gradient; the root has shape {} "
        "({} elements). Reduce it first (sum, mean) or call backward(root, seed) with a seed of "
        "that shape",
        root.shape().str(), root.size()));
  run_backward(root, nullptr);
}

template <class T>
void Tape<T>::backward(const Var<T>& root, const Tensor<T>& seed) {
  check_input(root, "backward", 0);
  if (!(seed.shape() == root.shape()))
    throw ShapeError(fmt::format("backward: seed gradient of shape {} for a root of shape {}",
                                 seed.shape().str(), root.shape().str()));
  run_backward(root, seed.data());
}

template <class T>
TAPEGRAD_HOT void Tape<T>::run_backward(const Var<T>& root, const T* seed) {
  Value<T>& top = *root.value();
  if (!top.requires_grad)
    throw TapeError(
        "backward: the root does not require grad: no parameter or variable with requires_grad "
        "reaches it (was it computed under NoGradGuard?)");
  if (top.producer == nullptr) {
    // A leaf is its own gradient.
    T* g = ensure_grad(top);
    for (std::size_t i = 0; i < top.size(); ++i) g[i] += seed ? seed[i] : T(1);
    return;
  }
  // Intermediate gradients from an earlier backward on this tape start again from zero; leaves
  // and parameters accumulate, as documented.
  if (grads_written_)
    for (Node<T>* node : nodes_)
      if (Value<T>& out = *node->output_; out.grad) std::fill_n(out.grad, out.size(), T(0));
  grads_written_ = true;

  T* g = ensure_grad(top);
  for (std::size_t i = 0; i < top.size(); ++i) g[i] = seed ? seed[i] : T(1);

  // The tape is the order: one reverse loop, no recursion. Ops recorded after the root, and ops
  // no gradient reached, are skipped.
  const std::size_t end = top.producer->position() + 1;
  if (AnomalyMode::enabled() || ContractChecks::enabled()) [[unlikely]]
    backward_nodes_checked(top, end);
  else
    backward_nodes(end);
}

// The checked engine's buffers for one node, made before its backward runs so that anomaly mode
// can look at them first. (The fast engine lets the op's input_grad() make them on demand.)
template <class T>
std::span<T* const> Tape<T>::input_buffers(const Node<T>& node) {
  if (input_grads_.size() < node.num_inputs()) input_grads_.resize(node.num_inputs());
  for (std::size_t k = 0; k < node.num_inputs(); ++k) {
    Value<T>& in = *node.input_list()[k];
    input_grads_[k] = in.requires_grad ? ensure_grad(in) : nullptr;
  }
  return {input_grads_.data(), node.num_inputs()};
}

template <class T>
TAPEGRAD_HOT void Tape<T>::backward_nodes(std::size_t end) {
  BackwardContext<T> context(*this);
  for (std::size_t position = end; position-- > 0;) {
    const Node<T>& node = *nodes_[position];
    if (node.output_->grad == nullptr) continue;
    node.backward(context.at(node, node.output_->grad));
  }
}

template <class T>
void Tape<T>::backward_nodes_checked(Value<T>& root, std::size_t end) {
  // The gradients that outlive this pass are the leaves' (parameters' and tape variables'):
  // keep a copy of each to put back if a check fails, so that a failed backward changes nothing
  // a user can see. Intermediate gradients are reset by the next backward anyway. The copies
  // live in buffers the tape keeps, so that checked steps allocate nothing in steady state.
  std::vector<Value<T>*>& leaves = checked_leaves_;
  leaves.clear();
  for (std::size_t position = 0; position < end; ++position)
    for (Value<T>* in : nodes_[position]->inputs())
      if (in->producer == nullptr && in->requires_grad) leaves.push_back(in);
  std::sort(leaves.begin(), leaves.end());
  leaves.erase(std::unique(leaves.begin(), leaves.end()), leaves.end());
  std::vector<T>& saved = checked_grads_;
  std::vector<char>& had_grad = checked_had_grad_;
  saved.clear();
  had_grad.clear();
  for (const Value<T>* leaf : leaves) {
    had_grad.push_back(leaf->grad != nullptr);
    if (leaf->grad != nullptr) saved.insert(saved.end(), leaf->grad, leaf->grad + leaf->size());
  }
  auto restore = [&] {
    std::size_t offset = 0;
    for (std::size_t i = 0; i < leaves.size(); ++i) {
      if (had_grad[i]) {
        std::copy_n(saved.data() + offset, leaves[i]->size(), leaves[i]->grad);
        offset += leaves[i]->size();
      } else {
        leaves[i]->grad = nullptr;
      }
    }
  };
  const bool anomaly = AnomalyMode::enabled(), contracts = ContractChecks::enabled();
  try {
    if (anomaly) detail::check_seed_finite(root, end - 1);
    for (std::size_t position = end; position-- > 0;) {
      const Node<T>& node = *nodes_[position];
      if (node.output_->grad == nullptr) continue;
      const std::span<T* const> buffers = input_buffers(node);
      if (anomaly) detail::check_backward_finite(node, buffers, true);
      const BackwardContext<T> context(node, node.output_->grad, buffers);
      node.backward(context);
      if (contracts)
        for (std::size_t k = 0; k < buffers.size(); ++k)
          if (buffers[k] != nullptr && !context.gave(k))
            throw ContractError(fmt::format(
                "{} (op {} on the tape): backward gave no gradient for input {} (shape {}), "
                "which needs one; a bug in the op's backward, which must call "
                "ctx.input_grad({}, shape) whenever ctx.needs_grad({})",
                node.name(), position, k, node.input(k).shape.str(), k, k));
      if (anomaly) detail::check_backward_finite(node, buffers, false);
    }
  } catch (...) {
    restore();
    throw;
  }
}

template <class T>
TapeGuard<T>::TapeGuard(Tape<T>& tape) : previous_(Tape<T>::active_) {
  Tape<T>::active_ = &tape;
}

template <class T>
TapeGuard<T>::~TapeGuard() {
  Tape<T>::active_ = previous_;
}

// ---- Var members that need the tape ----

template <class T>
TAPEGRAD_HOT Var<T>::Var(const Tensor<T>& tensor) : Var(Tape<T>::current().constant(tensor)) {}

template <class T>
T Var<T>::item() const {
  const Value<T>& v = checked();
  if (v.size() != 1)
    throw ShapeError(
        fmt::format("item(): Var of shape {} has {} elements, not one", v.shape.str(), v.size()));
  return v.data[0];
}

template <class T>
Tensor<T> Var<T>::to_tensor() const {
  const Value<T>& v = checked();
  return Tensor<T>(v.shape, std::vector<T>(v.data, v.data + v.size()));
}

template <class T>
Tensor<T> Var<T>::grad_tensor() const {
  const Value<T>& v = checked();
  if (v.grad == nullptr) return Tensor<T>(v.shape);
  return Tensor<T>(v.shape, std::vector<T>(v.grad, v.grad + v.size()));
}

template <class T>
void GradSpan<T>::out_of_range(std::size_t i) const {
  const Value<T>& v = *value_;
  const std::string name = !v.label.empty() ? fmt::format("'{}'", v.label.view())
                           : v.producer != nullptr
                               ? fmt::format("the output of {}", v.producer->name())
                               : std::string("an unlabelled value");
  if (this->empty())
    throw TapeError(fmt::format(
        "grad(): no gradient has reached {} (shape {}), so there is no element {} to read; "
        "run backward() on a result that depends on it first, test grad().empty(), or use "
        "grad_tensor(), which gives zeros",
        name, v.shape.str(), i));
  throw TapeError(
      fmt::format("grad(): index {} is out of range for the gradient of {}, {} elements", i, name,
                  this->size()));
}

template <class T>
Var<T>& Var<T>::named(std::string_view label) {
  Value<T>& v = const_cast<Value<T>&>(checked());
  if (tape_ == nullptr)
    throw TapeError("named(): a parameter's label is its name; use Parameter::set_name");
  v.label = tape_->copy_label(label);
  return *this;
}

template <class T>
TAPEGRAD_HOT void Var<T>::backward() const {
  checked();
  (tape_ ? *tape_ : Tape<T>::current()).backward(*this);
}

template <class T>
void Var<T>::backward(const Tensor<T>& seed) const {
  checked();
  (tape_ ? *tape_ : Tape<T>::current()).backward(*this, seed);
}

template <class T>
std::ostream& operator<<(std::ostream& out, const Var<T>& var) {
  if (!var.defined()) return out << "Var(undefined)";
  const std::string text = fmt::format("{}", fmt::streamed(var.to_tensor()));
  if (!var.requires_grad()) return out << text;
  return out << text.substr(0, text.size() - 1) << ", requires_grad=True)";
}
template std::ostream& operator<<(std::ostream&, const Var<float>&);
template std::ostream& operator<<(std::ostream&, const Var<double>&);

template class Tape<float>;
template class Tape<double>;
template class Var<float>;
template class Var<double>;
template class GradSpan<float>;
template class GradSpan<double>;
template class TapeGuard<float>;
template class TapeGuard<double>;

}  // namespace tapegrad
