#include "module_check.hpp"

#include <utility>
#include <vector>

#include "../graph/random.hpp"
#include "dropout.hpp"

namespace tapegrad {
namespace {

// A copy of what a module's training-mode forward changes, put back by restore().
class StateSnapshot {
 public:
  explicit StateSnapshot(Module<double>& module) : default_generator_(default_generator()) {
    for (Buffer<double>& buffer : module.buffers()) {
      if (buffer.is_integer())
        integers_.emplace_back(buffer, buffer.integer_value());
      else
        values_.emplace_back(buffer, buffer.value());
    }
    for (auto& [name, child] : module.named_modules())
      if (auto* dropout = dynamic_cast<Dropout<double>*>(child))
        if (Generator* generator = dropout->options().generator())
          generators_.emplace_back(generator, *generator);
  }
  void restore() {
    for (auto& [buffer, value] : values_) buffer.assign(value);
    for (auto& [buffer, value] : integers_) buffer.assign(value);
    default_generator() = default_generator_;
    for (auto& [generator, state] : generators_) *generator = state;
  }

 private:
  Generator default_generator_;
  std::vector<std::pair<Buffer<double>, Tensor<double>>> values_;
  std::vector<std::pair<Buffer<double>, Tensor<std::int64_t>>> integers_;
  std::vector<std::pair<Generator*, Generator>> generators_;
};

}  // namespace

GradcheckResult gradcheck(Module<double>& module, const std::function<Var<double>()>& f,
                          const GradcheckOptions& options) {
  StateSnapshot snapshot(module);
  std::vector<Parameter<double>> parameters;
  for (const Parameter<double>& p : module.parameters())
    if (p.requires_grad()) parameters.push_back(p);
  GradcheckResult result;
  try {
    result = gradcheck(
        parameters,
        [&] {
          snapshot.restore();
          return f();
        },
        options);
  } catch (...) {
    snapshot.restore();
    throw;
  }
  snapshot.restore();
  return result;
}

}  // namespace tapegrad
