// Exception safety: every op either completes or leaves the tape, its inputs and the parameters
// as they were (the strong guarantee). Shown by failing each heap allocation an op makes, one
// at a time, and by throwing from inside each op in turn, for every case of the op catalog, and
// checking the state after each failure. A case may call several ops: the tape must then stand
// at an op boundary (where it stood before or after one of them, or before the call), never
// with part of an op on it, and the tape must go on as if the failed op had never been tried.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <new>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "allocation_hooks.hpp"
#include "tapegrad.hpp"

// The tape's arena, which this test needs to fill (graph/tape.hpp grants it).
template <class T>
struct tapegrad::detail::TapeInternals {
  static void take_bytes(tapegrad::Tape<T>& tape, std::size_t n) { tape.arena_.allocate(n, 1); }
};

namespace file_alloc_exception_safety_test {  // the file's own scope: the test programs are unity
                                              // builds

using namespace tapegrad;
using tapegrad::testing::FailAllocation;

namespace {

template <class T>
Tensor<T> inputs_for(const Shape& shape, Domain domain, std::size_t salt) {
  Tensor<T> t(shape);
  for (std::size_t i = 0; i < t.size(); ++i) {
    const T magnitude = T(0.25) + T(0.125) * static_cast<T>((i * 7 + salt * 3) % 11);
    const bool negative = domain != Domain::kPositive && (i + salt) % 3 == 1;
    t[i] = negative ? -magnitude : magnitude;
  }
  return t;
}

}  // namespace

namespace {

// Fills the tape's current arena chunk, so that the op's first allocation from the tape has to
// ask the heap for a new chunk, where it can be made to fail.
template <class T>
void fill_current_chunk(Tape<T>& tape) {
  detail::TapeInternals<T>::take_bytes(tape, 1);  // makes sure a chunk exists
  detail::TapeInternals<T>::take_bytes(tape, tape.reserved_bytes() - tape.used_bytes());
  REQUIRE(tape.used_bytes() == tape.reserved_bytes());
}

// Records where the tape stands before and after each op it records, and throws from inside
// op number `throw_at` (counting from 0), before or after its forward, if asked to.
template <class T>
class BoundaryObserver final : public RecordObserver<T> {
 public:
  using State = std::pair<std::size_t, std::size_t>;  // tape.size(), tape.used_bytes()
  BoundaryObserver(const Tape<T>& tape, std::size_t throw_at = SIZE_MAX, bool after = false)
      : tape_(tape), throw_at_(throw_at), after_(after) {
    states_.reserve(1024);  // no heap allocation during the call, where one may be made to fail
    states_.push_back(state());
  }
  void before(std::size_t, std::span<Value<T>* const>) override {
    states_.push_back(state());
    ++started_;
    if (!after_ && ops_ == throw_at_) throw std::runtime_error("injected before the forward");
  }
  void after(std::size_t, const Value<T>&) override {
    if (after_ && ops_ == throw_at_) throw std::runtime_error("injected after the forward");
  }
  void settled() override {
    states_.push_back(state());
    if (started_ > ops_) ++ops_;  // an op that recorded a node has finished
  }
  // Op boundaries: the state before the call, before each op that records a node, and after
  // each op or value the tape has taken.
  bool at_a_boundary() const {
    return std::find(states_.begin(), states_.end(), state()) != states_.end();
  }
  std::size_t ops() const { return ops_; }
  std::string describe() const {
    std::string text = "now (" + std::to_string(state().first) + ", " +
                       std::to_string(state().second) + "); boundaries:";
    for (const State& s : states_)
      text += " (" + std::to_string(s.first) + ", " + std::to_string(s.second) + ")";
    return text;
  }

