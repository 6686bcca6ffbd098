// Module<T>: the base of the models, in the style of the PyTorch C++ frontend (torch::nn::Module).
// A module holds its own Parameters and Buffers and its child modules, each registered under a
// name; the lists (named_parameters(), named_buffers(), named_modules(), state_dict()) are built
// by walking this tree when they are asked for, so a child replaced later (replace_module) is
// seen. Names are hierarchical and ordered as torch's state_dict(): per module, its parameters,
// then its buffers, then each child's entries under "<child>.", in registration order
// ("encoder.layers.0.weight"). Copies of a module share its parameters, buffers and children.
//
//   struct Net : Module<float> {
//     Net() { fc = register_module("fc", std::make_shared<Linear<float>>(LinearOptions(4, 2))); }
//     Var<float> forward(const Var<float>& x) override { return relu(fc->forward(x)); }
//     std::shared_ptr<Linear<float>> fc;
//   };
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "../graph/parameter.hpp"
#include "../graph/var.hpp"
#include "buffer.hpp"
#include "name_index.hpp"

namespace tapegrad {

template <class T>
class Module {
 public:
  // One entry of state_dict(): a Parameter or a Buffer, sharing the module's storage.
  using StateTensor = std::variant<Parameter<T>, Buffer<T>>;

  Module() = default;  // an empty module: a container to register children in
  virtual ~Module() = default;

  // The module's computation on one input. The default throws Error naming the module's type:
  // containers with no computation of their own need not write one.
  virtual Var<T> forward(const Var<T>& x);
  Var<T> operator()(const Var<T>& x) { return forward(x); }
  // The module's type as C++ spells it ("tapegrad::Linear<float>"), for messages.
  virtual std::string name() const;

  // The parameters with their names: this module's own in registration order ("weight" then
  // "bias" for Linear), then, with `recurse`, each child's under "<child>." in the order the
  // children were registered. A Parameter reached twice (a child registered under two names) is
  // listed once, under its first name, as torch does. They share storage with the module's.
  std::vector<std::pair<std::string, Parameter<T>>> named_parameters(bool recurse = true) const;
  std::vector<Parameter<T>> parameters(bool recurse = true) const;
  // The buffers the same way.
  std::vector<std::pair<std::string, Buffer<T>>> named_buffers(bool recurse = true) const;
  std::vector<Buffer<T>> buffers(bool recurse = true) const;
  // The direct children, in registration order.
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> named_children() const;
  std::vector<std::shared_ptr<Module>> children() const;
  // This module (named "") and every descendant, depth first in registration order, each once.
  // The pointers are valid while this module lives and the tree is not changed.
  std::vector<std::pair<std::string, Module*>> named_modules();
  std::vector<std::pair<std::string, const Module*>> named_modules() const;
  // Every parameter and buffer under its full name, in torch's state_dict() order: a module's
  // parameters, then its persistent buffers, then its children's entries. Unlike
  // named_parameters(), a tensor reached under two names is listed under both (as torch's
  // state_dict() does).
  std::vector<std::pair<std::string, StateTensor>> state_dict() const;

  // Training mode (the default) or evaluation mode, for this module and all its descendants;
  // modules such as dropout and batch norm read it with is_training().
  virtual void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }
  // Freezes (false) or unfreezes every parameter of this module and its descendants.
  void set_requires_grad(bool requires_grad);
  // Sets every parameter's gradient to zero: lazily, writing nothing now (Parameter::zero_grad);
  // the next backward pass writes the gradients instead of adding to them.
  void zero_grad();

  // Registration, as torch's: a name is not empty, has no '.', and is not taken by another
  // parameter, buffer or child of this module (Error otherwise; register_* never replaces).
  // Registered Parameters and Buffers share storage with the member they came from, so in-place
  // updates (values(), assign()) are seen by both. A buffer registered with persistent = false
  // (torch's persistent=False) is listed by named_buffers() and restored by the module gradcheck,
  // but is not part of state_dict(), so io::save does not write it and io::load neither expects
  // nor accepts it.
  Parameter<T> register_parameter(std::string name, const Parameter<T>& parameter);
  Buffer<T> register_buffer(std::string name, Buffer<T> buffer, bool persistent = true);
  Buffer<T> register_buffer(std::string name, Tensor<T> value, bool persistent = true) {
    return register_buffer(std::move(name), Buffer<T>(std::move(value)), persistent);
  }
  Buffer<T> register_buffer(std::string name, Tensor<std::int64_t> value, bool persistent = true) {
    return register_buffer(std::move(name), Buffer<T>(std::move(value)), persistent);
  }
  // Keeps `child` under `name` and returns it.
  template <class M>
  std::shared_ptr<M> register_module(std::string name, std::shared_ptr<M> child) {
    static_assert(std::is_base_of_v<Module, M>, "register_module: the child must be a Module<T>");
    add_child(std::move(name), child);
    return child;
  }
  // Puts `child` in the place of the child called `name` (its position in the order is kept),
  // as torch's replace_module (and Python's attribute assignment) do; throws Error if there is
  // no such child. Lists made after this see the new child. The caller's own member pointing to
  // the old child, if any, is not changed: assign the returned pointer to it.
  template <class M>
  std::shared_ptr<M> replace_module(const std::string& name, std::shared_ptr<M> child) {
    static_assert(std::is_base_of_v<Module, M>, "replace_module: the child must be a Module<T>");
    replace_child(name, child);
    return child;
  }

 protected:
  Module(const Module&) = default;
  Module(Module&&) noexcept = default;
  Module& operator=(const Module&) = default;
  Module& operator=(Module&&) noexcept = default;

  std::size_t child_count() const { return children_.size(); }
  const std::shared_ptr<Module>& child_at(std::size_t position) const {
    return children_[position].second;
  }

 private:
  void add_child(std::string name, std::shared_ptr<Module> child);
  void replace_child(const std::string& name, std::shared_ptr<Module> child);
  void claim_name(const std::string& name, std::string_view what, std::size_t position);
  // Calls visit(prefix, module) for this module and its descendants, depth first; with `once`, a
  // module reached a second time (registered under two names) is skipped with its subtree.
  template <class Visit>
  void walk(std::string prefix, bool once, Visit&& visit) const;

  std::vector<std::pair<std::string, Parameter<T>>> parameters_;
  std::vector<std::pair<std::string, Buffer<T>>> buffers_;
  std::vector<bool> buffer_persistent_;  // one per entry of buffers_
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  // Every name above; a child's maps to its position in children_, the others to kNotAChild.
  detail::NameIndex names_;
  static constexpr std::size_t kNotAChild = static_cast<std::size_t>(-1);
  bool training_ = true;
};

extern template class Module<float>;
extern template class Module<double>;

}  // namespace tapegrad
