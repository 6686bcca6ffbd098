#include "module.hpp"

#include <cxxabi.h>
#include <fmt/format.h>

#include <cstdlib>
#include <typeinfo>
#include <unordered_set>

#include "../graph/errors.hpp"

namespace tapegrad {
namespace {

std::string joined(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "." + name;
}

}  // namespace

template <class T>
Var<T> Module<T>::forward(const Var<T>&) {
  throw Error(fmt::format("{} has no forward(x); call its children", name()));
}

template <class T>
std::string Module<T>::name() const {
  const char* mangled = typeid(*this).name();
  int status = 0;
  char* demangled = abi::__cxa_demangle(mangled, nullptr, nullptr, &status);
  std::string result = status == 0 && demangled != nullptr ? demangled : mangled;
  std::free(demangled);  // NOLINT(cppcoreguidelines-no-malloc): __cxa_demangle's buffer
  return result;
}

template <class T>
template <class Visit>
void Module<T>::walk(std::string prefix, bool once, Visit&& visit) const {
  std::unordered_set<const Module*> seen;
  // Depth first without recursion, children in registration order: a stack of (prefix, module).
  std::vector<std::pair<std::string, const Module*>> stack{{std::move(prefix), this}};
  while (!stack.empty()) {
    auto [at, module] = std::move(stack.back());
    stack.pop_back();
    if (once && !seen.insert(module).second) continue;
    visit(at, *module);
    for (auto child = module->children_.rbegin(); child != module->children_.rend(); ++child)
      stack.emplace_back(joined(at, child->first), child->second.get());
  }
}

template <class T>
std::vector<std::pair<std::string, Parameter<T>>> Module<T>::named_parameters(bool recurse) const {
  if (!recurse) return parameters_;
  std::vector<std::pair<std::string, Parameter<T>>> result;
  walk({}, true, [&](const std::string& prefix, const Module& module) {
    for (const auto& [name, parameter] : module.parameters_)
      result.emplace_back(joined(prefix, name), parameter);
  });
  return result;
}

template <class T>
std::vector<Parameter<T>> Module<T>::parameters(bool recurse) const {
  std::vector<Parameter<T>> result;
  for (auto& [name, parameter] : named_parameters(recurse)) result.push_back(std::move(parameter));
  return result;
}

template <class T>
std::vector<std::pair<std::string, Buffer<T>>> Module<T>::named_buffers(bool recurse) const {
  if (!recurse) return buffers_;
  std::vector<std::pair<std::string, Buffer<T>>> result;
  walk({}, true, [&](const std::string& prefix, const Module& module) {
    for (const auto& [name, buffer] : module.buffers_)
      result.emplace_back(joined(prefix, name), buffer);
  });
  return result;
}

template <class T>
std::vector<Buffer<T>> Module<T>::buffers(bool recurse) const {
  std::vector<Buffer<T>> result;
  for (auto& [name, buffer] : named_buffers(recurse)) result.push_back(std::move(buffer));
  return result;
}

template <class T>
std::vector<std::pair<std::string, std::shared_ptr<Module<T>>>> Module<T>::named_children() const {
  return children_;
}

template <class T>
std::vector<std::shared_ptr<Module<T>>> Module<T>::children() const {
  std::vector<std::shared_ptr<Module>> result;
  for (const auto& [name, child] : children_) result.push_back(child);
  return result;
}

template <class T>
std::vector<std::pair<std::string, const Module<T>*>> Module<T>::named_modules() const {
  std::vector<std::pair<std::string, const Module*>> result;
  walk({}, true, [&](const std::string& prefix, const Module& module) {
    result.emplace_back(prefix, &module);
  });
  return result;
}

template <class T>
std::vector<std::pair<std::string, Module<T>*>> Module<T>::named_modules() {
  std::vector<std::pair<std::string, Module*>> result;
  for (const auto& [name, module] : std::as_const(*this).named_modules())
    result.emplace_back(name, const_cast<Module*>(module));  // *this is not const
  return result;
}

template <class T>
std::vector<std::pair<std::string, typename Module<T>::StateTensor>> Module<T>::state_dict() const {
  std::vector<std::pair<std::string, StateTensor>> result;
  walk({}, false, [&](const std::string& prefix, const Module& module) {
    for (const auto& [name, parameter] : module.parameters_)
      result.emplace_back(joined(prefix, name), parameter);
    for (std::size_t i = 0; i < module.buffers_.size(); ++i)
      if (module.buffer_persistent_[i])
        result.emplace_back(joined(prefix, module.buffers_[i].first), module.buffers_[i].second);
  });
  return result;
}

template <class T>
void Module<T>::train(bool on) {
  training_ = on;
  for (const auto& [name, child] : children_) child->train(on);
}

template <class T>
void Module<T>::set_requires_grad(bool requires_grad) {
  for (auto& parameter : parameters()) parameter.set_requires_grad(requires_grad);
}

template <class T>
void Module<T>::zero_grad() {
  for (auto& parameter : parameters()) parameter.zero_grad();
}

template <class T>
void Module<T>::claim_name(const std::string& name, std::string_view what, std::size_t position) {
  if (name.empty()) throw Error(fmt::format("{}: the name is empty", what));
  if (name.find('.') != std::string::npos)
    throw Error(fmt::format("{}: '{}' contains a '.'; dots separate the names of nested modules",
                            what, name));
  if (!names_.insert(name, position))
    throw Error(fmt::format(
        "{}: '{}' is already a parameter, buffer or child of this {}; use replace_module to "
        "replace a child",
        what, name, this->name()));
}

template <class T>
Parameter<T> Module<T>::register_parameter(std::string name, const Parameter<T>& parameter) {
  if (!parameter.defined())
    throw Error(fmt::format("register_parameter: '{}' is an undefined Parameter", name));
  claim_name(name, "register_parameter", kNotAChild);
  parameters_.emplace_back(std::move(name), parameter);
  return parameter;
}

template <class T>
Buffer<T> Module<T>::register_buffer(std::string name, Buffer<T> buffer, bool persistent) {
  if (!buffer.defined())
    throw Error(fmt::format("register_buffer: '{}' is an undefined Buffer", name));
  claim_name(name, "register_buffer", kNotAChild);
  buffers_.emplace_back(std::move(name), buffer);
  buffer_persistent_.push_back(persistent);
  return buffer;
}

template <class T>
void Module<T>::add_child(std::string name, std::shared_ptr<Module> child) {
  if (child == nullptr) throw Error(fmt::format("register_module: '{}' is a null module", name));
  claim_name(name, "register_module", children_.size());
  children_.emplace_back(std::move(name), std::move(child));
}

template <class T>
void Module<T>::replace_child(const std::string& name, std::shared_ptr<Module> child) {
  if (child == nullptr) throw Error(fmt::format("replace_module: '{}' is a null module", name));
  const std::optional<std::size_t> position = names_.find(name);
  if (!position || *position == kNotAChild)
    throw Error(fmt::format("replace_module: this {} has no child '{}'; register it first",
                            this->name(), name));
  children_[*position].second = std::move(child);
}

template class Module<float>;
template class Module<double>;

}  // namespace tapegrad
