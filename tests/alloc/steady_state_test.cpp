// A training step allocates nothing on the heap once the tape has grown to its size: the tape's
// arena holds nodes and tensors, clear() keeps it, and parameters and optimizer state live in
// buffers made once. Counted by the global operator new of allocation_hooks.cpp and by its
// wrapped C allocator.
#include <malloc.h>
#include <catch2/catch.hpp>

#include <cstdlib>

#include "allocation_hooks.hpp"
#include "ops/detail/gemm_backend.hpp"
#include "tapegrad.hpp"

namespace file_alloc_steady_state_test {  // the file's own scope: the test programs are unity
                                          // builds

using tapegrad::testing::allocations;
using namespace tapegrad;

namespace {

// Heap allocations made by `steps` training steps after `warmup` steps.
template <class T, class Optimizer>
std::size_t allocations_per_steps(MLP<T>& net, Optimizer& optimizer, const Tensor<T>& x,
                                  const Tensor<T>& y, int warmup, int steps) {
  Tape<T> tape;
  TapeGuard<T> guard(tape);
  auto step = [&] {
    tape.clear();
    const Var<T> loss = sse_loss(net.forward(x), y);
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
  };
  for (int i = 0; i < warmup; ++i) step();
  const std::size_t before = allocations();
  for (int i = 0; i < steps; ++i) step();
  return allocations() - before;
}

template <class T>
MLP<T> make_net(std::size_t inputs, std::size_t hidden, std::size_t outputs) {
  Generator generator(3);
  return MLP<T>(MLPOptions(inputs)
                    .layer(hidden, Activation::kSigmoid)
                    .layer(outputs, Activation::kIdentity)
                    .generator(&generator));
}

}  // namespace

TEST_CASE("the allocation counter sees allocations", "[alloc]") {
  // Without this the tests below could pass because nothing is counted.
  // The library's allocations are what counts: a tape's first step allocates its arena, and
  // a vector made inside the library (a Tensor's) allocates its buffer.
  const std::size_t before = allocations();
  {
    Tape<double> tape;
    TapeGuard<double> guard(tape);
    const Tensor<double> t({100});
    sum(Var<double>(t));
  }
  CHECK(allocations() - before >= 3);  // the tensor, the tape's node list, the arena's chunk
}

TEST_CASE("the allocation counter sees the C allocator's calls", "[alloc]") {
  // tapegrad's libraries are static archives linked into this program like this file, so a call
  // of the C allocator in them goes through the same wrapped functions as these.
  using tapegrad::testing::c_allocations;
  const std::size_t before = allocations(), c_before = c_allocations();
  void* blocks[6] = {};
  blocks[0] = std::malloc(24);
  blocks[1] = std::calloc(3, 8);
  blocks[2] = std::realloc(nullptr, 40);
  blocks[3] = std::aligned_alloc(64, 128);
  REQUIRE(posix_memalign(&blocks[4], 64, 96) == 0);
  blocks[5] = memalign(32, 64);
  for (void* p : blocks) std::free(p);
  CHECK(c_allocations() - c_before == 6);
  CHECK(allocations() - before == 6);
}

TEMPLATE_TEST_CASE("an SGD training step allocates nothing after the first", "[alloc]", float,
                   double) {
  const auto [inputs, hidden, outputs, batch] =
      GENERATE(std::array<std::size_t, 4>{4, 8, 1, 1}, std::array<std::size_t, 4>{64, 256, 1, 32},
               std::array<std::size_t, 4>{20, 30, 10, 16});
  INFO(inputs << "-" << hidden << "-" << outputs << " batch " << batch);
  MLP<TestType> net = make_net<TestType>(inputs, hidden, outputs);
  SGD<TestType> sgd(net.parameters(), SGDOptions(0.01).momentum(0.9));
  Generator generator(4);
  const Tensor<TestType> x = uniform_tensor({batch, inputs}, TestType(-1), TestType(1), generator);
  const Tensor<TestType> y = uniform_tensor({batch, outputs}, TestType(-1), TestType(1), generator);
  CHECK(allocations_per_steps(net, sgd, x, y, 1, 20) == 0);
}

TEST_CASE("a step whose products oneDNN runs allocates nothing of tapegrad's own", "[alloc]") {
  // 256-512-64 at batch 128 in float: every product of the step goes to dnnl_sgemm, which may
  // allocate inside (bench/RESULTS.md counts it per step); tapegrad's own code must not.
  MLP<float> net = make_net<float>(256, 512, 64);
  SGD<float> sgd(net.parameters(), SGDOptions(0.01));
  Generator generator(5);
  const Tensor<float> x = uniform_tensor({128, 256}, -1.0f, 1.0f, generator);
  const Tensor<float> y = uniform_tensor({128, 64}, -1.0f, 1.0f, generator);
  const std::size_t onednn_before = tapegrad::testing::onednn_allocations();
  CHECK(allocations_per_steps(net, sgd, x, y, 1, 5) == 0);
  INFO("oneDNN's own allocations in 5 steps: " << tapegrad::testing::onednn_allocations() -
                                                      onednn_before);
  SUCCEED();
}

TEST_CASE("an Adam training step allocates nothing after the first", "[alloc]") {
  MLP<float> net = make_net<float>(4, 8, 1);
  Adam<float> adam(net.parameters(), AdamOptions(1e-3));
  const Tensor<float> x({1, 4}, {0.5f, -0.25f, 1.0f, 0.125f});
  const Tensor<float> y({1, 1}, {0.75f});
  CHECK(allocations_per_steps(net, adam, x, y, 1, 20) == 0);
}

TEST_CASE("a 1-D example (the seed network's x [d]) allocates nothing after the first step",
          "[alloc]") {
  SeedNetwork<double> net(3, 4);
  SGD<double> sgd(net.parameters(), SGDOptions(0.1));
  const Tensor<double> x({3}, {0.5, -1.0, 2.0});
  const Tensor<double> y({1}, {1.0});
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  auto step = [&] {
    tape.clear();
    const Var<double> E = net.loss(x, y);
    sgd.zero_grad();
    E.backward();
    sgd.step();
  };
  step();
  const std::size_t before = allocations();
  for (int i = 0; i < 20; ++i) step();
  CHECK(allocations() - before == 0);
}

}  // namespace file_alloc_steady_state_test
