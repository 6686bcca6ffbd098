// tapegrad's files (the tapegrad::io library): weights in safetensors, JSON model configs, CSV
// data, atomic file writes, and the training pieces the `tapegrad` command builds from them.
#pragma once

#include "core.hpp"
#include "models/io/atomic_file.hpp"
#include "models/io/config.hpp"
#include "models/io/config_model.hpp"
#include "models/io/csv_data.hpp"
#include "models/io/limits.hpp"
#include "models/io/module_state.hpp"
#include "models/io/optimizer_state.hpp"
#include "models/io/safetensors.hpp"
#include "models/io/scheduler_state.hpp"
#include "models/io/training.hpp"
