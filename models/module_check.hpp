// gradcheck for a whole module whose forward changes state: in training mode, dropout draws a new
// mask and batch norm updates its running statistics on every call, so the many evaluations of a
// finite-difference check would each see a different function, and the check would fail on
// correct gradients (and leave the module changed). This gradcheck saves the module's buffers,
// the thread's default generator and every Dropout's own generator before the check, restores
// them before each evaluation, and once more at the end: each evaluation sees the same masks and
// statistics, and the module is left as it was.
//
//   model.train();
//   GradcheckResult r = gradcheck(model, [&] { return sse_loss(model.forward(x), y); });
#pragma once

#include <functional>

#include "../graph/gradcheck.hpp"
#include "module.hpp"

namespace tapegrad {

// Checks d f()/d θ for every parameter θ of `module` that requires a gradient, as gradcheck of
// parameters does (graph/gradcheck.hpp), with the module's state restored before each
// evaluation. Random draws must come from the thread's default generator or a Dropout's
// generator; other state f changes (a user module's own generator) is not restored.
GradcheckResult gradcheck(Module<double>& module, const std::function<Var<double>()>& f,
                          const GradcheckOptions& options = {});

}  // namespace tapegrad
