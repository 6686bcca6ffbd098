// The forms of an op's derivative that follow from its vjp (graph/node.hpp): the first-order
// backward, which runs the vjp on the values without recording it, and forward mode's jvp, which
// transposes it. An op that writes only its vjp gets both.
#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "../ops/ops.hpp"
#include "errors.hpp"
#include "grad_mode.hpp"
#include "tape.hpp"

namespace tapegrad {

void throw_no_vjp(std::string_view op) {
  throw Error(fmt::format(
      "{}: this op has no vjp, so its gradient cannot be recorded (grad with create_graph), "
      "transposed for forward mode, or computed without its own backward",
      op));
}

namespace detail {
namespace {

// Where backward_by_vjp evaluates rules: a tape of this thread's own, cleared after each node,
// with reusable lists, so that a steady-state step allocates nothing. A rule that somehow
// reaches backward_by_vjp again while one runs gets a fresh set (depth > 0).
template <class T>
struct Workspace {
  Tape<T> tape;
  std::vector<Var<T>> inputs, grads;
  std::vector<char> needed;
};

template <class T>
class WorkspaceLease {
 public:
  WorkspaceLease() {
    if (depth_++ == 0) {
      thread_local Workspace<T> shared;
      workspace_ = &shared;
    } else {
      owned_ = std::make_unique<Workspace<T>>();
      workspace_ = owned_.get();
    }
  }
  ~WorkspaceLease() { --depth_; }
  WorkspaceLease(const WorkspaceLease&) = delete;
  WorkspaceLease& operator=(const WorkspaceLease&) = delete;
  Workspace<T>& operator*() const { return *workspace_; }

 private:
  static thread_local int depth_;
  Workspace<T>* workspace_ = nullptr;
  std::unique_ptr<Workspace<T>> owned_;
};
template <class T>
thread_local int WorkspaceLease<T>::depth_ = 0;

// Empties the workspace and rewinds its tape to `mark` when the rule is done, or throws.
template <class T>
struct Rewind {
  Workspace<T>& w;
  typename Tape<T>::Mark mark;
  ~Rewind() {
    w.inputs.clear();
    w.grads.clear();
    w.tape.rewind(mark);
  }
};

// The node's inputs and output as constants of `tape` that read the node's own values in place:
// the rule reads them, and nothing it does can reach the node's gradients.
template <class T>
Var<T> view_of(Tape<T>& tape, const Value<T>& value) {
  return tape.constant_view(value.shape, value.data);
}

}  // namespace

template <class T>
void backward_by_vjp(const Node<T>& node, const BackwardContext<T>& ctx) {
  const WorkspaceLease<T> lease;
  Workspace<T>& w = *lease;
  const std::size_t n = node.num_inputs();
  const auto mark = w.tape.mark();
  const Rewind<T> rewind{w, mark};
  const TapeGuard<T> on_workspace(w.tape);
  const NoGradGuard values_only;
  w.inputs.clear();
  for (std::size_t k = 0; k < n; ++k) w.inputs.push_back(view_of(w.tape, node.input(k)));
  w.grads.assign(n, Var<T>());
  w.needed.assign(n, 0);
  for (std::size_t k = 0; k < n; ++k) w.needed[k] = ctx.needs_grad(k) ? 1 : 0;
  const VjpContext<T> rule(node, w.tape.constant_view(node.output().shape, ctx.grad_output()),
                           std::span<Var<T>>(w.inputs), view_of(w.tape, node.output()),
                           std::span<Var<T>>(w.grads), std::span<const char>(w.needed));
  node.vjp(rule);
  rule.check_complete();
  for (std::size_t k = 0; k < n; ++k) {
    if (!w.needed[k]) continue;
    const Value<T>& in = node.input(k);
    const T* contribution = w.grads[k].data().data();
    if (const GradTarget<T> target = ctx.input_grad_target(k, in.shape); target.accumulate)
      for (std::size_t i = 0; i < in.size(); ++i) target.data[i] += contribution[i];
    else if (target)
      std::copy_n(contribution, in.size(), target.data);
  }
}

template <class T>
void jvp_by_vjp(const Node<T>& node, const JvpContext<T>& ctx) {
  // J·t is the gradient with respect to u of Σ_k ⟨vjp_k(u), t_k⟩, since vjp_k(u) = J_kᵀu: record
  // the vjp with u as the one variable, then differentiate that sum once.
  Tape<T> tape;
  const TapeGuard<T> on_tape(tape);
  const GradModeGuard recording(true);
  const std::size_t n = node.num_inputs();
  std::vector<Var<T>> inputs, grads(n);
  std::vector<char> needed(n, 0);
  for (std::size_t k = 0; k < n; ++k) {
    inputs.push_back(view_of(tape, node.input(k)));
    needed[k] = ctx.input_tangent(k) != nullptr ? 1 : 0;
  }
  const Shape& out_shape = node.output().shape;
  const Var<T> u = tape.variable(Tensor<T>(out_shape), true, "u");
  const VjpContext<T> rule(node, u, std::span<Var<T>>(inputs), view_of(tape, node.output()),
                           std::span<Var<T>>(grads), std::span<const char>(needed));
  node.vjp(rule);
  rule.check_complete();
  Var<T> total;
  for (std::size_t k = 0; k < n; ++k) {
    if (!needed[k]) continue;
    const Var<T> pairing =
        sum(mul(grads[k], tape.constant_view(grads[k].shape(), ctx.input_tangent(k))));
    total = total.defined() ? add(total, pairing) : pairing;
  }
  if (!total.defined() || !total.requires_grad()) return;  // no input's tangent reaches y
  total.backward();
  const std::span<const T> jt = u.grad();
  T* out = ctx.output_tangent();
  for (std::size_t i = 0; i < jt.size(); ++i) out[i] += jt[i];
}

template void backward_by_vjp(const Node<float>&, const BackwardContext<float>&);
template void backward_by_vjp(const Node<double>&, const BackwardContext<double>&);
template void jvp_by_vjp(const Node<float>&, const JvpContext<float>&);
template void jvp_by_vjp(const Node<double>&, const JvpContext<double>&);

}  // namespace detail
}  // namespace tapegrad
