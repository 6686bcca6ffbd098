// Optimizer state in safetensors files (models/io/optimizer_state.hpp).
#include "optimizer_state.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "../../graph/errors.hpp"
#include "detail/safetensors_support.hpp"
#include "scheduler_state.hpp"

namespace tapegrad {

namespace {

using detail::quote_name;
using nlohmann::json;
template <class T>
using NamedParameters = std::vector<std::pair<std::string, Parameter<T>>>;

// A step count from the metadata, refused unless it is a whole number ≥ 0 (get<std::size_t>()
// would wrap a negative one round) and below 2^64 − 1 (the next step would wrap it to 0, where
// Adam's bias correction 1 − β^0 divides by 0).
std::size_t count_from(const json& value, const TensorFile& file, const std::string& what) {
  if (!value.is_number_unsigned())
    throw Error(
        fmt::format("{}optimizer state: the \"optimizer\" metadata is malformed: {} is "
                    "{}, not a whole number ≥ 0",
                    detail::file_prefix(file), what, value.dump()));
  if (value.get<std::uint64_t>() >= std::numeric_limits<std::size_t>::max())
    throw Error(fmt::format(
        "{}optimizer state: the \"optimizer\" metadata is malformed: {} is {}; the next step "
        "would count past 2^64 − 1",
        detail::file_prefix(file), what, value.dump()));
  return value.get<std::size_t>();
}

// The name of each of the optimizer's parameters among the model's (by identity).
template <class T>
std::vector<std::string> parameter_names(const Optimizer<T>& optimizer,
                                         const NamedParameters<T>& named) {
  std::vector<std::string> names;
  for (std::size_t k = 0; k < optimizer.parameters().size(); ++k) {
    const Parameter<T>& parameter = optimizer.parameters()[k];
    const auto found = std::find_if(named.begin(), named.end(),
                                    [&](const auto& pair) { return pair.second == parameter; });
    if (found == named.end())
      throw Error(fmt::format(
          "optimizer state: the optimizer's parameter {} (shape {}) is not one of the model's {} "
          "named parameters; pass the named_parameters() of the model the optimizer trains",
          k, parameter.shape().str(), named.size()));
    names.push_back(found->first);
  }
  return names;
}

std::string tensor_name(const std::string& parameter, const std::string& buffer) {
  return fmt::format("{}{}.{}", kOptimizerTensorPrefix, parameter, buffer);
}

// Throws Error listing `problems` (the first 20), if any.
void throw_problems(const TensorFile& file, const std::vector<std::string>& problems) {
  if (problems.empty()) return;
  if (problems.size() == 1)
    throw Error(detail::file_prefix(file) + "optimizer state: " + problems.front());
  std::string message = fmt::format(
      "{}{} problems loading the optimizer state:", detail::file_prefix(file), problems.size());
  const std::size_t shown = std::min<std::size_t>(problems.size(), 20);
  for (std::size_t i = 0; i < shown; ++i) message += "\n  " + problems[i];
  if (shown < problems.size())
    message += fmt::format("\n  ... and {} more", problems.size() - shown);
  throw Error(message);
}

// Each group's options with the file's settings, checking the group's parameter names.
template <class T>
std::vector<std::unique_ptr<OptimizerOptions>> read_groups(const json& saved,
                                                           const Optimizer<T>& optimizer,
                                                           const std::vector<std::string>& names,
                                                           std::vector<std::string>& problems) {
  std::vector<std::unique_ptr<OptimizerOptions>> options;
  const auto& groups = optimizer.param_groups();
  if (saved.size() != groups.size()) {
    problems.push_back(fmt::format("the file has {} parameter groups but the optimizer has {}",
                                   saved.size(), groups.size()));
    return options;
  }
  std::size_t k = 0;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    options.push_back(groups[g].options().clone());
    const std::vector<std::string> mine(
        names.begin() + static_cast<std::ptrdiff_t>(k),
        names.begin() + static_cast<std::ptrdiff_t>(k + groups[g].params().size()));
    k += groups[g].params().size();
    for (const auto& item : saved.at(g).items()) {
      const std::string& key = item.key();
      const json& value = item.value();
      if (key == "params") {
        const auto theirs = value.get<std::vector<std::string>>();
        if (theirs != mine)
          problems.push_back(
              fmt::format("parameter group {} holds [{}] in the file but [{}] in "
                          "the optimizer",
                          g, fmt::join(theirs, ", "), fmt::join(mine, ", ")));
        continue;
      }
      try {
        options.back()->set_field(key, value.get<double>());
      } catch (const Error& e) {
        problems.push_back(fmt::format("parameter group {}: {}", g, e.what()));
      }
    }
    try {  // the file's settings in range, as the optimizer's constructor requires them
      optimizer.check_group_options(*options.back(), g);
    } catch (const Error& e) {  // the message names the group when there are several
      problems.push_back(e.what());
    }
  }
  return options;
}

// The first negative element of `tensor` if it is a second moment (Adam's and AdamW's
// "exp_avg_sq", an average of squares): a damaged file's negative one would make the step's √v NaN.
template <class T>
std::optional<std::size_t> negative_second_moment(std::string_view buffer,
                                                  const Tensor<T>& tensor) {
  if (buffer != "exp_avg_sq") return std::nullopt;
  const std::span<const T> values = tensor.values();
  const auto found = std::find_if(values.begin(), values.end(), [](T value) { return value < 0; });
  if (found == values.end()) return std::nullopt;
  return static_cast<std::size_t>(found - values.begin());
}

// The file's tensor for each of the optimizer's buffers, in order; a problem for each that is
// missing, mis-typed or mis-shaped, and for each "optimizer.state." tensor that is no buffer.
template <class T>
std::vector<const Tensor<T>*> find_buffers(const TensorFile& file, const Optimizer<T>& optimizer,
                                           const std::vector<std::string>& names,
                                           std::vector<std::string>& problems) {
  std::set<std::string> wanted;
  std::vector<const Tensor<T>*> sources;
  for (std::size_t p = 0; p < names.size(); ++p)
    for (const auto& [buffer, tensor] : optimizer.state(p).buffers) {
      const std::string name = tensor_name(names[p], buffer);
      wanted.insert(name);
      const NamedTensor* found = file.find(name);
      if (found == nullptr)
        problems.push_back(fmt::format("no tensor {} for the optimizer's buffer of shape {}",
                                       quote_name(name), tensor.shape().str()));
      else if (found->dtype() != dtype_of<T>())
        problems.push_back(fmt::format("tensor {} is {} but the optimizer is {}", quote_name(name),
                                       to_string(found->dtype()), to_string(dtype_of<T>())));
      else if (!(found->shape() == tensor.shape()))
        problems.push_back(fmt::format("tensor {} has shape {} but the optimizer's buffer {}",
                                       quote_name(name), found->shape().str(),
                                       tensor.shape().str()));
      else if (const auto negative =
                   negative_second_moment(buffer, std::get<Tensor<T>>(found->value)))
        problems.push_back(fmt::format(
            "tensor {} element {} is {}, but a second moment (an average of squares) is never "
            "negative",
            quote_name(name), tensor.shape().index_str(*negative),
            std::get<Tensor<T>>(found->value).values()[*negative]));
      else
        sources.push_back(&std::get<Tensor<T>>(found->value));
    }
  for (const NamedTensor& tensor : file.tensors())
    if (tensor.name.starts_with(kOptimizerTensorPrefix) && !wanted.contains(tensor.name))
      problems.push_back(
          fmt::format("tensor {} is not a buffer of the optimizer", quote_name(tensor.name)));
  return sources;
}

}  // namespace

