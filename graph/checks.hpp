// Two debugging aids of the engine, both per thread and both off by default.
//
// Anomaly mode (like PyTorch's detect_anomaly): every op's forward output and every gradient a
// backward step produces is checked for NaN and infinity. The first op that makes one stops the
// computation with an AnomalyError naming the op, its position on the tape, its input shapes and
// which of its inputs were already non-finite. A forward op that fails so leaves the tape as it
// was; a backward pass that fails so leaves every parameter's gradient as it was.
//
// Contract checks: the engine verifies that each op's backward keeps the rules ops are written
// to. The gradient an op computes for an input must have that input's shape (checked always, as
// it costs one comparison); with contract checks on, every input that needs a gradient must also
// be given one, and a failed backward leaves the parameters' gradients as they were. Element types
// need no check: a Node<T> can only write T gradients. Off unless ContractChecks::set_enabled(true)
// says so, or the environment variable TAPEGRAD_CONTRACT_CHECKS is 1 when a thread first asks
// (the test suite runs once each way); the build type does not matter, so the checked and the
// fast engine both run in every build.
//
// Both cost one test of a thread-local flag per op (anomaly) or per backward pass (contracts)
// when off.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "errors.hpp"
#include "node.hpp"
#include "var.hpp"

namespace tapegrad {

class AnomalyMode {
 public:
  static bool enabled() { return enabled_; }
  static void set_enabled(bool enabled) { enabled_ = enabled; }

 private:
  // NOTE: defined here with a constant initialiser, so that reading it is one load from the
  // thread's block, not a call through a TLS wrapper: every op reads it.
  static constinit inline thread_local bool enabled_ = false;
};

// Turns anomaly mode on (or off) in its scope, on this thread.
class DetectAnomalyGuard {
 public:
  explicit DetectAnomalyGuard(bool enabled = true) : previous_(AnomalyMode::enabled()) {
    AnomalyMode::set_enabled(enabled);
  }
  ~DetectAnomalyGuard() { AnomalyMode::set_enabled(previous_); }
  DetectAnomalyGuard(const DetectAnomalyGuard&) = delete;
  DetectAnomalyGuard& operator=(const DetectAnomalyGuard&) = delete;

 private:
  bool previous_;
};

class ContractChecks {
 public:
  // This thread's setting: set_enabled()'s last word, else TAPEGRAD_CONTRACT_CHECKS=1.
  static bool enabled();
  static void set_enabled(bool enabled);
};

// A NaN or an infinity found by anomaly mode.
class AnomalyError : public Error {
 public:
  enum class Phase { kForward, kBackward };
  AnomalyError(const std::string& message, Phase phase, std::string op, std::size_t position)
      : Error(message), phase_(phase), op_(std::move(op)), position_(position) {}

  Phase phase() const { return phase_; }
  const std::string& op() const { return op_; }  // the op's name, "sigmoid"
  // Its index on the tape (for a forward op that needed no gradient: where it would have been).
  std::size_t position() const { return position_; }

 private:
  Phase phase_;
  std::string op_;
  std::size_t position_;
};

namespace detail {

// Anomaly mode's check of a forward op's output (graph/op.hpp calls it from Op::finish). Throws
// AnomalyError if `output` holds a NaN or an infinity.
template <class T>
void check_forward_finite(std::string_view op, std::size_t position, bool recorded,
                          std::span<Value<T>* const> inputs, const Value<T>& output);
// Anomaly mode's checks around one node's backward (graph/tape.cpp): the input gradients it is
// about to add to (before = true) or has added to; and the seed gradient at the root.
template <class T>
void check_backward_finite(const Node<T>& node, std::span<T* const> buffers, bool before);
template <class T>
void check_seed_finite(const Value<T>& root, std::size_t position);

}  // namespace detail

}  // namespace tapegrad
