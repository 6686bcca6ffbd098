// torch's dropout between the layers of a stacked GRU or LSTM (RecurrentOptions::dropout): in
// training mode the output sequence of each layer below the top one goes through dropout before
// the layer above reads it; the top layer's output and h_n / c_n are never dropped; eval mode,
// p = 0 and a single layer leave the module as it was without the option. Checked against the
// layers run one by one with the masks drawn by hand from the same seed, by gradcheck of the
// module in training mode, and for the errors on a p outside [0, 1].
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "tapegrad.hpp"

namespace file_recurrent_recurrent_dropout_test {

using namespace tapegrad;
using Catch::Matchers::Contains;

namespace {

// Copies the stacked module's layer-k parameters ("..._lk") into `target`'s "..._l0".
template <class M>
void copy_layer(const M& stacked, std::size_t k, M& target) {
  const std::string suffix = "_l" + std::to_string(k);
  for (const auto& [name, p] : stacked.named_parameters()) {
    if (!name.ends_with(suffix)) continue;
    const std::string own = name.substr(0, name.size() - suffix.size()) + "_l0";
    for (auto& [n, q] : target.named_parameters())
      if (n == own) q.assign(p.value());
  }
}

// Each time step of a [T, N, H] sequence through dropout(p) from the default generator, in time
// order, stacked again: what the stacked module must do between two layers.
Var<double> drop_each_step(const Var<double>& sequence, double p) {
  std::vector<Var<double>> steps;
  for (std::size_t t = 0; t < sequence.shape()[0]; ++t)
    steps.push_back(squeeze(slice(sequence, 0, t, t + 1), 0));
  for (Var<double>& step : steps) step = dropout(step, p, true);
  return stack(std::span<const Var<double>>(steps), 0);
}

std::vector<double> values(const Var<double>& v) {
  return v.to_tensor().values();
}

}  // namespace

TEST_CASE("a stacked GRU with dropout drops each lower layer's outputs, not h_n or its output",
          "[recurrent][dropout]") {
  Generator generator(21);
  GRU<double> stacked(GRUOptions(3, 4).num_layers(3).dropout(0.4).generator(&generator));
  GRU<double> l0(GRUOptions(3, 4)), l1(GRUOptions(4, 4)), l2(GRUOptions(4, 4));
  copy_layer(stacked, 0, l0);
  copy_layer(stacked, 1, l1);
  copy_layer(stacked, 2, l2);
  CHECK(stacked.dropout() == 0.4);
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  const Var<double> x(uniform_tensor(Shape{5, 2, 3}, -1.0, 1.0, generator));
  const Var<double> h_0(uniform_tensor(Shape{3, 2, 4}, -1.0, 1.0, generator));

  manual_seed(77);
  const GRUOutput<double> both = stacked.forward(x, h_0);

  manual_seed(77);
  const GRUOutput<double> a = l0.forward(x, slice(h_0, 0, 0, 1));
  const GRUOutput<double> b = l1.forward(drop_each_step(a.output, 0.4), slice(h_0, 0, 1, 2));
  const GRUOutput<double> c = l2.forward(drop_each_step(b.output, 0.4), slice(h_0, 0, 2, 3));
  CHECK(values(both.output) == values(c.output));
  CHECK(values(both.h_n) == values(cat({a.h_n, b.h_n, c.h_n})));

  // The masks did something: without them the top layer's output differs.
  const GRUOutput<double> plain =
      l2.forward(l1.forward(a.output, slice(h_0, 0, 1, 2)).output, slice(h_0, 0, 2, 3));
  CHECK(values(plain.output) != values(c.output));
  // And about 40 % of the 2 · 5 · 2 · 4 = 80 elements that reach layers 1 and 2 were dropped.
  std::size_t dropped = 0;
  manual_seed(77);
  for (const Var<double>& sequence : {a.output, b.output})
    for (const double v : values(drop_each_step(sequence, 0.4))) dropped += v == 0.0;
  CHECK(dropped >= 15);
  CHECK(dropped <= 50);
}

TEST_CASE("a stacked LSTM with dropout drops the lower layer's outputs, not h_n or c_n",
          "[recurrent][dropout]") {
  Generator generator(22);
  LSTM<double> stacked(LSTMOptions(2, 3).num_layers(2).dropout(0.5).generator(&generator));
  LSTM<double> l0(LSTMOptions(2, 3)), l1(LSTMOptions(3, 3));
  copy_layer(stacked, 0, l0);
  copy_layer(stacked, 1, l1);
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  const Var<double> x(uniform_tensor(Shape{4, 3, 2}, -1.0, 1.0, generator));

  manual_seed(5);
  const LSTMOutput<double> both = stacked.forward(x, {});
  manual_seed(5);
  const LSTMOutput<double> a = l0.forward(x, {});
  const LSTMOutput<double> b = l1.forward(drop_each_step(a.output, 0.5), {});
  CHECK(values(both.output) == values(b.output));
  CHECK(values(both.h_n) == values(cat({a.h_n, b.h_n})));
  CHECK(values(both.c_n) == values(cat({a.c_n, b.c_n})));
  CHECK(values(b.output) != values(l1.forward(a.output)));
}

TEST_CASE("dropout between layers is off in eval mode, at p = 0 and with one layer",
          "[recurrent][dropout]") {
  Generator generator(23);
  GRU<double> with(GRUOptions(3, 4).num_layers(2).dropout(0.6).generator(&generator));
  GRU<double> without(GRUOptions(3, 4).num_layers(2));
  for (auto& [name, p] : without.named_parameters())
    for (const auto& [n, q] : with.named_parameters())
      if (n == name) p.assign(q.value());
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  const Var<double> x(uniform_tensor(Shape{3, 2, 3}, -1.0, 1.0, generator));
  const std::vector<double> expected = values(without.forward(x));

  with.eval();
  CHECK_FALSE(with.is_training());
  const Generator before = default_generator();
  CHECK(values(with.forward(x)) == expected);
  CHECK(default_generator().bits() == Generator(before).bits());  // no mask drawn

  GRU<double> zero(GRUOptions(3, 4).num_layers(2).dropout(0.0));
  for (auto& [name, p] : zero.named_parameters())
    for (const auto& [n, q] : with.named_parameters())
      if (n == name) p.assign(q.value());
  CHECK(values(zero.forward(x)) == expected);  // training, but p = 0

  LSTM<double> one(LSTMOptions(3, 4).dropout(0.9).generator(&generator));  // torch: no effect
  LSTM<double> plain(LSTMOptions(3, 4));
  for (auto& [name, p] : plain.named_parameters())
    for (const auto& [n, q] : one.named_parameters())
      if (n == name) p.assign(q.value());
  CHECK(values(one.forward(x)) == values(plain.forward(x)));
}

TEST_CASE("gradcheck of a stacked GRU and LSTM with dropout in training mode passes",
          "[recurrent][dropout][gradcheck]") {
  // The module gradcheck restores the default generator before each evaluation, so every
  // evaluation draws the same masks between the layers.
  Generator generator(24);
  GRU<double> gru(GRUOptions(2, 2).num_layers(2).dropout(0.3).generator(&generator));
  LSTM<double> lstm(LSTMOptions(2, 2).num_layers(3).dropout(0.3).generator(&generator));
  const Tensor<double> input = uniform_tensor(Shape{3, 2, 2}, -1.0, 1.0, generator);
  REQUIRE(gru.is_training());
  const GradcheckResult g = gradcheck(gru, [&] {
    const Var<double> x(input);
    return sum(square(gru.forward(x))) + sum(gru.forward(x, {}).h_n);
  });
  const GradcheckResult l = gradcheck(lstm, [&] {
    const LSTMOutput<double> out = lstm.forward(Var<double>(input), {});
    return sum(square(out.output)) + sum(out.c_n);
  });
  for (const GradcheckResult* result : {&g, &l})
    for (const ParameterCheck& p : result->parameters) {
      INFO(p.name << ": worst |Δ| " << p.worst.abs_error << " at element " << p.worst.element);
      CHECK(p.passed);
    }
  CHECK(g.passed);
  CHECK(l.passed);
}

TEST_CASE("a dropout outside [0, 1] is refused, naming the module", "[recurrent][dropout]") {
  CHECK_THROWS_WITH(GRU<double>(GRUOptions(3, 2).num_layers(2).dropout(-0.1)),
                    Contains("GRU: dropout must be in [0, 1], got -0.1"));
  CHECK_THROWS_WITH(LSTM<float>(LSTMOptions(3, 2).num_layers(2).dropout(1.5)),
                    Contains("LSTM: dropout must be in [0, 1], got 1.5"));
  CHECK_THROWS_WITH(GRU<float>(GRUOptions(3, 2).dropout(std::numeric_limits<double>::quiet_NaN())),
                    Contains("GRU: dropout must be in [0, 1], got nan"));
}

}  // namespace file_recurrent_recurrent_dropout_test
