// What the shape-error tests share: a tape with something on it, and a check that an op throws
// ShapeError naming what it should and leaves the tape as it was.
#pragma once

#include <catch2/catch.hpp>

#include <functional>
#include <string>
#include <vector>

#include "core.hpp"

namespace tapegrad::testing {

// A tape with something already on it: a leaf and one recorded op, so that a rewind to the
// wrong place would show in size() or used_bytes().
struct RecordedTape {
  Tape<double> tape;
  TapeGuard<double> guard{tape};
  Var<double> recorded(const Shape& shape) {
    const Var<double> leaf = tape.variable(Tensor<double>::full(shape, 0.5), true);
    return scale(leaf, 2.0);
  }
};

// Runs `op`, which must throw ShapeError whose message contains every one of `parts`, and checks
// that the tape's size and used bytes are what they were before the call.
inline void expect_shape_error(Tape<double>& tape, const std::function<void()>& op,
                               const std::vector<std::string>& parts) {
  const std::size_t size_before = tape.size(), used_before = tape.used_bytes();
  try {
    op();
    FAIL("expected a ShapeError, but the op succeeded");
  } catch (const ShapeError& e) {
    INFO("message: " << e.what());
    for (const std::string& part : parts) CHECK_THAT(e.what(), Catch::Matchers::Contains(part));
  }
  CHECK(tape.size() == size_before);
  CHECK(tape.used_bytes() == used_before);
}

}  // namespace tapegrad::testing
