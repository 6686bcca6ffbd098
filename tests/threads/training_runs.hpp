// Small, complete training runs for the threads tests: each builds its own model, data and
// optimizer from seeds, trains on the current thread and returns its final parameters and
// gradients as bits, so that a run on a worker thread can be compared with the same run on the
// main thread for exact equality. Also runs a list of them on one thread each, all at once.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <cstring>
#include <exception>
#include <latch>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "tapegrad.hpp"

namespace tapegrad::testing {

enum class Task {
  // MLP 4-8-1, sigmoid after both layers, sse_loss, SGD with momentum, one example per step:
  // products of volume 1·8·4 = 32 and 1·1·8, the direct loop path of gemm. Before every step the
  // whole set is evaluated under NoGradGuard (a [16,4]·[4,8]ᵀ product, through BLAS).
  kRegression,
  // MLP 3-16-3, tanh then identity logits, softmax_cross_entropy, Adam, the whole batch of 32 at
  // each step: products of volume 32·16·3 and 32·3·16, through BLAS.
  kClassification,
};

enum class TapeChoice {
  kThreadDefault,  // record on Tape<T>::current(), the thread's own default tape
  kOwnTape,        // record on a Tape<T> of the run's own, made current by a TapeGuard
};

struct Run {
  Task task;
  std::uint64_t seed;  // for manual_seed (the model's initial weights) and the data
  int steps;
  TapeChoice tape;
};

// What a run ends with. Parameters and gradients are kept as bit patterns, so that equal
// outcomes are bit-for-bit equal (+0 and −0 differ); losses are converted to double exactly.
struct Outcome {
  std::vector<std::uint64_t> parameters;  // every parameter's values, in parameters() order
  std::vector<std::uint64_t> gradients;   // their gradients after the last backward
  std::vector<double> losses;             // the training loss of every step
  std::vector<double> evaluations;        // kRegression: the no-grad loss before every step
};

// "" if the outcomes are equal, else where they first differ.
inline std::string difference(const Outcome& a, const Outcome& b) {
  const auto first_difference = [](const char* what, const auto& x, const auto& y) {
    if (x.size() != y.size())
      return fmt::format("{}: {} values against {}", what, x.size(), y.size());
    for (std::size_t i = 0; i < x.size(); ++i)
      if (!(x[i] == y[i]))
        return fmt::format("{}: element {} of {} differs ({} against {})", what, i, x.size(), x[i],
                           y[i]);
    return std::string();
  };
  for (std::string found : {first_difference("parameters", a.parameters, b.parameters),
                            first_difference("gradients", a.gradients, b.gradients),
                            first_difference("losses", a.losses, b.losses),
                            first_difference("evaluations", a.evaluations, b.evaluations)})
    if (!found.empty()) return found;
  return {};
}

template <class T>
std::uint64_t bits_of(T value) {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>);
  if constexpr (std::is_same_v<T, float>) {
    std::uint32_t bits;
    std::memcpy(&bits, &value, sizeof bits);
    return bits;
  } else {
    std::uint64_t bits;
    std::memcpy(&bits, &value, sizeof bits);
    return bits;
  }
}

template <class T>
std::vector<std::uint64_t> bits_of(std::span<const T> values) {
  std::vector<std::uint64_t> bits;
  bits.reserve(values.size());
  for (T value : values) bits.push_back(bits_of(value));
  return bits;
}

template <class T>
std::vector<std::uint64_t> parameter_bits(const Module<T>& model) {
  std::vector<std::uint64_t> bits;
  for (const Parameter<T>& p : model.parameters()) {
    const std::vector<std::uint64_t> more = bits_of<T>(p.value().values());
    bits.insert(bits.end(), more.begin(), more.end());
  }
  return bits;
}

template <class T>
std::vector<std::uint64_t> gradient_bits(const Module<T>& model) {
  std::vector<std::uint64_t> bits;
  for (const Parameter<T>& p : model.parameters()) {
    const std::vector<std::uint64_t> more = bits_of<T>(p.grad().values());
    bits.insert(bits.end(), more.begin(), more.end());
  }
  return bits;
}

inline MLPOptions model_options(Task task) {
  return task == Task::kRegression
             ? MLPOptions(4).layer(8, Activation::kSigmoid).layer(1, Activation::kSigmoid)
             : MLPOptions(3).layer(16, Activation::kTanh).layer(3, Activation::kIdentity);
}

inline constexpr std::size_t kRegressionRows = 16;
inline constexpr std::size_t kClassificationRows = 32;

// x uniform in [−1, 1]⁴; y = 0.9 where x₀x₁ + x₂ − x₃ > 0, else 0.1.
template <class T>
std::pair<Tensor<T>, Tensor<T>> regression_data(Generator& generator) {
  Tensor<T> x = uniform_tensor(Shape{kRegressionRows, 4}, T(-1), T(1), generator);
  Tensor<T> y(Shape{kRegressionRows, 1});
  for (std::size_t i = 0; i < kRegressionRows; ++i) {
    const T* row = x.data() + 4 * i;
    y[i] = row[0] * row[1] + row[2] - row[3] > 0 ? T(0.9) : T(0.1);
  }
  return {x, y};
}

