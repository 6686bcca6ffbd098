// Finite differences against the tape for small GRUs and LSTMs in double, over every parameter,
// the input sequence and the initial state; second derivatives with respect to the input and
// state (gradgradcheck), recorded through the cells' ops.
#include <catch2/catch.hpp>
#include <vector>

#include "tapegrad.hpp"

namespace file_recurrent_recurrent_gradcheck_test {

using namespace tapegrad;

namespace {

void require_passed(const GradcheckResult& result) {
  for (const ParameterCheck& p : result.parameters) {
    INFO(p.name << ": worst |Δ| " << p.worst.abs_error << " at element " << p.worst.element);
    CHECK(p.passed);
  }
  CHECK(result.passed);
}

}  // namespace

TEST_CASE("gradcheck passes for a GRU over every parameter, the input and h_0",
          "[recurrent][gradcheck]") {
  Generator generator(7);
  GRU<double> gru(GRUOptions(2, 3).generator(&generator));
  std::vector<Parameter<double>> params = gru.parameters();
  const Parameter<double> x(uniform_tensor(Shape{3, 2, 2}, -1.0, 1.0, generator), "input");
  const Parameter<double> h_0(uniform_tensor(Shape{1, 2, 3}, -1.0, 1.0, generator), "h_0");
  params.push_back(x);
  params.push_back(h_0);
  const GradcheckResult result = gradcheck(params, [&] {
    const GRUOutput<double> out = gru.forward(x, h_0);
    return cat({flatten(out.output), flatten(out.h_n)});
  });
  REQUIRE(result.parameters.size() == 6);
  require_passed(result);
}

TEST_CASE("gradcheck passes for an LSTM (batch_first) over every parameter, input and state",
          "[recurrent][gradcheck]") {
  Generator generator(8);
  LSTM<double> lstm(LSTMOptions(2, 3).batch_first(true).generator(&generator));
  std::vector<Parameter<double>> params = lstm.parameters();
  const Parameter<double> x(uniform_tensor(Shape{2, 3, 2}, -1.0, 1.0, generator), "input");
  const Parameter<double> h_0(uniform_tensor(Shape{1, 2, 3}, -1.0, 1.0, generator), "h_0");
  const Parameter<double> c_0(uniform_tensor(Shape{1, 2, 3}, -1.0, 1.0, generator), "c_0");
  for (const Parameter<double>& p : {x, h_0, c_0}) params.push_back(p);
  const GradcheckResult result = gradcheck(params, [&] {
    const LSTMOutput<double> out = lstm.forward(x, {h_0, c_0});
    return cat({flatten(out.output), flatten(out.c_n)});
  });
  REQUIRE(result.parameters.size() == 7);
  require_passed(result);
}

TEST_CASE("gradcheck passes for two-layer GRUs and LSTMs over every parameter and the states",
          "[recurrent][gradcheck]") {
  Generator generator(10);
  GRU<double> gru(GRUOptions(2, 2).num_layers(2).generator(&generator));
  LSTM<double> lstm(LSTMOptions(2, 2).num_layers(2).generator(&generator));
  std::vector<Parameter<double>> params = gru.parameters();
  for (const Parameter<double>& p : lstm.parameters()) params.push_back(p);
  const Parameter<double> x(uniform_tensor(Shape{3, 2, 2}, -1.0, 1.0, generator), "input");
  const Parameter<double> h_0(uniform_tensor(Shape{2, 2, 2}, -1.0, 1.0, generator), "h_0");
  const Parameter<double> c_0(uniform_tensor(Shape{2, 2, 2}, -1.0, 1.0, generator), "c_0");
  for (const Parameter<double>& p : {x, h_0, c_0}) params.push_back(p);
  const GradcheckResult result = gradcheck(params, [&] {
    const GRUOutput<double> g = gru.forward(x, h_0);
    const LSTMOutput<double> l = lstm.forward(x, {h_0, c_0});
    return cat({flatten(g.output), flatten(g.h_n), flatten(l.output), flatten(l.c_n)});
  });
  REQUIRE(result.parameters.size() == 19);  // 8 + 8 weights, the input and both states
  require_passed(result);
}

TEST_CASE("gradcheck passes for GRUCell and LSTMCell without bias", "[recurrent][gradcheck]") {
  Generator generator(9);
  GRUCell<double> gru(GRUCellOptions(3, 2).bias(false).generator(&generator));
  LSTMCell<double> lstm(LSTMCellOptions(3, 2).bias(false).generator(&generator));
  std::vector<Parameter<double>> params = gru.parameters();
  for (const Parameter<double>& p : lstm.parameters()) params.push_back(p);
  const Parameter<double> x(uniform_tensor(Shape{2, 3}, -1.0, 1.0, generator), "x");
  const Parameter<double> h(uniform_tensor(Shape{2, 2}, -1.0, 1.0, generator), "h");
  const Parameter<double> c(uniform_tensor(Shape{2, 2}, -1.0, 1.0, generator), "c");
  for (const Parameter<double>& p : {x, h, c}) params.push_back(p);
  require_passed(gradcheck(params, [&] {
    const LSTMState<double> s = lstm.forward(x, {h, c});
    return cat({flatten(gru.forward(x, h)), flatten(s.h), flatten(s.c)});
  }));
}

TEST_CASE("second derivatives of GRU and LSTM with respect to input and state pass gradgradcheck",
          "[recurrent][gradgradcheck]") {
  Generator generator(10);
  GRU<double> gru(GRUOptions(2, 2).generator(&generator));
  LSTM<double> lstm(LSTMOptions(2, 2).generator(&generator));
  const std::vector<Tensor<double>> inputs = {uniform_tensor(Shape{3, 2, 2}, -1.0, 1.0, generator),
                                              uniform_tensor(Shape{1, 2, 2}, -1.0, 1.0, generator),
                                              uniform_tensor(Shape{1, 2, 2}, -1.0, 1.0, generator)};
  const GradgradcheckResult result = gradgradcheck(
      [&](std::span<const Var<double>> v) {
        const LSTMOutput<double> l = lstm.forward(v[0], {v[1], v[2]});
        return cat({flatten(gru.forward(v[0], v[1]).output), flatten(l.output), flatten(l.c_n)});
      },
      inputs);
  CHECK(result.first_order_passed);
  require_passed(result.second_order);
  CHECK(result.passed);
}

}  // namespace file_recurrent_recurrent_gradcheck_test
