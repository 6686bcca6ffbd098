// Tensor factories (graph/factories.hpp) and printing (operator<<), as torch names and prints
// them.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <sstream>
#include <string>

#include "core.hpp"

namespace file_core_factories_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad;

namespace {

template <class T>
std::string printed(const T& value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

}  // namespace

TEST_CASE("zeros, ones, full, eye and the _like forms give the shape and values asked for",
          "[core][factories]") {
  const Tensor<float> z = zeros<float>({2, 3});
  CHECK(z.shape() == Shape{2, 3});
  for (float v : z.values()) CHECK(v == 0);
  for (double v : ones({4}).values()) CHECK(v == 1);
  for (double v : full({2, 2}, 2.5).values()) CHECK(v == 2.5);
  const Tensor<double> i = eye(2, 3);
  CHECK(i.values()[0] == 1);
  CHECK(i.values()[4] == 1);
  CHECK(i.values()[1] == 0);
  CHECK(i.values()[5] == 0);
  CHECK(zeros_like(i).shape() == Shape{2, 3});
  CHECK(ones_like(i).values()[5] == 1);
  CHECK(full_like(i, 7.0).values()[2] == 7);
}

TEST_CASE("arange and linspace count as torch's do", "[core][factories]") {
  CHECK(arange(5).values()[4] == 4);
  CHECK(arange(5).size() == 5);
  const Tensor<double> down = arange(2, -1, -0.5);  // 2, 1.5, ..., −0.5
  CHECK(down.size() == 6);
  CHECK(down.values()[5] == -0.5);
  CHECK(arange<std::int64_t>(0, 10, 3).values()[3] == 9);
  CHECK_THROWS_AS(arange(0, 1, 0), Error);
  CHECK_THROWS_AS(arange(0, 1, -1), Error);
  const Tensor<double> l = linspace(0, 1, 5);
  CHECK(l.values()[0] == 0);
  CHECK(l.values()[2] == 0.5);
  CHECK(l.values()[4] == 1);  // the end exactly
  CHECK(linspace(3, 7, 1).values()[0] == 3);
  CHECK(linspace(3, 7, 0).size() == 0);
}

TEST_CASE("rand and randn follow manual_seed, and rand stays below 1", "[core][factories]") {
  manual_seed(5);
  const Tensor<double> a = rand({1000});
  const Tensor<float> n = randn<float>({1000});
  manual_seed(5);
  const Tensor<double> again = rand({1000});
  CHECK(std::ranges::equal(again.values(), a.values()));
  double mean = 0;
  for (double v : a.values()) {
    CHECK(v >= 0);
    CHECK(v < 1);
    mean += v / 1000;
  }
  CHECK(mean == Approx(0.5).margin(0.05));
  double square = 0;
  for (float v : n.values()) square += static_cast<double>(v) * v / 1000;
  CHECK(square == Approx(1).margin(0.15));
  Generator g(9);
  CHECK(randn({3}, g).values() != randn({3}).values());
}

TEST_CASE("a tensor prints as torch prints one", "[core][print]") {
  CHECK(printed(Tensor<float>({2, 2}, {1, -2.5f, 3, 4})) ==
        "tensor([[ 1.0000, -2.5000],\n        [ 3.0000,  4.0000]])");
  CHECK(printed(Tensor<double>({3}, {1, 2, 3})) == "tensor([1., 2., 3.], dtype=float64)");
  CHECK(printed(Tensor<float>::scalar(0.5f)) == "tensor(0.5000)");
  CHECK(printed(Tensor<float>({2}, {1e9f, 1})) == "tensor([1.0000e+09, 1.0000e+00])");
  CHECK(printed(Tensor<float>({0, 3})) == "tensor([], size=(0, 3))");
  CHECK(printed(IndexTensor({2}, {4, -1})) == "tensor([ 4, -1])");
  CHECK(printed(Tensor<float>({2}, {0.001f, 123.4f})) == "tensor([1.0000e-03, 1.2340e+02])");
  CHECK(printed(zeros<float>({2, 1, 2})) == "tensor([[[0., 0.]],\n\n        [[0., 0.]]])");
  const std::string big = printed(zeros<float>({2000}));
  CHECK(big == "tensor([0., 0., 0.,  ..., 0., 0., 0.])");  // as torch.zeros(2000)
  Tape<float> tape;
  TapeGuard<float> guard(tape);
  CHECK(printed(tape.variable(Tensor<float>({1}, {2}), true)) ==
        "tensor([2.], requires_grad=True)");
}

}  // namespace file_core_factories_test
