// tapegrad's core (the tapegrad::core library): tensors, the tape and its backward engine, ops,
// optimizers, modules, gradcheck, higher-order derivatives and forward mode. It needs only fmt
// and a BLAS; for model files add io.hpp, for graph pictures views.hpp, or take everything with
// tapegrad.hpp.
#pragma once

#include "graph/arena.hpp"
#include "graph/checks.hpp"
#include "graph/engine.hpp"
#include "graph/errors.hpp"
#include "graph/grad_mode.hpp"
#include "graph/gradcheck.hpp"
#include "graph/higher_order.hpp"
#include "graph/node.hpp"
#include "graph/op.hpp"
#include "graph/parameter.hpp"
#include "graph/poison.hpp"
#include "graph/random.hpp"
#include "graph/record_observer.hpp"
#include "graph/shape.hpp"
#include "graph/tape.hpp"
#include "graph/tensor.hpp"
#include "graph/var.hpp"
#include "models/init.hpp"
#include "models/linear.hpp"
#include "models/mlp.hpp"
#include "models/module.hpp"
#include "models/seed/seed_gradients.hpp"
#include "models/seed/seed_network.hpp"
#include "ops/catalog.hpp"
#include "ops/ops.hpp"
#include "optim/adam.hpp"
#include "optim/optimizer.hpp"
#include "optim/sgd.hpp"
