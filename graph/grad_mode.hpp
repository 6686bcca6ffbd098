// Whether ops record themselves on the tape for backward, per thread, and the guards that switch
// it for a scope: NoGradGuard for evaluation and parameter updates, GradModeGuard for either.
#pragma once

namespace tapegrad {

// On by default in every thread.
class GradMode {
 public:
  static bool enabled() { return enabled_; }
  static void set_enabled(bool enabled) { enabled_ = enabled; }

 private:
  // NOTE: constant-initialised and inline, so that reading it is one load from the thread's
  // block rather than a call through a TLS wrapper: every op reads it.
  static constinit inline thread_local bool enabled_ = true;
};

// Sets recording on or off for its scope, and restores the previous mode when it ends.
class GradModeGuard {
 public:
  explicit GradModeGuard(bool enabled) : previous_(GradMode::enabled()) {
    GradMode::set_enabled(enabled);
  }
  ~GradModeGuard() { GradMode::set_enabled(previous_); }
  GradModeGuard(const GradModeGuard&) = delete;
  GradModeGuard& operator=(const GradModeGuard&) = delete;

 private:
  bool previous_;
};

// Turns recording off in its scope: ops compute values only (for evaluation, or updates).
class NoGradGuard {
 public:
  NoGradGuard() : previous_(GradMode::enabled()) { GradMode::set_enabled(false); }
  ~NoGradGuard() { GradMode::set_enabled(previous_); }
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

}  // namespace tapegrad
