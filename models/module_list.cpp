#include "module_list.hpp"

#include <fmt/format.h>

#include "../graph/errors.hpp"

namespace tapegrad {

template <class T>
const std::shared_ptr<Module<T>>& ModuleList<T>::operator[](std::size_t index) const {
  if (index >= size())
    throw Error(fmt::format("{}: index {} is out of range; it has {} modules", this->name(), index,
                            size()));
  return this->child_at(index);
}

template <class T>
void ModuleList<T>::throw_wrong_type(std::size_t index, const char* wanted) const {
  throw Error(fmt::format("{}: module {} is a {}, not the type asked for ({})", this->name(), index,
                          (*this)[index]->name(), wanted));
}

template class ModuleList<float>;
template class ModuleList<double>;

}  // namespace tapegrad
