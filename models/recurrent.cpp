#include "recurrent.hpp"

#include <fmt/format.h>

#include <cmath>

#include "../graph/errors.hpp"
#include "../ops/ops.hpp"

namespace tapegrad {

template <class T>
RecurrentWeights<T>::RecurrentWeights(std::string_view module, std::size_t gates,
                                      const RecurrentCellOptions& options, std::string_view suffix)
    : input_size(options.input_size()), hidden_size(options.hidden_size()) {
  if (input_size == 0 || hidden_size == 0)
    throw Error(fmt::format("{}: input_size and hidden_size must be > 0, got ({}, {})", module,
                            input_size, hidden_size));
  const std::size_t rows = gates * hidden_size;
  weight_ih = Parameter<T>(Tensor<T>(Shape{rows, input_size}), fmt::format("weight_ih{}", suffix));
  weight_hh = Parameter<T>(Tensor<T>(Shape{rows, hidden_size}), fmt::format("weight_hh{}", suffix));
  if (options.bias()) {
    bias_ih = Parameter<T>(Tensor<T>(Shape{rows}), fmt::format("bias_ih{}", suffix));
    bias_hh = Parameter<T>(Tensor<T>(Shape{rows}), fmt::format("bias_hh{}", suffix));
  }
  reset(options.generator() ? *options.generator() : default_generator());
}

template <class T>
void RecurrentWeights<T>::reset(Generator& generator) {
  // torch.nn.RNNBase and RNNCellBase: init.uniform_(w, −stdv, stdv) for every parameter in
  // registration order, stdv = 1/√hidden_size.
  const double bound = 1.0 / std::sqrt(static_cast<double>(hidden_size));
  for (Parameter<T>* p : {&weight_ih, &weight_hh, &bias_ih, &bias_hh})
    if (p->defined()) p->assign(uniform_tensor(p->shape(), T(-bound), T(bound), generator));
}

template <class T>
std::vector<std::pair<std::string, Parameter<T>>> RecurrentWeights<T>::named() const {
  std::vector<std::pair<std::string, Parameter<T>>> result;
  for (const Parameter<T>* p : {&weight_ih, &weight_hh, &bias_ih, &bias_hh})
    if (p->defined()) result.emplace_back(p->name(), *p);
  return result;
}

namespace detail {

namespace {

// A bias as a Var: undefined (no term) for a cell built with bias(false).
template <class T>
Var<T> optional_var(const Parameter<T>& p) {
  return p.defined() ? p.var() : Var<T>();
}

}  // namespace

Shape check_cell_shapes(std::string_view module, const Shape& x, const Shape& h,
                        std::size_t input_size, std::size_t hidden_size) {
  const bool batched = x.rank() == 2;
  const bool ok = (x.rank() == 1 || batched) && x[x.rank() - 1] == input_size &&
                  h.rank() == x.rank() && h[h.rank() - 1] == hidden_size &&
                  (!batched || h[0] == x[0]);
  if (!ok)
    throw ShapeError(fmt::format(
        "{}: input {} and state {}: expected input [N, {}] with state [N, {}], or [{}] with [{}]",
        module, x.str(), h.str(), input_size, hidden_size, input_size, hidden_size));
  return h;
}

Shape zero_state_shape(std::string_view module, const Shape& x, std::size_t input_size,
                       std::size_t hidden_size) {
  const Shape h = x.rank() == 2 ? Shape{x[0], hidden_size} : Shape{hidden_size};
  return check_cell_shapes(module, x, h, input_size, hidden_size);
}

template <class T>
Var<T> gru_step(const RecurrentWeights<T>& w, const Var<T>& x, const Var<T>& h) {
  const std::vector<Var<T>> gi = chunk(linear(x, w.weight_ih, optional_var(w.bias_ih)), 3, -1);
  const std::vector<Var<T>> gh = chunk(linear(h, w.weight_hh, optional_var(w.bias_hh)), 3, -1);
  // gi and gh hold the rows of the gates r, z, n in that order (torch's).
  const Var<T> r = sigmoid(add(gi[0], gh[0]));
  const Var<T> z = sigmoid(add(gi[1], gh[1]));
  const Var<T> n = tanh(add(gi[2], mul(r, gh[2])));
  return add(mul(sub(T(1), z), n), mul(z, h));  // h' = (1 − z) ⊙ n + z ⊙ h
}

template <class T>
LSTMState<T> lstm_step(const RecurrentWeights<T>& w, const Var<T>& x, const LSTMState<T>& state) {
  const Var<T> gates = add(linear(x, w.weight_ih, optional_var(w.bias_ih)),
                           linear(state.h, w.weight_hh, optional_var(w.bias_hh)));
  const std::vector<Var<T>> g = chunk(gates, 4, -1);  // i, f, g, o (torch's order)
  const Var<T> c = add(mul(sigmoid(g[1]), state.c), mul(sigmoid(g[0]), tanh(g[2])));
  return {mul(sigmoid(g[3]), tanh(c)), c};  // h' = o ⊙ tanh(c'), c' = f ⊙ c + i ⊙ g
}

SequenceLayout::SequenceLayout(std::string_view module, const Shape& x, std::size_t input_size,
                               bool batch_first, std::size_t layers)
    : layers(layers) {
  batched = x.rank() == 3;
  if ((x.rank() != 2 && !batched) || x[x.rank() - 1] != input_size)
    throw ShapeError(fmt::format(
        "{}: input {}: expected [T, N, {}] ([N, T, {}] with batch_first) or [T, {}], T ≥ 1", module,
        x.str(), input_size, input_size, input_size));
  time_dim = batched && batch_first ? 1 : 0;
  steps = x[static_cast<std::size_t>(time_dim)];
  batch = batched ? x[batch_first ? 0 : 1] : 1;
  if (steps == 0) throw ShapeError(fmt::format("{}: input {} has no time steps", module, x.str()));
}

Shape SequenceLayout::final_state(std::size_t hidden_size) const {
  return batched ? Shape{layers, batch, hidden_size} : Shape{layers, hidden_size};
}

Shape SequenceLayout::step_state(std::size_t hidden_size) const {
  return batched ? Shape{batch, hidden_size} : Shape{hidden_size};
}

template <class T>
std::vector<Var<T>> time_steps(const Var<T>& x, const SequenceLayout& layout) {
  std::vector<Var<T>> steps = split(x, 1, layout.time_dim);
  for (Var<T>& step : steps) step = squeeze(step, layout.time_dim);
  return steps;
}

void check_initial_state(std::string_view module, std::string_view what, const Shape& given,
                         const SequenceLayout& layout, std::size_t hidden_size) {
  if (!(given == layout.final_state(hidden_size)))
    throw ShapeError(fmt::format("{}: {} {}: expected {} for the input's batch of {}", module, what,
                                 given.str(), layout.final_state(hidden_size).str(), layout.batch));
}

template <class T>
std::vector<Var<T>> initial_state(std::string_view module, std::string_view what,
                                  const Var<T>& given, const SequenceLayout& layout,
                                  std::size_t hidden_size) {
  if (!given.defined())
    return std::vector<Var<T>>(layout.layers, Var<T>(Tensor<T>(layout.step_state(hidden_size))));
  check_initial_state(module, what, given.shape(), layout, hidden_size);
  std::vector<Var<T>> states = split(given, 1, 0);
  for (Var<T>& state : states) state = squeeze(state, 0);
  return states;
}

template <class T>
std::vector<RecurrentWeights<T>> upper_layers(std::string_view module, std::size_t gates,
                                              const RecurrentOptions& options) {
  if (options.num_layers() == 0)
    throw Error(fmt::format("{}: num_layers must be at least 1, got 0", module));
  if (!(options.dropout() >= 0.0 && options.dropout() <= 1.0))
    throw Error(fmt::format("{}: dropout must be in [0, 1], got {}", module, options.dropout()));
  std::vector<RecurrentWeights<T>> layers;
  for (std::size_t k = 1; k < options.num_layers(); ++k)
    layers.emplace_back(module, gates, options.cell(k), fmt::format("_l{}", k));
  return layers;
}

template <class T>
void drop_between_layers(std::vector<Var<T>>& outputs, double p, bool training) {
  if (!training || p == 0.0) return;
  for (Var<T>& output : outputs) output = dropout(output, p, true);
}

template Var<float> gru_step(const RecurrentWeights<float>&, const Var<float>&, const Var<float>&);
template LSTMState<float> lstm_step(const RecurrentWeights<float>&, const Var<float>&,
                                    const LSTMState<float>&);
template std::vector<Var<float>> time_steps(const Var<float>&, const SequenceLayout&);
template std::vector<Var<float>> initial_state(std::string_view, std::string_view,
                                               const Var<float>&, const SequenceLayout&,
                                               std::size_t);
template std::vector<RecurrentWeights<float>> upper_layers(std::string_view, std::size_t,
                                                           const RecurrentOptions&);
template void drop_between_layers(std::vector<Var<float>>&, double, bool);
template Var<double> gru_step(const RecurrentWeights<double>&, const Var<double>&,
                              const Var<double>&);
template LSTMState<double> lstm_step(const RecurrentWeights<double>&, const Var<double>&,
                                     const LSTMState<double>&);
template std::vector<Var<double>> time_steps(const Var<double>&, const SequenceLayout&);
template std::vector<Var<double>> initial_state(std::string_view, std::string_view,
                                                const Var<double>&, const SequenceLayout&,
                                                std::size_t);
template std::vector<RecurrentWeights<double>> upper_layers(std::string_view, std::size_t,
                                                            const RecurrentOptions&);
template void drop_between_layers(std::vector<Var<double>>&, double, bool);

}  // namespace detail

template struct RecurrentWeights<float>;
template struct RecurrentWeights<double>;

}  // namespace tapegrad
