// A training step allocates nothing on the heap once the tape has grown to its size: the tape's
// arena holds nodes and tensors, clear() keeps it, and parameters and optimizer state live in
// buffers made once. Counted by replacing the global operator new in this test program.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <new>

#include "tapegrad/tapegrad.hpp"

namespace {

std::atomic<std::size_t> allocations{0};

void* counted_allocation(std::size_t size) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}

void* counted_aligned_allocation(std::size_t size, std::align_val_t align) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  const auto alignment = static_cast<std::size_t>(align);
  if (void* p = std::aligned_alloc(alignment, (size + alignment - 1) / alignment * alignment))
    return p;
  throw std::bad_alloc();
}

}  // namespace

void* operator new(std::size_t size) {
  return counted_allocation(size);
}
void* operator new[](std::size_t size) {
  return counted_allocation(size);
}
void* operator new(std::size_t size, std::align_val_t align) {
  return counted_aligned_allocation(size, align);
}
void* operator new[](std::size_t size, std::align_val_t align) {
  return counted_aligned_allocation(size, align);
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete(void* p, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept {
  std::free(p);
}

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
  const std::size_t before = allocations.load();
  for (int i = 0; i < steps; ++i) step();
  return allocations.load() - before;
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
  const std::size_t before = allocations.load();
  auto* p = new std::vector<int>(100);
  delete p;
  CHECK(allocations.load() - before >= 2);
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
  const std::size_t before = allocations.load();
  for (int i = 0; i < 20; ++i) step();
  CHECK(allocations.load() - before == 0);
}
