// The exceptions tapegrad throws. Each message names the operation and says what to do, so a
// user can act on it without reading the library's source.
#pragma once

#include <stdexcept>
#include <string>

namespace tapegrad {

// Base of every tapegrad error: catch this to handle them all.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Shapes that an operation cannot combine; the message names the op and both shapes.
class ShapeError : public Error {
 public:
  using Error::Error;
};

// Misuse of the tape: a stale Var, backward on a non-scalar without a seed, and the like.
class TapeError : public Error {
 public:
  using Error::Error;
};

// An op's backward broke the engine's contract (for example a gradient of the wrong shape).
class ContractError : public Error {
 public:
  using Error::Error;
};

}  // namespace tapegrad
