// A scheduler's state in safetensors metadata (models/io/scheduler_state.hpp).
#include "scheduler_state.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "../../graph/errors.hpp"
#include "detail/safetensors_support.hpp"

namespace tapegrad {

using nlohmann::json;

template <class T>
void add_scheduler_state(TensorFile& file, const LRScheduler<T>& scheduler) {
  const json meta = {{"type", std::string(scheduler.name())},
                     {"last_epoch", scheduler.last_epoch()},
                     {"base_lrs", scheduler.base_lrs()}};
  file.metadata[std::string(kSchedulerMetadataKey)] = meta.dump();
}

template <class T>
void load_scheduler_state(const TensorFile& file, LRScheduler<T>& scheduler) {
  const auto entry = file.metadata.find(std::string(kSchedulerMetadataKey));
  if (entry == file.metadata.end())
    throw Error(detail::file_prefix(file) +
                "holds no learning-rate scheduler state (no \"scheduler\" metadata)");
  std::string type;
  std::size_t last_epoch = 0;
  std::vector<double> base_lrs;
  try {
    const json meta = json::parse(entry->second);
    type = meta.at("type").get<std::string>();
    const json& t = meta.at("last_epoch");
    if (!t.is_number_unsigned())  // get<std::size_t>() would wrap -1 round
      throw Error(
          fmt::format("{}scheduler state: the \"scheduler\" metadata is malformed: "
                      "last_epoch is {}, not a whole number ≥ 0",
                      detail::file_prefix(file), t.dump()));
    last_epoch = t.get<std::size_t>();
    base_lrs = meta.at("base_lrs").get<std::vector<double>>();
  } catch (const json::exception& e) {
    throw Error(fmt::format("{}scheduler state: the \"scheduler\" metadata is malformed: {}",
                            detail::file_prefix(file), e.what()));
  }
  if (type != scheduler.name())
    throw Error(
        fmt::format("{}scheduler state: the file holds the state of {} but the scheduler "
                    "is {}",
                    detail::file_prefix(file), type, scheduler.name()));
  try {
    scheduler.load_state(last_epoch, base_lrs);
  } catch (const Error& e) {
    throw Error(fmt::format("{}scheduler state: {}", detail::file_prefix(file), e.what()));
  }
}

bool has_scheduler_state(const TensorFile& file) {
  return file.metadata.contains(std::string(kSchedulerMetadataKey));
}

template void add_scheduler_state(TensorFile&, const LRScheduler<float>&);
template void add_scheduler_state(TensorFile&, const LRScheduler<double>&);
template void load_scheduler_state(const TensorFile&, LRScheduler<float>&);
template void load_scheduler_state(const TensorFile&, LRScheduler<double>&);

}  // namespace tapegrad
