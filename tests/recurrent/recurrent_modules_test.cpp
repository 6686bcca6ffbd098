// GRUCell, LSTMCell, GRU and LSTM as modules: torch's parameter names, shapes and order, torch's
// initialisation U(−1/√H, 1/√H) drawn in parameter order, one step computed by hand, shape
// errors that name both shapes and record nothing, and float against double.
#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <vector>

#include "tapegrad.hpp"

namespace file_recurrent_recurrent_modules_test {

using namespace tapegrad;
using Catch::Matchers::Contains;

namespace {

template <class M>
std::vector<std::pair<std::string, Shape>> names_and_shapes(const M& module) {
  std::vector<std::pair<std::string, Shape>> result;
  for (const auto& [name, p] : module.named_parameters()) result.emplace_back(name, p.shape());
  return result;
}

double sigmoid_of(double a) {
  return 1 / (1 + std::exp(-a));
}

}  // namespace

TEST_CASE("recurrent modules have torch's parameter names, shapes and order",
          "[recurrent][names]") {
  using Entries = std::vector<std::pair<std::string, Shape>>;
  CHECK(names_and_shapes(GRUCell<double>(3, 5)) ==
        Entries{
            {"weight_ih", {15, 3}}, {"weight_hh", {15, 5}}, {"bias_ih", {15}}, {"bias_hh", {15}}});
  CHECK(names_and_shapes(LSTMCell<float>(3, 5, false)) ==
        Entries{{"weight_ih", {20, 3}}, {"weight_hh", {20, 5}}});
  CHECK(names_and_shapes(GRU<float>(GRUOptions(2, 4))) == Entries{{"weight_ih_l0", {12, 2}},
                                                                  {"weight_hh_l0", {12, 4}},
                                                                  {"bias_ih_l0", {12}},
                                                                  {"bias_hh_l0", {12}}});
  CHECK(names_and_shapes(LSTM<double>(LSTMOptions(2, 4).bias(false))) ==
        Entries{{"weight_ih_l0", {16, 2}}, {"weight_hh_l0", {16, 4}}});
  CHECK_THROWS_WITH(GRUCell<double>(0, 3), Contains("GRUCell: input_size and hidden_size"));
  CHECK_THROWS_WITH(LSTM<double>(LSTMOptions(2, 0)), Contains("LSTM: input_size"));
}

TEST_CASE("recurrent modules draw every parameter from U(−1/√H, 1/√H) in parameter order",
          "[recurrent][init]") {
  Generator generator(3), reference(3);
  const std::size_t hidden = 4;
  LSTM<double> lstm(LSTMOptions(3, hidden).generator(&generator));
  const double bound = 1 / std::sqrt(static_cast<double>(hidden));  // H, not the input size
  double smallest = 1, largest = -1;
  for (const auto& [name, p] : lstm.named_parameters())
    for (const double w : p.value().values()) {
      INFO(name);
      CHECK(w == reference.uniform(-bound, bound));
      smallest = std::min(smallest, w);
      largest = std::max(largest, w);
    }
  CHECK(smallest < -0.9 * bound);
  CHECK(largest > 0.9 * bound);
}

TEST_CASE("GRUCell's step is r, z, n in that order, h' = (1 − z)n + zh", "[recurrent][gru]") {
  GRUCell<double> cell(1, 1);  // H = 1: each gate is one row
  const double w_ih[] = {0.3, -0.7, 0.5}, w_hh[] = {0.2, 0.4, -0.6}, b_ih[] = {0.1, 0.2, -0.3},
               b_hh[] = {-0.2, 0.05, 0.25};
  cell.weight_ih.assign(Tensor<double>({3, 1}, {w_ih[0], w_ih[1], w_ih[2]}));
  cell.weight_hh.assign(Tensor<double>({3, 1}, {w_hh[0], w_hh[1], w_hh[2]}));
  cell.bias_ih.assign(Tensor<double>({3}, {b_ih[0], b_ih[1], b_ih[2]}));
  cell.bias_hh.assign(Tensor<double>({3}, {b_hh[0], b_hh[1], b_hh[2]}));
  const double x = 0.8, h = -0.4;
  const double r = sigmoid_of(w_ih[0] * x + b_ih[0] + w_hh[0] * h + b_hh[0]);
  const double z = sigmoid_of(w_ih[1] * x + b_ih[1] + w_hh[1] * h + b_hh[1]);
  const double n = std::tanh(w_ih[2] * x + b_ih[2] + r * (w_hh[2] * h + b_hh[2]));
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  const Var<double> out = cell.forward(Tensor<double>({1, 1}, {x}), Tensor<double>({1, 1}, {h}));
  CHECK(out.shape() == Shape{1, 1});
  CHECK(out.item() == Approx((1 - z) * n + z * h).epsilon(1e-14));
}

TEST_CASE("LSTMCell's step is i, f, g, o in that order, c' = fc + ig, h' = o tanh(c')",
          "[recurrent][lstm]") {
  LSTMCell<double> cell(1, 1, false);
  const double w_ih[] = {0.3, -0.7, 0.5, 0.9}, w_hh[] = {0.2, 0.4, -0.6, -0.1};
  cell.weight_ih.assign(Tensor<double>({4, 1}, {w_ih[0], w_ih[1], w_ih[2], w_ih[3]}));
  cell.weight_hh.assign(Tensor<double>({4, 1}, {w_hh[0], w_hh[1], w_hh[2], w_hh[3]}));
  const double x = 0.8, h = -0.4, c = 0.6;
  auto gate = [&](int k) { return w_ih[k] * x + w_hh[k] * h; };
  const double i = sigmoid_of(gate(0)), f = sigmoid_of(gate(1)), g = std::tanh(gate(2)),
               o = sigmoid_of(gate(3));
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  const LSTMState<double> out =
      cell.forward(Tensor<double>({1}, {x}), {Tensor<double>({1}, {h}), Tensor<double>({1}, {c})});
  CHECK(out.c.item() == Approx(f * c + i * g).epsilon(1e-14));
  CHECK(out.h.item() == Approx(o * std::tanh(f * c + i * g)).epsilon(1e-14));
}

TEST_CASE("a GRU over a sequence is its cell's step repeated, and batch_first swaps T and N",
          "[recurrent][gru]") {
  Generator generator(11);
  GRU<double> gru(GRUOptions(3, 2).generator(&generator));
  GRU<double> gru_bf(GRUOptions(3, 2).batch_first(true));
  GRUCell<double> cell(3, 2);
  for (std::size_t k = 0; k < 4; ++k) {
    cell.parameters()[k].assign(gru.parameters()[k].value());
    gru_bf.parameters()[k].assign(gru.parameters()[k].value());
  }
  const Tensor<double> x = uniform_tensor(Shape{4, 2, 3}, -1.0, 1.0, generator);  // [T, N, I]
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  const GRUOutput<double> out = gru.forward(x, Var<double>());
  const GRUOutput<double> out_bf = gru_bf.forward(transpose(Var<double>(x), 0, 1), Var<double>());
  REQUIRE(out.output.shape() == Shape{4, 2, 2});
  REQUIRE(out_bf.output.shape() == Shape{2, 4, 2});
  REQUIRE(out.h_n.shape() == Shape{1, 2, 2});
  Var<double> h = Tensor<double>(Shape{2, 2});
  for (std::int64_t t = 0; t < 4; ++t) {
    h = cell.forward(squeeze(slice(Var<double>(x), 0, t, t + 1), 0), h);
    for (std::size_t n = 0; n < 2; ++n)
      for (std::size_t j = 0; j < 2; ++j) {
        const double expected = h.data()[n * 2 + j];
        const std::size_t u = static_cast<std::size_t>(t);
        CHECK(out.output.data()[(u * 2 + n) * 2 + j] == expected);
        CHECK(out_bf.output.data()[(n * 4 + u) * 2 + j] == expected);
      }
  }
  for (std::size_t i = 0; i < 4; ++i) CHECK(out.h_n.data()[i] == h.data()[i]);
}

TEST_CASE("recurrent modules refuse mismatched shapes, naming both, and record nothing",
          "[recurrent][errors]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  GRUCell<double> gru_cell(3, 2);
  LSTMCell<double> lstm_cell(3, 2);
  GRU<double> gru(GRUOptions(3, 2));
  LSTM<double> lstm(LSTMOptions(3, 2).batch_first(true));
  const Var<double> x = Tensor<double>(Shape{5, 3});
  const Var<double> seq = Tensor<double>(Shape{4, 5, 3});
  const std::size_t before = tape.size();
  CHECK_THROWS_WITH(gru_cell.forward(x, Tensor<double>(Shape{4, 2})),
                    Contains("GRUCell: input [5,3] and state [4,2]"));
  CHECK_THROWS_AS(gru_cell.forward(Tensor<double>(Shape{5, 4})), ShapeError);
  CHECK_THROWS_WITH(lstm_cell.forward(x, {Tensor<double>(Shape{5, 2}), Tensor<double>(Shape{5})}),
                    Contains("LSTMCell: input [5,3] and state [5]"));
  CHECK_THROWS_WITH(gru.forward(Tensor<double>(Shape{4, 5, 2})), Contains("GRU: input [4,5,2]"));
  CHECK_THROWS_WITH(gru.forward(seq, Tensor<double>(Shape{1, 4, 2})),
                    Contains("GRU: h_0 [1,4,2]: expected [1,5,2]"));
  // batch_first: N = 4; h_0 is right, c_0 is not, and neither is recorded.
  CHECK_THROWS_WITH(
      lstm.forward(seq, {Tensor<double>(Shape{1, 4, 2}), Tensor<double>(Shape{4, 2})}),
      Contains("LSTM: c_0 [4,2]: expected [1,4,2]"));
  // Two layers: h_0 is [2, N, H]; one layer's h_0 is refused.
  GRU<double> gru2(GRUOptions(3, 2).num_layers(2));
  CHECK_THROWS_WITH(gru2.forward(seq, Tensor<double>(Shape{1, 5, 2})),
                    Contains("GRU: h_0 [1,5,2]: expected [2,5,2]"));
  CHECK(tape.size() == before);
  CHECK_THROWS_WITH(GRU<double>(GRUOptions(3, 2).num_layers(0)),
                    Contains("GRU: num_layers must be at least 1"));
  CHECK_THROWS_WITH(LSTM<double>(LSTMOptions(3, 2).num_layers(0)),
                    Contains("LSTM: num_layers must be at least 1"));
}

TEST_CASE("a stacked GRU is one GRU per layer, each reading the outputs of the one below",
          "[recurrent][gru]") {
  // GRU(3 → 4, two layers) against GRU(3 → 4) followed by GRU(4 → 4) with the same weights.
  Generator generator(12);
  GRU<double> stacked(GRUOptions(3, 4).num_layers(2).generator(&generator));
  GRU<double> first(GRUOptions(3, 4)), second(GRUOptions(4, 4));
  const auto named = stacked.named_parameters();
  for (const auto& [name, p] : named) {
    GRU<double>& target = name.ends_with("_l0") ? first : second;
    const std::string own = name.substr(0, name.size() - 3) + "_l0";
    for (auto& [n, q] : target.named_parameters())
      if (n == own) q.assign(p.value());
  }
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  const Var<double> x(uniform_tensor(Shape{5, 2, 3}, -1.0, 1.0, generator));
  const Var<double> h_0(uniform_tensor(Shape{2, 2, 4}, -1.0, 1.0, generator));
  const GRUOutput<double> both = stacked.forward(x, h_0);
  const GRUOutput<double> lower = first.forward(x, slice(h_0, 0, 0, 1));
  const GRUOutput<double> upper = second.forward(lower.output, slice(h_0, 0, 1, 2));
  CHECK(both.output.shape() == Shape{5, 2, 4});
  CHECK(both.h_n.shape() == Shape{2, 2, 4});
  CHECK(both.output.to_tensor().values() == upper.output.to_tensor().values());
  CHECK(both.h_n.to_tensor().values() == cat({lower.h_n, upper.h_n}).to_tensor().values());
  CHECK(stacked.num_layers() == 2);
  CHECK(named.size() == 8);
}

TEST_CASE("float recurrent modules agree with double ones", "[recurrent][precision]") {
  Generator generator(5);
  LSTM<double> lstm_d(LSTMOptions(3, 4).generator(&generator));
  LSTM<float> lstm_f(LSTMOptions(3, 4));
  GRU<double> gru_d(GRUOptions(3, 4).generator(&generator));
  GRU<float> gru_f(GRUOptions(3, 4));
  auto to_float = [](const Tensor<double>& t) {
    Tensor<float> f(t.shape());
    for (std::size_t i = 0; i < t.size(); ++i) f[i] = static_cast<float>(t[i]);
    return f;
  };
  for (std::size_t k = 0; k < 4; ++k) {
    lstm_f.parameters()[k].assign(to_float(lstm_d.parameters()[k].value()));
    gru_f.parameters()[k].assign(to_float(gru_d.parameters()[k].value()));
  }
  const Tensor<double> x = uniform_tensor(Shape{5, 2, 3}, -1.0, 1.0, generator);
  Tape<double> tape_d;
  Tape<float> tape_f;
  TapeGuard<double> guard_d(tape_d);
  TapeGuard<float> guard_f(tape_f);
  const Var<double> yd = add(sum(square(lstm_d.forward(x))), sum(square(gru_d.forward(x))));
  const Var<float> yf =
      add(sum(square(lstm_f.forward(to_float(x)))), sum(square(gru_f.forward(to_float(x)))));
  CHECK(yf.item() == Approx(yd.item()).epsilon(1e-5));
  yd.backward();
  yf.backward();
  auto check_close = [](const auto& f, const auto& d) {
    for (std::size_t k = 0; k < 4; ++k) {
      REQUIRE(f.parameters()[k].size() == d.parameters()[k].size());
      for (std::size_t i = 0; i < d.parameters()[k].size(); ++i)
        CHECK(f.parameters()[k].grad()[i] == Approx(d.parameters()[k].grad()[i]).margin(1e-5));
    }
  };
  check_close(lstm_f, lstm_d);
  check_close(gru_f, gru_d);
}

}  // namespace file_recurrent_recurrent_modules_test
