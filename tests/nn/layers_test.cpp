// The layer modules (models/conv.hpp, pooling.hpp, dropout.hpp, normalization.hpp,
// embedding.hpp): their parameters and buffers under torch's names and shapes, torch's initial
// values, what forward computes (against plain loops or the op it wraps), train/eval behaviour,
// and the errors for bad options.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "tapegrad.hpp"

namespace file_nn_layers_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad;

template <class T>
std::vector<T> list(const Tensor<T>& t) {
  return {t.values().begin(), t.values().end()};
}

std::vector<std::string> state_names(const Module<double>& m) {
  std::vector<std::string> names;
  for (const auto& entry : m.state_dict()) names.push_back(entry.first);
  return names;
}

TEST_CASE("Conv2d has torch's parameters, bounds and forward", "[nn][layers][conv]") {
  Generator generator(4);
  Conv2d<double> conv(
      Conv2dOptions(4, 6, {3, 2}).groups(2).stride(2).padding(1).generator(&generator));
  CHECK(state_names(conv) == std::vector<std::string>{"weight", "bias"});
  CHECK(conv.weight.shape() == Shape{6, 2, 3, 2});
  CHECK(conv.bias.shape() == Shape{6});
  const double bound = 1 / std::sqrt(2.0 * 3 * 2);  // fan_in = in/groups · kH · kW
  for (double w : conv.weight.value().values()) CHECK(std::abs(w) <= bound);
  for (double b : conv.bias.value().values()) CHECK(std::abs(b) <= bound);

  Tape<double> tape;
  TapeGuard<double> guard(tape);
  const Var<double> x = tape.variable(normal_tensor(Shape{2, 4, 5, 5}, 0.0, 1.0, generator), false);
  Conv2dArgs args;
  args.stride = {2, 2};
  args.padding = {1, 1};
  args.groups = 2;
  const Tensor<double> expected = conv2d(x, conv.weight, conv.bias, args).to_tensor();
  const Tensor<double> y = conv.forward(x).to_tensor();
  CHECK(y.shape() == Shape{2, 6, 3, 3});
  CHECK(list(y) == list(expected));

  Conv2d<double> no_bias(Conv2dOptions(1, 2, 3).bias(false));
  CHECK(state_names(no_bias) == std::vector<std::string>{"weight"});
  CHECK_THROWS_WITH(Conv2d<double>(Conv2dOptions(3, 4, 3).groups(2)),
                    Catch::Contains("Conv2d") && Catch::Contains("divisible by groups 2"));
  CHECK_THROWS_WITH(Conv2d<double>(Conv2dOptions(3, 4, 0)), Catch::Contains("kernel_size"));
}

TEST_CASE("Conv1d wraps conv1d", "[nn][layers][conv]") {
  Conv1d<float> conv(Conv1dOptions(2, 3, 3).padding(1));
  CHECK(conv.weight.shape() == Shape{3, 2, 3});
  Tape<float> tape;
  TapeGuard<float> guard(tape);
  const Var<float> x = tape.variable(uniform_tensor(Shape{2, 2, 7}, -1.0f, 1.0f), false);
  Conv1dArgs args;
  args.padding = 1;
  CHECK(list(conv.forward(x).to_tensor()) ==
        list(conv1d(x, conv.weight, conv.bias, args).to_tensor()));
}

TEST_CASE("pooling layers default their stride to the kernel size", "[nn][layers][pool]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  std::vector<double> v(2 * 3 * 4 * 6);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>((i * 7) % 11);
  const Var<double> x = tape.variable(Tensor<double>(Shape{2, 3, 4, 6}, v), false);
  const Tensor<double> m = MaxPool2d<double>(Pool2dOptions(2)).forward(x).to_tensor();
  const Tensor<double> a = AvgPool2d<double>(Pool2dOptions(2)).forward(x).to_tensor();
  REQUIRE(m.shape() == Shape{2, 3, 2, 3});
  REQUIRE(a.shape() == Shape{2, 3, 2, 3});
  for (std::size_t nc = 0; nc < 6; ++nc)
    for (std::size_t i = 0; i < 2; ++i)
      for (std::size_t j = 0; j < 3; ++j) {
        double biggest = -1e300, total = 0;
        for (std::size_t di = 0; di < 2; ++di)
          for (std::size_t dj = 0; dj < 2; ++dj) {
            const double e = v[nc * 24 + (2 * i + di) * 6 + 2 * j + dj];
            biggest = std::max(biggest, e);
            total += e;
          }
        CHECK(m.values()[nc * 6 + i * 3 + j] == biggest);
        CHECK(a.values()[nc * 6 + i * 3 + j] == Approx(total / 4));
      }
  const Tensor<double> g = AdaptiveAvgPool2d<double>(1).forward(x).to_tensor();
  CHECK(g.shape() == Shape{2, 3, 1, 1});
}