template <class T>
void add_optimizer_state(TensorFile& file, const Optimizer<T>& optimizer,
                         const NamedParameters<T>& named_parameters) {
  const std::vector<std::string> names = parameter_names(optimizer, named_parameters);
  json groups = json::array(), steps = json::object();
  std::size_t k = 0;
  for (const ParamGroup<T>& group : optimizer.param_groups()) {
    json saved = json::object();
    for (const auto& [name, value] : group.options().fields()) saved[name] = value;
    json params = json::array();
    for (std::size_t i = 0; i < group.params().size(); ++i) params.push_back(names[k++]);
    saved["params"] = std::move(params);
    groups.push_back(std::move(saved));
  }
  for (std::size_t p = 0; p < names.size(); ++p) {
    const ParameterState<T>& state = optimizer.state(p);
    steps[names[p]] = state.step;
    for (const auto& [buffer, tensor] : state.buffers)
      file.add(tensor_name(names[p], buffer), tensor);
  }
  const json meta = {{"type", std::string(optimizer.name())},
                     {"steps", optimizer.steps()},
                     {"param_groups", std::move(groups)},
                     {"step", std::move(steps)}};
  file.metadata[std::string(kOptimizerMetadataKey)] = meta.dump();
}

template <class T>
void load_optimizer_state(const TensorFile& file, Optimizer<T>& optimizer,
                          const NamedParameters<T>& named_parameters) {
  const std::vector<std::string> names = parameter_names(optimizer, named_parameters);
  const auto entry = file.metadata.find(std::string(kOptimizerMetadataKey));
  if (entry == file.metadata.end())
    throw Error(detail::file_prefix(file) +
                "holds no optimizer state (no \"optimizer\" metadata); was it written with "
                "add_optimizer_state, or by train --checkpoint?");
  std::vector<std::string> problems;
  std::vector<std::unique_ptr<OptimizerOptions>> options;
  std::vector<std::size_t> steps(names.size());
  std::size_t optimizer_steps = 0;
  try {
    const json meta = json::parse(entry->second);
    const auto type = meta.at("type").get<std::string>();
    if (type != optimizer.name())
      throw Error(
          fmt::format("{}optimizer state: the file holds the state of {} but the "
                      "optimizer is {}",
                      detail::file_prefix(file), type, optimizer.name()));
    optimizer_steps = count_from(meta.at("steps"), file, "steps");
    options = read_groups(meta.at("param_groups"), optimizer, names, problems);
    for (std::size_t p = 0; p < names.size(); ++p) {
      if (meta.at("step").contains(names[p]))
        steps[p] = count_from(meta.at("step").at(names[p]), file,
                              "the step count of " + quote_name(names[p]));
      else
        problems.push_back(fmt::format("no step count for parameter {}", quote_name(names[p])));
    }
  } catch (const json::exception& e) {
    throw Error(fmt::format("{}optimizer state: the \"optimizer\" metadata is malformed: {}",
                            detail::file_prefix(file), e.what()));
  }
  const std::vector<const Tensor<T>*> sources = find_buffers(file, optimizer, names, problems);
  throw_problems(file, problems);
  // Every check passed: now change the optimizer.
  optimizer.set_steps(optimizer_steps);
  for (std::size_t g = 0; g < options.size(); ++g)
    optimizer.param_groups()[g].set_options(std::move(options[g]));
  std::size_t source = 0;
  for (std::size_t p = 0; p < names.size(); ++p) {
    ParameterState<T>& state = optimizer.state(p);
    state.step = steps[p];
    for (auto& [buffer, tensor] : state.buffers) {
      const std::span<const T> saved = sources[source++]->values();
      std::copy(saved.begin(), saved.end(), tensor.values().begin());
    }
  }
}

bool has_optimizer_state(const TensorFile& file) {
  return file.metadata.contains(std::string(kOptimizerMetadataKey));
}

TensorFile without_optimizer_state(const TensorFile& file) {
  TensorFile model;
  model.source = file.source;
  model.metadata = file.metadata;
  model.metadata.erase(std::string(kOptimizerMetadataKey));
  model.metadata.erase(std::string(kSchedulerMetadataKey));
  for (const NamedTensor& tensor : file.tensors())
    if (!tensor.name.starts_with(kOptimizerTensorPrefix)) model.add(tensor);
  return model;
}

template void add_optimizer_state(TensorFile&, const Optimizer<float>&,
                                  const NamedParameters<float>&);
template void add_optimizer_state(TensorFile&, const Optimizer<double>&,
                                  const NamedParameters<double>&);
template void load_optimizer_state(const TensorFile&, Optimizer<float>&,
                                   const NamedParameters<float>&);
template void load_optimizer_state(const TensorFile&, Optimizer<double>&,
                                   const NamedParameters<double>&);

}  // namespace tapegrad
