// The out-of-line parts of user-defined functions (graph/function.hpp).
#include "function.hpp"

#include <fmt/format.h>

namespace tapegrad::detail {

void throw_function_undefined_output(std::string_view name) {
  throw Error(
      fmt::format("{}: forward returned an undefined Var; it must return the output", name));
}

}  // namespace tapegrad::detail
