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
    : RecurrentWeights<T>("GRU", 3, options.cell(), "_l0"), batch_first_(options.batch_first()) {
  for (const auto& [name, parameter] : this->named()) this->register_parameter(name, parameter);
}

template <class T>
GRUOutput<T> GRU<T>::forward(const Var<T>& x, const Var<T>& h_0) {
  const detail::SequenceLayout layout("GRU", x.shape(), this->input_size, batch_first_);
  Var<T> h = detail::initial_state("GRU", "h_0", h_0, layout, this->hidden_size);
  std::vector<Var<T>> outputs;
  for (const Var<T>& x_t : detail::time_steps(x, layout)) {
    h = detail::gru_step(*this, x_t, h);
    outputs.push_back(h);
  }
  return {stack(std::span<const Var<T>>(outputs), layout.time_dim), unsqueeze(h, 0)};
}

template class GRUCell<float>;
template class GRUCell<double>;
template class GRU<float>;
template class GRU<double>;

}  // namespace tapegrad