TEST_CASE("Dropout drops in training and is the identity in evaluation", "[nn][layers][dropout]") {
  Generator generator(9);
  Dropout<double> drop(DropoutOptions(0.25).generator(&generator));
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  const Var<double> x = tape.variable(Tensor<double>::full(Shape{20000}, 2.0), false);
  const Tensor<double> y = drop.forward(x).to_tensor();
  std::size_t kept = 0;
  for (double v : y.values()) {
    CHECK((v == 0.0 || v == 2.0 / 0.75));
    kept += v != 0.0;
  }
  CHECK(static_cast<double>(kept) / 20000 == Approx(0.75).margin(0.015));  // ~5 σ
  drop.eval();
  CHECK(list(drop.forward(x).to_tensor()) == list(x.to_tensor()));
  CHECK_THROWS_WITH(Dropout<double>(1.5), Catch::Contains("p must be in [0, 1]"));
}

TEST_CASE("LayerNorm normalises the trailing dimensions", "[nn][layers][norm]") {
  LayerNorm<double> norm(LayerNormOptions({3}));
  CHECK(state_names(norm) == std::vector<std::string>{"weight", "bias"});
  CHECK(list(norm.weight.value()) == std::vector<double>{1, 1, 1});
  norm.weight.assign(Tensor<double>(Shape{3}, {1, 2, 3}));
  norm.bias.assign(Tensor<double>(Shape{3}, {0, 0, 1}));
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  const std::vector<double> v{1, 2, 6, -1, 0, 4};
  const Tensor<double> y =
      norm.forward(tape.variable(Tensor<double>(Shape{2, 3}, v), false)).to_tensor();
  for (std::size_t r = 0; r < 2; ++r) {
    const double mean = (v[3 * r] + v[3 * r + 1] + v[3 * r + 2]) / 3;
    double var = 0;
    for (std::size_t c = 0; c < 3; ++c) var += (v[3 * r + c] - mean) * (v[3 * r + c] - mean) / 3;
    for (std::size_t c = 0; c < 3; ++c)  // (x − μ)/√(σ² + ε)·γ + β, biased σ²
      CHECK(y.values()[3 * r + c] ==
            Approx((v[3 * r + c] - mean) / std::sqrt(var + 1e-5) * double(c + 1) + (c == 2)));
  }
  CHECK_THROWS_AS(LayerNorm<double>(LayerNormOptions({})), Error);
}

TEST_CASE("BatchNorm2d keeps torch's buffers and updates them in training only",
          "[nn][layers][norm]") {
  BatchNorm2d<double> bn(BatchNormOptions(2));
  CHECK(state_names(bn) == std::vector<std::string>{"weight", "bias", "running_mean", "running_var",
                                                    "num_batches_tracked"});
  CHECK(bn.num_batches_tracked.is_integer());
  std::vector<double> v(3 * 2 * 2 * 2);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = std::sin(static_cast<double>(i));
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  const Var<double> x = tape.variable(Tensor<double>(Shape{3, 2, 2, 2}, v), false);
  bn.forward(x);
  for (std::size_t c = 0; c < 2; ++c) {
    double mean = 0, var = 0;
    for (std::size_t n = 0; n < 3; ++n)
      for (std::size_t s = 0; s < 4; ++s) mean += v[n * 8 + c * 4 + s] / 12;
    for (std::size_t n = 0; n < 3; ++n)
      for (std::size_t s = 0; s < 4; ++s) var += std::pow(v[n * 8 + c * 4 + s] - mean, 2) / 11;
    CHECK(bn.running_mean.value().values()[c] == Approx(0.1 * mean));      // 0.9·0 + 0.1·μ
    CHECK(bn.running_var.value().values()[c] == Approx(0.9 + 0.1 * var));  // unbiased σ²
  }
  CHECK(bn.num_batches_tracked.integer_value().values()[0] == 1);
  bn.eval();
  const std::vector<double> before = list(bn.running_mean.value());
  bn.forward(x);
  CHECK(bn.num_batches_tracked.integer_value().values()[0] == 1);
  CHECK(list(bn.running_mean.value()) == before);
  CHECK_THROWS_WITH(bn.forward(tape.variable(Tensor<double>(Shape{3, 2}), false)),
                    Catch::Contains("BatchNorm2d") && Catch::Contains("[3,2]"));
}

TEST_CASE("Embedding picks rows, and its padding row starts at zero and gets no gradient",
          "[nn][layers][embedding]") {
  Embedding<double> embed(EmbeddingOptions(5, 3).padding_idx(-1));  // row 4
  CHECK(embed.weight.shape() == Shape{5, 3});
  for (std::size_t j = 0; j < 3; ++j) CHECK(embed.weight.value().values()[12 + j] == 0.0);
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  const Var<double> y = embed.forward(IndexTensor(Shape{2, 2}, {1, 4, 1, 0}));
  CHECK(y.shape() == Shape{2, 2, 3});
  for (std::size_t j = 0; j < 3; ++j) CHECK(y.data()[j] == embed.weight.value().values()[3 + j]);
  embed.zero_grad();
  sum(y).backward();
  const Tensor<double>& g = embed.weight.grad();
  for (std::size_t j = 0; j < 3; ++j) {
    CHECK(g.values()[0 + j] == 1.0);   // row 0 picked once
    CHECK(g.values()[3 + j] == 2.0);   // row 1 twice
    CHECK(g.values()[12 + j] == 0.0);  // the padding row
  }
  CHECK_THROWS_WITH(Embedding<double>(EmbeddingOptions(5, 3).padding_idx(5)),
                    Catch::Contains("padding_idx 5"));
}

}  // namespace file_nn_layers_test
