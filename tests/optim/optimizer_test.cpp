// What every optimizer shares: zero_grad, the parameter list, and no heap allocation per step.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <new>

#include "tapegrad.hpp"

using namespace tapegrad;
using Catch::Matchers::Contains;

// Count heap allocations while `counting` is set, to show that step() makes none.
namespace {
bool counting = false;
std::size_t allocations = 0;
}  // namespace

// Every replaceable form without an alignment argument is replaced, so that each allocation is
// freed by its matching form (sanitizers check that).
void* operator new(std::size_t size) {
  if (counting) ++allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) {
  return ::operator new(size);
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  if (counting) ++allocations;
  return std::malloc(size == 0 ? 1 : size);
}
void* operator new[](std::size_t size, const std::nothrow_t& tag) noexcept {
  return ::operator new(size, tag);
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
void operator delete(void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}

namespace {

std::size_t allocations_during(Optimizer<double>& optimizer) {
  allocations = 0;
  counting = true;
  optimizer.step();
  counting = false;
  return allocations;
}

}  // namespace

TEST_CASE("Optimizer zero_grad fills every parameter's gradient with 0", "[optim][zero_grad]") {
  Parameter<double> a(Tensor<double>({2, 2})), b(Tensor<double>({3}));
  for (double& g : a.grads()) g = 1.5;
  for (double& g : b.grads()) g = -2.0;
  SGD<double> sgd({a, b}, SGDOptions(0.1));
  sgd.zero_grad();
  for (double g : a.grad().values()) CHECK(g == 0.0);
  for (double g : b.grad().values()) CHECK(g == 0.0);
}

TEST_CASE("Optimizer shares storage with the parameters it was given", "[optim]") {
  Parameter<double> a(Tensor<double>({2}, {1.0, 2.0}));
  a.grads()[0] = 1.0;
  Adam<double> adam({a}, AdamOptions(0.5));
  REQUIRE(adam.parameters().size() == 1);
  CHECK(adam.parameters()[0] == a);
  adam.step();
  CHECK(a.value()[0] < 1.0);   // the update reached the caller's Parameter
  CHECK(a.value()[1] == 2.0);  // zero gradient, zero Adam step
}

TEST_CASE("Optimizer rejects an undefined parameter", "[optim][errors]") {
  Parameter<double> defined(Tensor<double>({1}, {0.0}));
  CHECK_THROWS_WITH(SGD<double>({defined, Parameter<double>()}, SGDOptions(0.1)),
                    Contains("parameter 1 of 2 is undefined"));
}

TEST_CASE("SGD with momentum, Adam and AdamW allocate nothing on the heap in step()",
          "[optim][memory]") {
  Parameter<double> a(Tensor<double>({8, 8})), b(Tensor<double>({8}));
  for (double& g : a.grads()) g = 0.5;
  for (double& g : b.grads()) g = -0.5;
  SGD<double> sgd({a, b}, SGDOptions(0.1).momentum(0.9).nesterov(true).weight_decay(0.01));
  Adam<double> adam({a, b}, AdamOptions(0.01).weight_decay(0.01));
  AdamW<double> adamw({ParamGroup<double>{{a}}, ParamGroup<double>{{b}, AdamWOptions(0.1)}},
                      AdamWOptions(0.01));
  // The counter itself must see allocations, or the zero checks below prove nothing.
  counting = true;
  allocations = 0;
  void* volatile probe = ::operator new(16);  // a direct call, which cannot be elided
  ::operator delete(probe);
  counting = false;
  REQUIRE(allocations == 1);
  for (int step = 0; step < 3; ++step) {
    CHECK(allocations_during(sgd) == 0);
    CHECK(allocations_during(adam) == 0);
    CHECK(allocations_during(adamw) == 0);
  }
}
