// Ops made of other ops (the losses, stack, split) keep the promise every op keeps: if anything
// throws part-way, the tape is as it was before the call. all_or_nothing runs the composition
// and, on an exception, gives back everything it recorded.
#pragma once

#include <utility>

#include "../../graph/tape.hpp"

namespace tapegrad::detail {

template <class T, class F>
auto all_or_nothing(F&& compose) {
  Tape<T>& tape = Tape<T>::current();
  const typename Tape<T>::Mark mark = tape.mark();
  try {
    return std::forward<F>(compose)();
  } catch (...) {
    tape.rewind(mark);
    throw;
  }
}

}  // namespace tapegrad::detail
