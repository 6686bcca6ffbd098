// Limits: a graph of a million nodes and a parameter of 1 GiB work, with no recursion deep enough
// to overflow a small stack and no memory growth between steps; a file that claims an absurd size
// is refused before anything of that size is allocated.
#include <pthread.h>
#include <sys/resource.h>
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <functional>
#include <string>

#include "allocation_hooks.hpp"
#include "tapegrad.hpp"

namespace file_alloc_limits_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad;
using tapegrad::testing::allocations;
using tapegrad::testing::largest_allocation;
using tapegrad::testing::reset_largest_allocation;

namespace {

// Runs f on a thread with a stack of `bytes`, rethrowing what it throws. A recursion over a
// million nodes would need far more than 256 KiB (at least a few dozen bytes a frame).
void run_with_stack(std::size_t bytes, const std::function<void()>& f) {
  struct Job {
    const std::function<void()>* f;
    std::exception_ptr error;
  } job{&f, nullptr};
  pthread_attr_t attributes;
  REQUIRE(pthread_attr_init(&attributes) == 0);
  REQUIRE(pthread_attr_setstacksize(&attributes, bytes) == 0);
  pthread_t thread;
  auto body = [](void* arg) -> void* {
    auto* j = static_cast<Job*>(arg);
    try {
      (*j->f)();
    } catch (...) {
      j->error = std::current_exception();
    }
    return nullptr;
  };
  REQUIRE(pthread_create(&thread, &attributes, body, &job) == 0);
  pthread_join(thread, nullptr);
  pthread_attr_destroy(&attributes);
  if (job.error) std::rethrow_exception(job.error);
}

long peak_resident_kib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

}  // namespace

TEST_CASE(
    "a million-node graph records and differentiates on a 256 KiB stack, with no growth "
    "between steps",
    "[alloc][limits]") {
  constexpr std::size_t kNodes = 1'000'000;
  Parameter<double> a(Tensor<double>({1}, {0.5}), "a");
  std::size_t reserved_after_first = 0, reserved_after_last = 0, allocations_after_first = 0;
  std::size_t allocations_after_last = 0, nodes = 0;
  double gradient = 0;
  run_with_stack(256 * 1024, [&] {
    Tape<double> tape;
    TapeGuard<double> guard(tape);
    for (int step = 0; step < 3; ++step) {
      tape.clear();
      a.zero_grad();
      // x_{i+1} = x_i·c + a with c = 1 − 1e-6: dx_n/da = Σ_{i<n} c^i = (1 − cⁿ)/(1 − c).
      Var<double> x = scale(Var<double>(a), 1.0);
      for (std::size_t i = 1; i < kNodes / 2; ++i) x = add(scale(x, 1 - 1e-6), a);
      x.backward();
      if (step == 0) {
        reserved_after_first = tape.reserved_bytes();
        allocations_after_first = allocations();
      }
    }
    allocations_after_last = allocations();
    reserved_after_last = tape.reserved_bytes();
    nodes = tape.size();
    gradient = a.grad()[0];
  });
  CHECK(nodes >= kNodes - 1);
  CHECK(reserved_after_last == reserved_after_first);
  CHECK(allocations_after_last == allocations_after_first);
  const double c = 1 - 1e-6, n = kNodes / 2;
  // dx/da along the chain: the last x has n − 1 adds and the first scale's 1.
  const double expected = (1 - std::pow(c, n)) / (1 - c);
  CHECK(gradient == Approx(expected).epsilon(1e-9));
}

TEST_CASE("a 1 GiB parameter trains for steps without its memory growing", "[alloc][limits]") {
  constexpr std::size_t kElements = std::size_t{1} << 28;  // float: 1 GiB
  Parameter<float> w(Tensor<float>({kElements}), "w");
  std::fill(w.values().begin(), w.values().end(), 1.0f);
  SGD<float> sgd({w}, SGDOptions(0.25));
  Tape<float> tape;
  TapeGuard<float> guard(tape);
  long resident_after_first = 0;
  for (int step = 0; step < 3; ++step) {
    tape.clear();
    const Var<float> E = sum(w);  // ∂E/∂w = 1 everywhere
    sgd.zero_grad();
    E.backward();
    sgd.step();
    if (step == 0) resident_after_first = peak_resident_kib();
  }
  CHECK(w.value()[0] == 1.0f - 3 * 0.25f);
  CHECK(w.value()[kElements - 1] == 1.0f - 3 * 0.25f);
  CHECK(w.value()[kElements / 2 + 12345] == 1.0f - 3 * 0.25f);
  // Steps two and three reuse the first's memory: the peak grows by well under one tensor.
  CHECK(peak_resident_kib() - resident_after_first < 64 * 1024);
}

TEST_CASE("sizes beyond memory are refused before anything of their size is allocated",
          "[alloc][limits]") {
  reset_largest_allocation();
  // A safetensors header that claims a tensor of 2^62 float64 elements, over 8 bytes of data.
  const std::string header =
      R"({"w":{"dtype":"F64","shape":[2147483648,2147483648],"data_offsets":[0,8]}})";
  std::string bytes(8, '\0');
  for (std::size_t i = 0; i < 8; ++i)
    bytes[i] = static_cast<char>((header.size() >> (8 * i)) & 0xff);
  bytes += header + std::string(8, '\0');
  CHECK_THROWS_AS(parse_safetensors(bytes, "huge.safetensors"), Error);
  // An op asking its tape for room whose byte size does not fit in memory's address space.
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  const Var<double> x = tape.variable(Tensor<double>({1}, {1.0}), true);
  const std::size_t recorded = tape.size();
  {
    Op<double> op("probe", x);
    CHECK_THROWS_AS(op.save(std::size_t{1} << 61), std::bad_alloc);
  }
  CHECK_THROWS_AS(Shape({std::size_t{1} << 32, std::size_t{1} << 32}), ShapeError);
  CHECK(largest_allocation() < (std::size_t{1} << 20));
  CHECK(tape.size() == recorded);
}

}  // namespace file_alloc_limits_test
