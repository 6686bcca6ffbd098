// tapegrad: reverse-mode automatic differentiation on a tape. Include this one header for the
// whole C++ API: the core (core.hpp: tensors, the tape, ops, models, optimizers, gradcheck), the
// model files (io.hpp) and the graph views and export (views.hpp). Link tapegrad::tapegrad.
#pragma once

#include "core.hpp"
#include "io.hpp"
#include "views.hpp"
