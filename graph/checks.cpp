#include "checks.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <optional>

#include "hot.hpp"
#include "node.hpp"

namespace tapegrad {

namespace {

// TAPEGRAD_CONTRACT_CHECKS=1 turns the checks on in every thread that has not set them, read
// once per process; any other value, or none, leaves them off.
bool checks_from_environment() {
  static const bool on = [] {
    const char* value = std::getenv("TAPEGRAD_CONTRACT_CHECKS");
    return value != nullptr && std::string_view(value) == "1";
  }();
  return on;
}

thread_local bool contract_checks = checks_from_environment();

}  // namespace

TAPEGRAD_HOT bool ContractChecks::enabled() {
  return contract_checks;
}
void ContractChecks::set_enabled(bool enabled) {
  contract_checks = enabled;
}

namespace detail {

template <class T>
std::optional<std::size_t> first_non_finite(const T* data, std::size_t n) {
  if (data == nullptr) return std::nullopt;
  for (std::size_t i = 0; i < n; ++i)
    if (!std::isfinite(data[i])) return i;
  return std::nullopt;
}

// "nan" (whatever its sign bit), "inf", "-inf".
template <class T>
std::string spell(T x) {
  return std::isnan(x) ? "nan" : fmt::format("{}", static_cast<double>(x));
}

template <class T>
std::string describe_non_finite(const T* data, const Shape& shape) {
  const std::optional<std::size_t> bad = first_non_finite(data, shape.size());
  if (!bad) return "finite";
  return fmt::format("non-finite (element {} is {})", shape.index_str(*bad), spell(data[*bad]));
}

template <class T>
std::string describe_inputs(std::span<Value<T>* const> inputs) {
  std::string text;
  bool any = false;
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    const std::string state = describe_non_finite(inputs[k]->data, inputs[k]->shape);
    any = any || state != "finite";
    text += fmt::format("\n  input {}: {}, values {}", k, inputs[k]->shape.str(), state);
  }
  text += any ? "\n  (an input was non-finite already: look at the op that computed it, or at "
                "the data)"
              : "\n  (every input was finite: this op made the first NaN or infinity)";
  return text;
}

std::string where(std::size_t position, bool recorded) {
  return recorded ? fmt::format("op {} on the tape", position)
                  : std::string("not recorded: no input needs a gradient");
}

// "element [1,0] of [4,2] is nan", or for a scalar "its value is nan".
template <class T>
std::string which_element(const Shape& shape, std::size_t flat, T value) {
  if (shape.rank() == 0) return fmt::format("its value is {}", spell(value));
  return fmt::format("element {} of {} is {}", shape.index_str(flat), shape.str(), spell(value));
}

template <class T>
void check_forward_finite(std::string_view op, std::size_t position, bool recorded,
                          std::span<Value<T>* const> inputs, const Value<T>& output) {
  const std::optional<std::size_t> bad = first_non_finite(output.data, output.size());
  if (!bad) return;
  throw AnomalyError(
      fmt::format("anomaly: the forward of {} ({}) gave a non-finite output: {}{}", op,
                  where(position, recorded), which_element(output.shape, *bad, output.data[*bad]),
                  describe_inputs(inputs)),
      AnomalyError::Phase::kForward, std::string(op), position);
}

template <class T>
void check_backward_finite(const Node<T>& node, std::span<T* const> buffers, bool before) {
  for (std::size_t k = 0; k < buffers.size(); ++k) {
    const Value<T>& in = node.input(k);
    const std::optional<std::size_t> bad = first_non_finite(buffers[k], in.size());
    if (!bad) continue;
    const std::string what =
        before ? fmt::format(
                     "the gradient of its input {} was non-finite before its backward ran "
                     "(element {} is {}): left from an earlier backward without zero_grad()?",
                     k, in.shape.index_str(*bad), spell(buffers[k][*bad]))
               : fmt::format("gave a non-finite gradient for input {}: {}", k,
                             which_element(in.shape, *bad, buffers[k][*bad]));
    throw AnomalyError(
        fmt::format("anomaly: the backward of {} (op {} on the tape) {}\n  gradient flowing "
                    "into its output {}: {}{}",
                    node.name(), node.position(), what, node.output().shape.str(),
                    describe_non_finite(node.output().grad, node.output().shape),
                    describe_inputs(node.inputs())),
        AnomalyError::Phase::kBackward, std::string(node.name()), node.position());
  }
}

template <class T>
void check_seed_finite(const Value<T>& root, std::size_t position) {
  const std::optional<std::size_t> bad = first_non_finite(root.grad, root.size());
  if (!bad) return;
  throw AnomalyError(fmt::format("anomaly: the seed gradient of backward is non-finite: {}",
                                 which_element(root.shape, *bad, root.grad[*bad])),
                     AnomalyError::Phase::kBackward, "backward", position);
}

template void check_forward_finite<float>(std::string_view, std::size_t, bool,
                                          std::span<Value<float>* const>, const Value<float>&);
template void check_forward_finite<double>(std::string_view, std::size_t, bool,
                                           std::span<Value<double>* const>, const Value<double>&);
template void check_backward_finite<float>(const Node<float>&, std::span<float* const>, bool);
template void check_backward_finite<double>(const Node<double>&, std::span<double* const>, bool);
template void check_seed_finite<float>(const Value<float>&, std::size_t);
template void check_seed_finite<double>(const Value<double>&, std::size_t);

}  // namespace detail

}  // namespace tapegrad
