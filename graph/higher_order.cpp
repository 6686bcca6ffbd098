// The reverse pass as a function (grad), recorded when asked so it can be differentiated again,
// and forward mode (jvp), both sweeping the tape's recorded nodes by position; hvp, hessian and
// jacobian on top. See graph/higher_order.hpp.
#include "higher_order.hpp"

#include <fmt/format.h>

#include <unordered_map>
#include <unordered_set>

#include "../ops/ops.hpp"
#include "errors.hpp"
#include "node.hpp"

namespace tapegrad {

template <class T>
void VjpContext<T>::add_input_grad(std::size_t k, Var<T> g) const {
  if (!needs_grad(k)) return;
  if (!(g.shape() == inputs_[k].shape()))
    throw ContractError(
        fmt::format("{} (op {} on the tape): vjp produced a gradient of shape {} for input {}, "
                    "whose shape is {} (a bug in the op's vjp)",
                    node_.name(), node_.position(), g.shape().str(), k, inputs_[k].shape().str()));
  Var<T>& sum = input_grads_[k];
  sum = sum.defined() ? add(sum, g) : std::move(g);
}

template <class T>
void VjpContext<T>::check_complete() const {
  for (std::size_t k = 0; k < inputs_.size(); ++k)
    if (needs_grad(k) && !input_grads_[k].defined())
      throw ContractError(
          fmt::format("{} (op {} on the tape): vjp gave no gradient for input {}, which needs one "
                      "(a bug in the op's vjp)",
                      node_.name(), node_.position(), k));
}

namespace {

template <class T>
Var<T> filled(const Shape& shape, T value) {
  Tensor<T> t(shape);
  for (T& v : t.values()) v = value;
  return Var<T>(t);
}

// The node's vector-Jacobian product by its own backward (a fused kernel, or its vjp run), into
// zeroed buffers for the needed inputs, as constants.
template <class T>
void first_order_contributions(const Node<T>& node, const Var<T>& grad_out,
                               std::span<const char> needed, std::vector<Tensor<T>>& scratch,
                               std::vector<Var<T>>& contributions) {
  scratch.resize(node.num_inputs());
  std::vector<T*> buffers(node.num_inputs(), nullptr);
  for (std::size_t k = 0; k < node.num_inputs(); ++k)
    if (needed[k]) {
      scratch[k] = Tensor<T>(node.input(k).shape);
      buffers[k] = scratch[k].data();
    }
  node.backward(BackwardContext<T>(node, grad_out.data().data(), buffers));
  for (std::size_t k = 0; k < node.num_inputs(); ++k)
    if (buffers[k] != nullptr) contributions[k] = Var<T>(scratch[k]);
}

// The values on the tape up to `top` that depend on one of `inputs`: the reverse pass needs
// gradients for these only.
template <class T>
std::unordered_set<const Value<T>*> dependents(const Tape<T>& tape, const Node<T>& top,
                                               std::span<const Var<T>> inputs) {
  std::unordered_set<const Value<T>*> depends;
  for (const Var<T>& input : inputs) depends.insert(input.value());
  for (std::size_t position = 0; position <= top.position(); ++position) {
    const Node<T>& node = *tape.nodes()[position];
    for (const Value<T>* in : node.inputs())
      if (depends.contains(in)) {
        depends.insert(&node.output());
        break;
      }
  }
  return depends;
}

}  // namespace

template <class T>
std::vector<Var<T>> grad(const Var<T>& output, std::span<const Var<T>> inputs,
                         const GradOptions& options, const Var<T>& grad_output) {
  Tape<T>& tape = Tape<T>::current();
  tape.check_input(output, "grad", 0);
  for (std::size_t k = 0; k < inputs.size(); ++k) tape.check_input(inputs[k], "grad", k + 1);
  if (grad_output.defined()) {
    tape.check_input(grad_output, "grad", inputs.size() + 1);
    if (!(grad_output.shape() == output.shape()))
      throw ShapeError(fmt::format("grad: grad_output of shape {} for an output of shape {}",
                                   grad_output.shape().str(), output.shape().str()));
  }
  for (std::size_t k = 0; k < inputs.size(); ++k)
    if (!inputs[k].requires_grad())
      throw Error(fmt::format(
          "grad: input {} does not require a gradient (a constant, or a variable made with "
          "requires_grad false), so none is computed for it",
          k));
  // With create_graph the reverse pass is recorded (even inside a NoGradGuard); without it the
  // ops below compute values only.
  const GradModeGuard mode(options.create_graph);

  std::unordered_map<const Value<T>*, Var<T>> grads;
  grads.emplace(output.value(), grad_output.defined() ? grad_output : filled(output.shape(), T(1)));
  if (const Node<T>* top = output.value()->producer; top != nullptr) {
    const auto depends = dependents(tape, *top, inputs);
    std::vector<Var<T>> in, contributions;
    std::vector<char> needed;
    std::vector<Tensor<T>> scratch;
    // Ops recorded by this loop go after the output's op, so the loop never reaches them; the
    // tape's node list may grow (and move), so each node is fetched by its position.
    for (std::size_t position = top->position() + 1; position-- > 0;) {
      const Node<T>& node = *tape.nodes()[position];
      if (!depends.contains(&node.output())) continue;
      const auto found = grads.find(&node.output());
      if (found == grads.end()) continue;
      const Var<T> grad_out = found->second;
      in.clear();
      needed.assign(node.num_inputs(), 0);
      for (std::size_t k = 0; k < node.num_inputs(); ++k) {
        in.push_back(tape.var_of(node.inputs()[k]));
        needed[k] = depends.contains(node.inputs()[k]) ? 1 : 0;
      }
      contributions.assign(node.num_inputs(), Var<T>());
      if (options.create_graph) {
        const VjpContext<T> ctx(node, grad_out, std::span<Var<T>>(in.data(), in.size()),
                                tape.var_of(&node.output()),
                                std::span<Var<T>>(contributions.data(), in.size()),
                                std::span<const char>(needed.data(), needed.size()));
        node.vjp(ctx);
        ctx.check_complete();
      } else {
        first_order_contributions(node, grad_out,
                                  std::span<const char>(needed.data(), needed.size()), scratch,
                                  contributions);
      }
      for (std::size_t k = 0; k < node.num_inputs(); ++k) {
        if (!contributions[k].defined()) continue;
        Var<T>& sum = grads[node.inputs()[k]];
        sum = sum.defined() ? add(sum, contributions[k]) : contributions[k];
      }
    }
  }
  std::vector<Var<T>> result;
  result.reserve(inputs.size());
  for (const Var<T>& input : inputs) {
    const auto found = grads.find(input.value());
    result.push_back(found != grads.end() ? found->second : filled(input.shape(), T(0)));
  }
  return result;
}

template <class T>
Tensor<T> hvp(const ScalarFunction<T>& f, const Tensor<T>& x, const Tensor<T>& v) {
  if (!(v.shape() == x.shape()))
    throw ShapeError(
        fmt::format("hvp: v of shape {} for x of shape {}", v.shape().str(), x.shape().str()));
  Tape<T> tape;
  TapeGuard<T> guard(tape);
  const GradModeGuard recording(true);  // f must be recorded, whatever the caller's mode
  const Var<T> xv = tape.variable(x, true, "x");
  const Var<T> y = f(xv);
  tape.check_input(y, "hvp", 0);
  if (y.size() != 1)
    throw ShapeError(fmt::format("hvp: f(x) must have one element, got shape {}", y.shape().str()));
  const Var<T> g = grad(y, {xv}, {.create_graph = true})[0];
  return grad(sum(mul(g, Var<T>(v))), {xv})[0].to_tensor();
}

template <class T>
Tensor<T> hessian(const ScalarFunction<T>& f, const Tensor<T>& x) {
  const std::size_t n = x.size();
  Tape<T> tape;
  TapeGuard<T> guard(tape);
  const GradModeGuard recording(true);
  const Var<T> xv = tape.variable(x, true, "x");
  const Var<T> y = f(xv);
  tape.check_input(y, "hessian", 0);
  if (y.size() != 1)
    throw ShapeError(
        fmt::format("hessian: f(x) must have one element, got shape {}", y.shape().str()));
  const Var<T> g = grad(y, {xv}, {.create_graph = true})[0];
  Tensor<T> h(Shape{n, n});
  Tensor<T> unit(g.shape());
  for (std::size_t i = 0; i < n; ++i) {
    unit.values()[i] = T(1);
    // Row i: ∂(∇f)_i/∂x, the gradient of e_iᵀ∇f (grad_output e_i picks element i). What the
    // row's pass puts on the tape is given back after it, so memory does not grow with n.
    const auto mark = tape.mark();
    const Tensor<T> row = grad(g, {xv}, {}, Var<T>(unit))[0].to_tensor();
    tape.rewind(mark);
    unit.values()[i] = T(0);
    std::copy(row.values().begin(), row.values().end(), h.values().begin() + i * n);
  }
  return h;
}

template <class T>
Tensor<T> jacobian(const std::function<Var<T>(const Var<T>&)>& f, const Tensor<T>& x) {
  const std::size_t n = x.size();
  Tape<T> tape;
  TapeGuard<T> guard(tape);
  const GradModeGuard recording(true);
  const Var<T> xv = tape.variable(x, true, "x");
  const Var<T> y = f(xv);
  tape.check_input(y, "jacobian", 0);
  const std::size_t m = y.size();
  Tensor<T> j(Shape{m, n});
  Tensor<T> unit(y.shape());
  for (std::size_t i = 0; i < m; ++i) {
    unit.values()[i] = T(1);
    const auto mark = tape.mark();
    const Tensor<T> row = grad(y, {xv}, {}, Var<T>(unit))[0].to_tensor();
    tape.rewind(mark);
    unit.values()[i] = T(0);
    std::copy(row.values().begin(), row.values().end(), j.values().begin() + i * n);
  }
  return j;
}

template <class T>
JvpResult<T> jvp(const std::function<Var<T>(std::span<const Var<T>>)>& f,
                 std::span<const Tensor<T>> x, std::span<const Tensor<T>> v) {
  if (x.size() != v.size())
    throw ShapeError(fmt::format("jvp: {} inputs but {} tangents", x.size(), v.size()));
  Tape<T> tape;
  TapeGuard<T> guard(tape);
  const GradModeGuard recording(true);  // f's ops must be recorded for the sweep to see them
  std::vector<Var<T>> vars;
  std::unordered_map<const Value<T>*, std::vector<T>> tangents;
  for (std::size_t k = 0; k < x.size(); ++k) {
    if (!(v[k].shape() == x[k].shape()))
      throw ShapeError(fmt::format("jvp: tangent {} has shape {}, its input {}", k,
                                   v[k].shape().str(), x[k].shape().str()));
    vars.push_back(tape.variable(x[k], true));
    tangents[vars.back().value()].assign(v[k].values().begin(), v[k].values().end());
  }
  const Var<T> out = f(vars);
  tape.check_input(out, "jvp", 0);
  if (const Node<T>* top = out.value()->producer; top != nullptr) {
    std::vector<const T*> in;
    for (std::size_t position = 0; position <= top->position(); ++position) {
      const Node<T>& node = *tape.nodes()[position];
      in.assign(node.num_inputs(), nullptr);
      bool any = false;
      for (std::size_t k = 0; k < node.num_inputs(); ++k)
        if (const auto found = tangents.find(node.inputs()[k]); found != tangents.end()) {
          in[k] = found->second.data();
          any = true;
        }
      if (!any) continue;  // nothing varies here: the output's tangent is 0
      std::vector<T> t(node.output().size(), T(0));
      node.jvp(JvpContext<T>(std::span<const T* const>(in.data(), in.size()), t.data()));
      tangents[&node.output()] = std::move(t);
    }
  }
  JvpResult<T> result{out.to_tensor(), Tensor<T>(out.shape())};
  if (const auto found = tangents.find(out.value()); found != tangents.end())
    std::copy(found->second.begin(), found->second.end(), result.tangent.values().begin());
  return result;
}

template JvpResult<float> jvp(const std::function<Var<float>(std::span<const Var<float>>)>&,
                              std::span<const Tensor<float>>, std::span<const Tensor<float>>);
template JvpResult<double> jvp(const std::function<Var<double>(std::span<const Var<double>>)>&,
                               std::span<const Tensor<double>>, std::span<const Tensor<double>>);
template class VjpContext<float>;
template class VjpContext<double>;
template std::vector<Var<float>> grad(const Var<float>&, std::span<const Var<float>>,
                                      const GradOptions&, const Var<float>&);
template std::vector<Var<double>> grad(const Var<double>&, std::span<const Var<double>>,
                                       const GradOptions&, const Var<double>&);
template Tensor<float> hvp(const ScalarFunction<float>&, const Tensor<float>&,
                           const Tensor<float>&);
template Tensor<double> hvp(const ScalarFunction<double>&, const Tensor<double>&,
                            const Tensor<double>&);
template Tensor<float> hessian(const ScalarFunction<float>&, const Tensor<float>&);
template Tensor<double> hessian(const ScalarFunction<double>&, const Tensor<double>&);
template Tensor<float> jacobian(const std::function<Var<float>(const Var<float>&)>&,
                                const Tensor<float>&);
template Tensor<double> jacobian(const std::function<Var<double>(const Var<double>&)>&,
                                 const Tensor<double>&);

}  // namespace tapegrad
