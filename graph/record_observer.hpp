// A hook for tools that probe one op inside a computation (the gradient checker's per-op check,
// graph/gradcheck.cpp): a Tape calls its observer around every op it records.
#pragma once

#include <cstddef>
#include <span>

#include "var.hpp"

namespace tapegrad {

// before() runs once the op's inputs are known and before its forward computes; after() once its
// output is computed (both for ops that record a node); settled() whenever the tape has taken a
// whole op or value (recorded or not): a state a failure later on may return it to. position is
// the op's index on the tape.
template <class T>
class RecordObserver {
 public:
  virtual void before(std::size_t position, std::span<Value<T>* const> inputs) = 0;
  virtual void after(std::size_t position, const Value<T>& output) = 0;
  virtual void settled() {}

 protected:
  ~RecordObserver() = default;
};

}  // namespace tapegrad