// x uniform in [−1, 1]³; y one-hot of the largest of x₀, x₁·x₂ and −x₀.
template <class T>
std::pair<Tensor<T>, Tensor<T>> classification_data(Generator& generator) {
  Tensor<T> x = uniform_tensor(Shape{kClassificationRows, 3}, T(-1), T(1), generator);
  Tensor<T> y(Shape{kClassificationRows, 3});
  for (std::size_t i = 0; i < kClassificationRows; ++i) {
    const T* row = x.data() + 3 * i;
    const T scores[3] = {row[0], row[1] * row[2], -row[0]};
    std::size_t best = 0;
    for (std::size_t k = 1; k < 3; ++k)
      if (scores[k] > scores[best]) best = k;
    y[3 * i + best] = T(1);
  }
  return {x, y};
}

template <class T>
Outcome train_regression(MLP<T>& model, Tape<T>& tape, const Run& run) {
  Generator data_generator(run.seed + 1000);
  const auto [x, y] = regression_data<T>(data_generator);
  SGD<T> optimizer(model.parameters(), SGDOptions(0.5).momentum(0.9));
  Outcome outcome;
  Tensor<T> example(Shape{1, 4}), target(Shape{1, 1});
  for (int step = 0; step < run.steps; ++step) {
    tape.clear();
    {
      // Nothing recorded here; if grad mode were shared between threads, this guard would stop
      // the other thread's training steps from recording theirs.
      NoGradGuard no_grad;
      outcome.evaluations.push_back(sse_loss(model.forward(x), y).item());
    }
    const std::size_t row = static_cast<std::size_t>(step) % kRegressionRows;
    std::memcpy(example.data(), x.data() + 4 * row, 4 * sizeof(T));
    target[0] = y[row];
    const Var<T> loss = sse_loss(model.forward(example), target);
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
    outcome.losses.push_back(loss.item());
  }
  return outcome;
}

template <class T>
Outcome train_classification(MLP<T>& model, Tape<T>& tape, const Run& run) {
  Generator data_generator(run.seed + 2000);
  const auto [x, y] = classification_data<T>(data_generator);
  Adam<T> optimizer(model.parameters(), AdamOptions(0.02));
  Outcome outcome;
  for (int step = 0; step < run.steps; ++step) {
    tape.clear();
    const Var<T> loss = softmax_cross_entropy(model.forward(x), y);
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
    outcome.losses.push_back(loss.item());
  }
  return outcome;
}

// Trains as `run` says on the calling thread. The initial weights come from this thread's
// default generator (manual_seed), so that a generator shared between threads would show too.
template <class T>
Outcome train(const Run& run) {
  manual_seed(run.seed);
  MLP<T> model(model_options(run.task));
  Tape<T> own_tape;
  std::optional<TapeGuard<T>> guard;
  if (run.tape == TapeChoice::kOwnTape) guard.emplace(own_tape);
  Tape<T>& tape = Tape<T>::current();
  Outcome outcome = run.task == Task::kRegression ? train_regression(model, tape, run)
                                                  : train_classification(model, tape, run);
  outcome.parameters = parameter_bits(model);
  outcome.gradients = gradient_bits(model);
  return outcome;
}

// Calls body(i) for i in [0, n), each on a thread of its own, released together once all have
// started; rethrows the first exception a call threw. Catch2's assertions are not thread-safe:
// bodies return their results, and the test checks them on the main thread.
template <class Body>
void on_threads(std::size_t n, Body body) {
  std::vector<std::exception_ptr> errors(n);
  std::latch start(static_cast<std::ptrdiff_t>(n));
  std::vector<std::thread> threads;
  threads.reserve(n);
  for (std::size_t i = 0; i < n; ++i)
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      try {
        body(i);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    });
  for (std::thread& thread : threads) thread.join();
  for (const std::exception_ptr& error : errors)
    if (error) std::rethrow_exception(error);
}

// Each run on a thread of its own, all at once; outcomes in the order of `runs`.
template <class T>
std::vector<Outcome> train_concurrently(const std::vector<Run>& runs) {
  std::vector<Outcome> outcomes(runs.size());
  on_threads(runs.size(), [&](std::size_t i) { outcomes[i] = train<T>(runs[i]); });
  return outcomes;
}

// The same runs one after the other on the calling thread.
template <class T>
std::vector<Outcome> train_sequentially(const std::vector<Run>& runs) {
  std::vector<Outcome> outcomes;
  for (const Run& run : runs) outcomes.push_back(train<T>(run));
  return outcomes;
}

}  // namespace tapegrad::testing
