#include "module_list.hpp"

#include <cxxabi.h>
#include <fmt/format.h>

#include <cstdlib>
#include <string>

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
void ModuleList<T>::throw_wrong_type(std::size_t index, const std::type_info& wanted) const {
  int status = 0;
  char* demangled = abi::__cxa_demangle(wanted.name(), nullptr, nullptr, &status);
  const std::string wanted_name = status == 0 && demangled != nullptr ? demangled : wanted.name();
  std::free(demangled);  // NOLINT(cppcoreguidelines-no-malloc): __cxa_demangle's buffer
  throw Error(fmt::format("{}: module {} is a {}, not the type asked for ({})", this->name(), index,
                          (*this)[index]->name(), wanted_name));
}

template class ModuleList<float>;
template class ModuleList<double>;

}  // namespace tapegrad
