// A learning-rate scheduler's position (optim/scheduler.hpp) in a checkpoint's metadata, beside
// the optimizer's state (optimizer_state.hpp), so that training resumed from the checkpoint
// continues on the same schedule: what torch's scheduler.state_dict() holds that the
// constructor's settings do not.
//
//   metadata  "scheduler": JSON {"type": "StepLR", "last_epoch": 2, "base_lrs": [0.1]}
//
//   add_optimizer_state(file, optimizer, model.named_parameters());
//   add_scheduler_state(file, schedule);
//   ...
//   load_optimizer_state(checkpoint, optimizer, model.named_parameters());
//   load_scheduler_state(checkpoint, schedule);  // a scheduler made as the saved one was
#pragma once

#include <string_view>

#include "../../optim/scheduler.hpp"
#include "safetensors.hpp"

namespace tapegrad {

inline constexpr std::string_view kSchedulerMetadataKey = "scheduler";

// Adds the scheduler's kind, step count t and base lrs to `file`'s metadata.
template <class T>
void add_scheduler_state(TensorFile& file, const LRScheduler<T>& scheduler);

// Restores what add_scheduler_state saved into a scheduler of the same kind (LRScheduler::
// load_state). Throws Error naming the file, changing nothing, if the file holds no scheduler
// state, the state of another kind, malformed metadata, or base lrs the optimizer's groups do
// not match.
template <class T>
void load_scheduler_state(const TensorFile& file, LRScheduler<T>& scheduler);

// Whether `file` holds a scheduler's state (its metadata has the "scheduler" key).
bool has_scheduler_state(const TensorFile& file);

extern template void add_scheduler_state(TensorFile&, const LRScheduler<float>&);
extern template void add_scheduler_state(TensorFile&, const LRScheduler<double>&);
extern template void load_scheduler_state(const TensorFile&, LRScheduler<float>&);
extern template void load_scheduler_state(const TensorFile&, LRScheduler<double>&);

}  // namespace tapegrad
