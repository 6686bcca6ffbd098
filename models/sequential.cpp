#include "sequential.hpp"

namespace tapegrad {

template <class T>
Var<T> Sequential<T>::forward(const Var<T>& x) {
  Var<T> h = x;
  for (std::size_t k = 0; k < this->size(); ++k) h = (*this)[k]->forward(h);
  return h;
}

template class Sequential<float>;
template class Sequential<double>;

}  // namespace tapegrad
