#include "gru.hpp"

#include "../ops/ops.hpp"

namespace tapegrad {

template <class T>
GRUCell<T>::GRUCell(const GRUCellOptions& options)
    : RecurrentWeights<T>("GRUCell", 3, options, "") {
  for (const auto& [name, parameter] : this->named()) this->register_parameter(name, parameter);
}

template <class T>
Var<T> GRUCell<T>::forward(const Var<T>& x, const Var<T>& h) {
  detail::check_cell_shapes("GRUCell", x.shape(), h.shape(), this->input_size, this->hidden_size);
  return detail::gru_step(*this, x, h);
}

template <class T>
Var<T> GRUCell<T>::forward(const Var<T>& x) {
  const Shape state =
      detail::zero_state_shape("GRUCell", x.shape(), this->input_size, this->hidden_size);
  return detail::gru_step(*this, x, Var<T>(Tensor<T>(state)));
}

template <class T>
GRU<T>::GRU(const GRUOptions& options)
    : RecurrentWeights<T>("GRU", 3, options.cell(), "_l0"),
      upper_(detail::upper_layers<T>("GRU", 3, options)),
      batch_first_(options.batch_first()),
      dropout_(options.dropout()) {
  for (const auto& [name, parameter] : this->named()) this->register_parameter(name, parameter);
  for (const RecurrentWeights<T>& layer : upper_)
    for (const auto& [name, parameter] : layer.named()) this->register_parameter(name, parameter);
}

template <class T>
void GRU<T>::reset_parameters(Generator& generator) {
  this->reset(generator);
  for (RecurrentWeights<T>& layer : upper_) layer.reset(generator);
}

template <class T>
GRUOutput<T> GRU<T>::forward(const Var<T>& x, const Var<T>& h_0) {
  const detail::SequenceLayout layout("GRU", x.shape(), this->input_size, batch_first_,
                                      num_layers());
  const std::vector<Var<T>> h_initial =
      detail::initial_state("GRU", "h_0", h_0, layout, this->hidden_size);
  std::vector<Var<T>> inputs = detail::time_steps(x, layout), finals;
  for (std::size_t k = 0; k < num_layers(); ++k) {  // each layer's outputs are the next's inputs
    const RecurrentWeights<T>& weights = k == 0 ? *this : upper_[k - 1];
    Var<T> h = h_initial[k];
    for (Var<T>& x_t : inputs) x_t = h = detail::gru_step(weights, x_t, h);
    finals.push_back(h);
    if (k + 1 < num_layers()) detail::drop_between_layers(inputs, dropout_, this->is_training());
  }
  return {stack(std::span<const Var<T>>(inputs), layout.time_dim),
          stack(std::span<const Var<T>>(finals), 0)};
}

template class GRUCell<float>;
template class GRUCell<double>;
template class GRU<float>;
template class GRU<double>;

}  // namespace tapegrad
