// What threads may share. Supported: one model per thread for training, and one model read by
// several threads at once for inference under NoGradGuard. A Var belongs to the tape, and so the
// thread, that recorded it: another thread's op refuses it with a TapeError.
//
// Not supported: backward through one model on several threads at once. Copies of a Parameter
// share its gradient buffer, and each backward adds into it (as an optimizer's step() writes the
// values): two threads doing so race by design, and the sum would depend on their timing. To
// train in parallel, give each thread its own model and combine the results yourself.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdint>
#include <exception>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "training_runs.hpp"

namespace file_threads_sharing_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad;
using namespace tapegrad::testing;
using Catch::Matchers::Message;

namespace {

std::string different_tape(const std::string& op, int input) {
  return op + ": input " + std::to_string(input) +
         " was recorded on a different tape than the current one (use TapeGuard to record on the "
         "tape that holds it)";
}

}  // namespace

TEST_CASE("a Var recorded on another thread's tape is refused with a TapeError, not a crash",
          "[threads][tape]") {
  // The owner records a Var, hands it over, and goes on training on its tape, clearing it, while
  // this thread tries the Var in ops: the refusal must not read the owner's tape. (Reading the
  // Var itself, its data() or shape(), or calling its backward(), would read or run the owner's
  // tape: a race, which is not checked. A Var is for the thread that recorded it.)
  std::promise<Var<double>> published;
  std::atomic<bool> done{false};
  std::exception_ptr owner_error;
  std::thread owner([&] {
    bool handed_over = false;
    try {
      Tape<double>& tape = Tape<double>::current();
      const Var<double> x = tape.variable(Tensor<double>({2}, {0.5, -1.0}), true, "x");
      published.set_value(sigmoid(x));
      handed_over = true;
      Parameter<double> w(Tensor<double>({2}, {0.25, 0.75}), "w");
      while (!done.load()) {
        tape.clear();
        w.zero_grad();
        sum(sigmoid(w)).backward();
      }
    } catch (...) {
      owner_error = std::current_exception();
      if (!handed_over) published.set_exception(owner_error);
    }
  });
  {
    // Stops and joins the owner however this block ends.
    struct StopOwner {
      std::atomic<bool>& done;
      std::thread& owner;
      ~StopOwner() {
        done.store(true);
        owner.join();
      }
    } stop_owner{done, owner};
    const Var<double> foreign = published.get_future().get();

    // On this thread's default tape, and on a tape of its own.
    CHECK_THROWS_MATCHES(sigmoid(foreign), TapeError, Message(different_tape("sigmoid", 0)));
    Tape<double> tape;
    TapeGuard<double> guard(tape);
    const Var<double> local = tape.variable(Tensor<double>({2}, {1.0, 2.0}), true, "local");
    const std::size_t ops = tape.size(), bytes = tape.used_bytes();
    CHECK_THROWS_MATCHES(local + foreign, TapeError, Message(different_tape("add", 1)));
    CHECK_THROWS_MATCHES(matmul(foreign, local), TapeError, Message(different_tape("matmul", 0)));
    CHECK_THROWS_MATCHES(tape.backward(foreign), TapeError, Message(different_tape("backward", 0)));
    // The failed ops left this tape as it was, and it still works.
    CHECK(tape.size() == ops);
    CHECK(tape.used_bytes() == bytes);
    sum(local * local).backward();
    CHECK(local.grad()[1] == 4.0);  // d(Σ x²)/dx = 2x
  }
  if (owner_error) std::rethrow_exception(owner_error);
}

TEMPLATE_TEST_CASE("several threads may run one model's forward at once under NoGradGuard",
                   "[threads][inference]", float, double) {
  using T = TestType;
  manual_seed(7);
  MLP<T> regression(model_options(Task::kRegression));          // [1,4] inputs: the gemm loop
  MLP<T> classification(model_options(Task::kClassification));  // [32,3] inputs: BLAS
  Generator generator(8);
  constexpr std::size_t kInputs = 4, kThreads = 4;
  std::vector<Tensor<T>> small_inputs, batch_inputs;
  for (std::size_t i = 0; i < kInputs; ++i) {
    small_inputs.push_back(uniform_tensor(Shape{1, 4}, T(-1), T(1), generator));
    batch_inputs.push_back(uniform_tensor(Shape{kClassificationRows, 3}, T(-1), T(1), generator));
  }
  // Both models' outputs for input i, as bits, recorded on the calling thread's current tape.
  const auto outputs = [&](std::size_t i) {
    std::vector<std::uint64_t> bits = bits_of<T>(regression.forward(small_inputs[i]).data());
    const std::vector<std::uint64_t> more =
        bits_of<T>(classification.forward(batch_inputs[i]).data());
    bits.insert(bits.end(), more.begin(), more.end());
    return bits;
  };
  const auto parameters = [&] {
    std::vector<std::uint64_t> bits = parameter_bits(regression);
    for (const auto& more :
         {parameter_bits(classification), gradient_bits(regression), gradient_bits(classification)})
      bits.insert(bits.end(), more.begin(), more.end());
    return bits;
  };
  // Each input's outputs computed alone, on this thread.
  std::vector<std::vector<std::uint64_t>> expected;
  {
    NoGradGuard no_grad;
    for (std::size_t i = 0; i < kInputs; ++i) {
      Tape<T>::current().clear();
      expected.push_back(outputs(i));
    }
  }
  const std::vector<std::uint64_t> parameters_before = parameters();

  struct Seen {
    std::vector<std::vector<std::uint64_t>> outputs;  // of input (thread + repeat) % kInputs
    bool recorded = false;                            // an op was recorded on the tape
  };
  std::vector<Seen> seen(kThreads);
  constexpr std::size_t kRepeats = 60;
  on_threads(kThreads, [&](std::size_t thread) {
    NoGradGuard no_grad;
    Tape<T>& tape = Tape<T>::current();
    for (std::size_t repeat = 0; repeat < kRepeats; ++repeat) {
      tape.clear();
      seen[thread].outputs.push_back(outputs((thread + repeat) % kInputs));
      seen[thread].recorded = seen[thread].recorded || tape.size() != 0;
    }
  });

  for (std::size_t thread = 0; thread < kThreads; ++thread) {
    CAPTURE(thread);
    CHECK_FALSE(seen[thread].recorded);
    REQUIRE(seen[thread].outputs.size() == kRepeats);
    for (std::size_t repeat = 0; repeat < kRepeats; ++repeat) {
      CAPTURE(repeat);
      CHECK(seen[thread].outputs[repeat] == expected[(thread + repeat) % kInputs]);
    }
  }
  CHECK(parameters() == parameters_before);  // values and gradients untouched
}

}  // namespace file_threads_sharing_test