 private:
  State state() const { return {tape_.size(), tape_.used_bytes()}; }
  const Tape<T>& tape_;
  std::size_t throw_at_;
  bool after_;
  std::size_t ops_ = 0, started_ = 0;
  std::vector<State> states_;
};

template <class T>
std::vector<std::vector<T>> gradients(const std::vector<Parameter<T>>& params) {
  std::vector<std::vector<T>> out;
  for (const Parameter<T>& p : params) out.push_back(p.grad().values());
  return out;
}

// The op's output and the parameters' gradients after backward with a seed of ones.
template <class T>
std::pair<std::vector<T>, std::vector<std::vector<T>>> run_clean(const OpCase<T>& c,
                                                                 const std::vector<Tensor<T>>& in) {
  std::vector<Parameter<T>> params;
  for (const Tensor<T>& t : in) params.emplace_back(t, "input");
  std::vector<Var<T>> vars(params.begin(), params.end());
  Tape<T> tape;
  TapeGuard<T> guard(tape);
  const Var<T> out = c.call(vars);
  Tensor<T> seed(out.shape());
  seed.fill(T(1));
  out.backward(seed);
  return {std::vector<T>(out.data().begin(), out.data().end()), gradients(params)};
}

}  // namespace

TEMPLATE_TEST_CASE("an op whose allocation fails leaves the tape and its inputs as they were",
                   "[alloc][exceptions]", float, double) {
  using T = TestType;
  std::size_t ops_checked = 0, failures_injected = 0;
  for (const OpCase<T>& c : op_catalog<T>()) {
    INFO(c.op << ": " << c.description);
    std::vector<Tensor<T>> in;
    for (std::size_t k = 0; k < c.inputs.size(); ++k)
      in.push_back(inputs_for<T>(c.inputs[k], c.domain, k));
    const auto [clean_output, clean_grads] = run_clean(c, in);

    // Fail the op's first allocation, then its second, ... until it makes none that fails.
    for (std::size_t n = 0;; ++n) {
      INFO("failing allocation " << n);
      REQUIRE(n < 64);
      std::vector<Parameter<T>> params;
      for (const Tensor<T>& t : in) params.emplace_back(t, "input");
      std::vector<Var<T>> vars(params.begin(), params.end());
      Tape<T> tape;
      TapeGuard<T> guard(tape);
      const Var<T> before = scale(vars[0], T(1));  // something on the tape already
      fill_current_chunk(tape);
      BoundaryObserver<T> boundaries(tape);
      tape.set_observer(&boundaries);

      bool failed = false;
      {
        FailAllocation fail(n);
        try {
          c.call(vars);
        } catch (const std::bad_alloc&) {
          failed = true;
        }
        CHECK(failed == fail.failed());  // bad_alloc only from the injected failure
      }
      tape.set_observer(nullptr);
      if (!failed) {
        CHECK(n >= 1);  // every op takes memory from the tape, so at least one failure was tried
        break;
      }
      ++failures_injected;
      INFO(boundaries.describe());
      CHECK(boundaries.at_a_boundary());  // no part of the failed op is left on the tape
      for (std::size_t k = 0; k < params.size(); ++k) {
        CHECK(params[k].value().values()[0] == in[k].values()[0]);
        CHECK(std::equal(params[k].value().values().begin(), params[k].value().values().end(),
                         in[k].values().begin()));
      }
      CHECK(before.data()[0] == in[0].values()[0]);  // earlier values untouched

      // The tape goes on as if the failed op had never been tried.
      const Var<T> out = c.call(vars);
      CHECK(out.data().size() == clean_output.size());
      CHECK(std::equal(out.data().begin(), out.data().end(), clean_output.begin()));
      Tensor<T> seed(out.shape());
      seed.fill(T(1));
      out.backward(seed);
      CHECK(gradients(params) == clean_grads);
    }
    ++ops_checked;
  }
  CHECK(ops_checked == op_catalog<T>().size());
  CHECK(failures_injected >= ops_checked);
}

TEMPLATE_TEST_CASE("an op that throws part-way through leaves the tape as it was",
                   "[alloc][exceptions]", float, double) {
  using T = TestType;
  for (const OpCase<T>& c : op_catalog<T>()) {
    INFO(c.op << ": " << c.description);
    std::vector<Tensor<T>> in;
    for (std::size_t k = 0; k < c.inputs.size(); ++k)
      in.push_back(inputs_for<T>(c.inputs[k], c.domain, k));
    const auto [clean_output, clean_grads] = run_clean(c, in);
    // Throw from inside each op the case records in turn: once its inputs are taken (before its
    // forward computes), or once its output is computed (before its node is recorded). Stands
    // for any failure in an op part-way through.
    for (std::size_t op = 0;; ++op) {
      bool thrown = false;
      for (bool after : {false, true}) {
        INFO("op " << op << ", " << (after ? "after" : "before") << " the forward");
        std::vector<Parameter<T>> params;
        for (const Tensor<T>& t : in) params.emplace_back(t, "input");
        std::vector<Var<T>> vars(params.begin(), params.end());
        Tape<T> tape;
        TapeGuard<T> guard(tape);
        const Var<T> before = scale(vars[0], T(1));
        BoundaryObserver<T> observer(tape, op, after);
        tape.set_observer(&observer);
        try {
          c.call(vars);
        } catch (const std::runtime_error&) {
          thrown = true;
        }
        tape.set_observer(nullptr);
        if (!thrown) break;  // the case records fewer ops than that
        CHECK(observer.at_a_boundary());
        CHECK(before.data()[0] == in[0].values()[0]);
        const Var<T> out = c.call(vars);
        CHECK(std::equal(out.data().begin(), out.data().end(), clean_output.begin()));
        Tensor<T> seed(out.shape());
        seed.fill(T(1));
        out.backward(seed);
        CHECK(gradients(params) == clean_grads);
      }
      if (!thrown) break;
    }
  }
}

TEST_CASE(
    "a backward whose allocation fails leaves the parameters' gradients as they were, "
    "with contract checks on",
    "[alloc][exceptions]") {
  Parameter<double> w(Tensor<double>({3, 2}, {0.5, -1, 2, 0.25, -0.5, 1.5}), "w");
  const Tensor<double> x({4, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
  struct Checks {
    Checks() { ContractChecks::set_enabled(true); }
    ~Checks() { ContractChecks::set_enabled(false); }
  } checks;
  for (std::size_t n = 0;; ++n) {
    INFO("failing allocation " << n);
    REQUIRE(n < 64);
    Tape<double> tape;
    TapeGuard<double> guard(tape);
    w.zero_grad();
    w.grads()[0] = 3;  // an earlier gradient, which a failed backward must keep
    const Var<double> E = sum(sigmoid(matmul(Var<double>(x), w)));
    fill_current_chunk(tape);  // the gradient buffers backward needs come from the heap
    bool failed = false;
    {
      FailAllocation fail(n);
      try {
        E.backward();
      } catch (const std::bad_alloc&) {
        failed = true;
      }
    }
    if (!failed) break;
    CHECK(w.grad()[0] == 3);
    for (std::size_t i = 1; i < 6; ++i) CHECK(w.grad()[i] == 0);
  }
}

}  // namespace file_alloc_exception_safety_test
