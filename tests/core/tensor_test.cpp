// Tensor and Shape: construction, indexing, and errors that name the shapes.
#include <catch2/catch.hpp>

#include <span>
#include <type_traits>
#include <vector>

#include "tapegrad.hpp"

namespace file_core_tensor_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad;
using Catch::Matchers::Contains;

TEST_CASE("a tensor is dense and row-major", "[core][tensor]") {
  Tensor<float> t({2, 3}, {0, 1, 2, 3, 4, 5});
  CHECK(t.size() == 6);
  CHECK(t.rank() == 2);
  CHECK(t.at({1, 0}) == 3);
  CHECK(t.at({0, 2}) == 2);
  CHECK(t.shape().str() == "[2,3]");
  CHECK(Tensor<double>::scalar(4.0).shape().rank() == 0);
  CHECK(Tensor<double>::scalar(4.0).item() == 4.0);
}

TEST_CASE("tensors of any rank up to the maximum are allowed", "[core][tensor]") {
  Tensor<double> t({2, 1, 3, 2});
  CHECK(t.size() == 12);
  t.at({1, 0, 2, 1}) = 7;
  CHECK(t[11] == 7);
  CHECK_THROWS_WITH((Shape{1, 1, 1, 1, 1, 1, 1, 1, 1}), Contains("exceeds the maximum rank 8"));
}

TEST_CASE("bad tensor construction and indexing name the shape", "[core][tensor][errors]") {
  CHECK_THROWS_WITH((Tensor<double>({2, 3}, {1, 2})), Contains("2 values given for shape [2,3]"));
  Tensor<double> t({2, 3});
  CHECK_THROWS_WITH(t.at({2, 0}), Contains("index [2,0] is out of bounds for shape [2,3]"));
  CHECK_THROWS_WITH(t.at({0}), Contains("has rank 2"));
  CHECK_THROWS_WITH(t.item(), Contains("[2,3] has 6 elements"));
  CHECK_THROWS_WITH(t.reshaped({4}), Contains("reshape: [2,3] (6 elements) to [4]"));
}

TEST_CASE("parameter assign keeps the shape and refuses another", "[core][parameter]") {
  Parameter<double> p(Tensor<double>({2}, {1, 2}), "p");
  p.assign(Tensor<double>({2}, {3, 4}));
  CHECK(p.value()[1] == 4);
  CHECK_THROWS_WITH(p.assign(Tensor<double>({3})), Contains("parameter 'p'") && Contains("[3]"));
  CHECK(p.value()[1] == 4);
  Parameter<double> copy = p;  // copies share storage, like torch::Tensor
  copy.values()[0] = 9;
  CHECK(p.value()[0] == 9);
  CHECK(copy == p);
}

TEST_CASE("a shape refuses dimensions of 2^32 or more and element counts of 2^56 or more",
          "[core][shape][errors]") {
  const std::size_t big = std::size_t{1} << 32;
  CHECK_THROWS_AS(Shape({2, big}), ShapeError);
  CHECK_THROWS_WITH(Shape({2, big}), Contains("dimension 1 is 4294967296"));
  CHECK_NOTHROW(Shape({big - 1}));
  CHECK(Shape({big - 1, 3}).size() == (big - 1) * 3);
  CHECK_THROWS_WITH(Shape({big - 1, big - 1, big - 1}),
                    Contains("more elements than fit in 64 bits"));
  CHECK(Shape({big - 1, big - 1, 0}).size() == 0);  // partial products are checked against 2^64
  const std::size_t largest = (std::size_t{1} << 56) - 1;  // (2^28 − 1)(2^28 + 1)
  CHECK(Shape({(1 << 28) - 1, (1 << 28) + 1}).size() == largest);
  CHECK(Shape({(1 << 28) - 1, (1 << 28) + 1}).rank() == 2);
  CHECK_THROWS_WITH(Shape({1 << 28, 1 << 28}), Contains("2^56 elements or more"));
  CHECK(Shape({1, 1, 1, 1, 1, 1, 1, 1}).rank() == 8);
  CHECK_THROWS_AS(Shape({1, 1, 1, 1, 1, 1, 1, 1, 1}), ShapeError);
  CHECK(Shape{}.size() == 1);
  CHECK(Shape({0, 5}).size() == 0);
}

TEST_CASE("a temporary tensor's values() owns them, so a loop over them reads live memory",
          "[core][tensor]") {
  const auto make = [] { return Tensor<double>({3}, {1.5, -2, 4}); };
  std::vector<double> seen;
  for (double v : make().values()) seen.push_back(v);  // a span here would point into freed memory
  CHECK(seen == std::vector<double>{1.5, -2, 4});
  static_assert(std::is_same_v<decltype(make().values()), std::vector<double>>);
  Tensor<double> named = make();
  static_assert(std::is_same_v<decltype(named.values()), std::span<double>>);
}

TEST_CASE("grad() on a const Parameter reads zeros after zero_grad without writing them",
          "[core][parameter]") {
  Parameter<double> p(Tensor<double>({2}, {1, 2}), "p");
  for (double& g : p.grads()) g = 7;  // stale storage, which a lazy zero_grad leaves in place
  p.zero_grad();
  const Parameter<double>& view = p;
  CHECK_FALSE(view.has_grad());
  for (double g : view.grad().values()) CHECK(g == 0);
  CHECK_FALSE(view.has_grad());             // reading it did not materialise the zeros
  CHECK(p.var().value()->grad == nullptr);  // the engine still sees "no gradient yet"
  CHECK(p.grad().values()[1] == 0);         // a non-const read writes the zeros...
  CHECK(p.has_grad());                      // ...and from then on it holds them
  CHECK(&p.grad() == &p.grad());            // by reference
}

}  // namespace file_core_tensor_test
