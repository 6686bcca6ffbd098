#include "lstm.hpp"

#include "../ops/ops.hpp"

namespace tapegrad {

template <class T>
LSTMCell<T>::LSTMCell(const LSTMCellOptions& options)
    : RecurrentWeights<T>("LSTMCell", 4, options, "") {
  for (const auto& [name, parameter] : this->named()) this->register_parameter(name, parameter);
}

template <class T>
LSTMState<T> LSTMCell<T>::forward(const Var<T>& x, const LSTMState<T>& state) {
  const Shape zeros =
      detail::zero_state_shape("LSTMCell", x.shape(), this->input_size, this->hidden_size);
  for (const Var<T>* part : {&state.h, &state.c})
    if (part->defined())
      detail::check_cell_shapes("LSTMCell", x.shape(), part->shape(), this->input_size,
                                this->hidden_size);
  const Var<T> h = state.h.defined() ? state.h : Var<T>(Tensor<T>(zeros));
  const Var<T> c = state.c.defined() ? state.c : Var<T>(Tensor<T>(zeros));
  return detail::lstm_step(*this, x, {h, c});
}

template <class T>
Var<T> LSTMCell<T>::forward(const Var<T>& x) {
  return forward(x, LSTMState<T>{}).h;
}

template <class T>
LSTM<T>::LSTM(const LSTMOptions& options)
    : RecurrentWeights<T>("LSTM", 4, options.cell(), "_l0"),
      upper_(detail::upper_layers<T>("LSTM", 4, options)),
      batch_first_(options.batch_first()),
      dropout_(options.dropout()) {
  for (const auto& [name, parameter] : this->named()) this->register_parameter(name, parameter);
  for (const RecurrentWeights<T>& layer : upper_)
    for (const auto& [name, parameter] : layer.named()) this->register_parameter(name, parameter);
}

template <class T>
void LSTM<T>::reset_parameters(Generator& generator) {
  this->reset(generator);
  for (RecurrentWeights<T>& layer : upper_) layer.reset(generator);
}

template <class T>
LSTMOutput<T> LSTM<T>::forward(const Var<T>& x, const LSTMState<T>& state) {
  const detail::SequenceLayout layout("LSTM", x.shape(), this->input_size, batch_first_,
                                      num_layers());
  if (state.c.defined())  // both checked before either is recorded
    detail::check_initial_state("LSTM", "c_0", state.c.shape(), layout, this->hidden_size);
  const std::vector<Var<T>> h_0 =
      detail::initial_state("LSTM", "h_0", state.h, layout, this->hidden_size);
  const std::vector<Var<T>> c_0 =
      detail::initial_state("LSTM", "c_0", state.c, layout, this->hidden_size);
  std::vector<Var<T>> inputs = detail::time_steps(x, layout), h_n, c_n;
  for (std::size_t k = 0; k < num_layers(); ++k) {  // each layer's outputs are the next's inputs
    const RecurrentWeights<T>& weights = k == 0 ? *this : upper_[k - 1];
    LSTMState<T> s{h_0[k], c_0[k]};
    for (Var<T>& x_t : inputs) {
      s = detail::lstm_step(weights, x_t, s);
      x_t = s.h;
    }
    h_n.push_back(s.h);
    c_n.push_back(s.c);
    if (k + 1 < num_layers()) detail::drop_between_layers(inputs, dropout_, this->is_training());
  }
  return {stack(std::span<const Var<T>>(inputs), layout.time_dim),
          stack(std::span<const Var<T>>(h_n), 0), stack(std::span<const Var<T>>(c_n), 0)};
}

template class LSTMCell<float>;
template class LSTMCell<double>;
template class LSTM<float>;
template class LSTM<double>;

}  // namespace tapegrad
