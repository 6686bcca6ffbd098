// ModuleList<T>: children kept in a list and named by their position, "0", "1", ... as
// torch::nn::ModuleList names them; it has no forward of its own (Sequential<T> adds one).
//
//   ModuleList<float> layers;
//   layers.push_back(std::make_shared<Linear<float>>(LinearOptions(4, 8)));  // "0.weight"
#pragma once

#include <cstddef>
#include <initializer_list>
#include <memory>
#include <string>
#include <typeinfo>

#include "module.hpp"

namespace tapegrad {

template <class T>
class ModuleList : public Module<T> {
 public:
  ModuleList() = default;
  ModuleList(std::initializer_list<std::shared_ptr<Module<T>>> modules) {
    for (const auto& module : modules) push_back(module);
  }

  // Registers `module` as the next child, named by its position; returns it.
  template <class M>
  std::shared_ptr<M> push_back(std::shared_ptr<M> module) {
    return this->register_module(std::to_string(size()), std::move(module));
  }

  std::size_t size() const { return this->child_count(); }
  bool empty() const { return size() == 0; }
  // The child at `index`; throws Error past the end.
  const std::shared_ptr<Module<T>>& operator[](std::size_t index) const;
  // The child at `index` as an M; throws Error past the end or if it is not an M.
  template <class M>
  std::shared_ptr<M> at(std::size_t index) const {
    std::shared_ptr<M> typed = std::dynamic_pointer_cast<M>((*this)[index]);
    if (typed == nullptr) throw_wrong_type(index, typeid(M));
    return typed;
  }

 private:
  [[noreturn]] void throw_wrong_type(std::size_t index, const std::type_info& wanted) const;
};

extern template class ModuleList<float>;
extern template class ModuleList<double>;

}  // namespace tapegrad
