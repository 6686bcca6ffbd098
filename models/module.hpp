// Module<T>: the base of the models, in the style of the PyTorch C++ frontend. A module computes
// forward(x) from its Parameters, which it registers under names in its constructor;
// named_parameters() lists them for optimizers, checkpoints and graph dumps. Copies of a module
// share its parameters, as copies of a Parameter do.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "../graph/parameter.hpp"
#include "../graph/var.hpp"
#include "name_index.hpp"

namespace tapegrad {

template <class T>
class Module {
 public:
  virtual ~Module() = default;

  virtual Var<T> forward(const Var<T>& x) = 0;
  Var<T> operator()(const Var<T>& x) { return forward(x); }

  // The parameters with their names, in registration order: a module's own parameters in the
  // order its constructor registered them ("weight" then "bias" for Linear), and a child's
  // under the child's name and a dot ("layers.0.weight"), in the order the children were added.
  // The Parameters share storage with the module's (graph/parameter.hpp).
  std::vector<std::pair<std::string, Parameter<T>>> named_parameters() const {
    return named_parameters_;
  }
  // The same Parameters, in the same order, without their names.
  std::vector<Parameter<T>> parameters() const;
  // Sets every parameter's gradient to zero: lazily, writing nothing now (Parameter::zero_grad);
  // the next backward pass writes the gradients instead of adding to them.
  void zero_grad();

 protected:
  Module() = default;
  Module(const Module&) = default;
  Module(Module&&) noexcept = default;
  Module& operator=(const Module&) = default;
  Module& operator=(Module&&) noexcept = default;

  // Lists `parameter` under `name`; throws Error if the name is taken (one hash lookup, so a
  // model of n parameters registers them in O(n)). Registered Parameters share storage with the
  // member they came from, so in-place updates (values(), assign()) are seen by both; a member
  // later replaced by a different Parameter object is not.
  void register_parameter(std::string name, const Parameter<T>& parameter);
  // Lists each of `child`'s parameters as "<name>.<its name>".
  void register_module(const std::string& name, const Module& child);

 private:
  std::vector<std::pair<std::string, Parameter<T>>> named_parameters_;
  detail::NameIndex names_;  // positions in named_parameters_
};

extern template class Module<float>;
extern template class Module<double>;

}  // namespace tapegrad
