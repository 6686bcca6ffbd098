// tapegrad: reverse-mode automatic differentiation on a tape. Include this one header for the
// whole C++ API: tensors, the tape, ops, models, optimizers, gradcheck and graph export.
#pragma once

#include "tapegrad/graph/atomic_file.hpp"
#include "tapegrad/graph/dot.hpp"
#include "tapegrad/graph/errors.hpp"
#include "tapegrad/graph/graph_view.hpp"
#include "tapegrad/graph/op.hpp"
#include "tapegrad/graph/parameter.hpp"
#include "tapegrad/graph/random.hpp"
#include "tapegrad/graph/render.hpp"
#include "tapegrad/graph/shape.hpp"
#include "tapegrad/graph/tape.hpp"
#include "tapegrad/graph/tensor.hpp"
#include "tapegrad/graph/var.hpp"
#include "tapegrad/models/linear.hpp"
#include "tapegrad/models/mlp.hpp"
#include "tapegrad/models/module.hpp"
#include "tapegrad/models/seed_network.hpp"
#include "tapegrad/ops/ops.hpp"
#include "tapegrad/optim/adam.hpp"
#include "tapegrad/optim/optimizer.hpp"
#include "tapegrad/optim/sgd.hpp"
