// GRUCell, LSTMCell, GRU and LSTM (with 1 to 3 layers) against PyTorch (Debian's python3-torch),
// in double: the same parameters, inputs and initial states go to torch.nn's modules
// (tests/recurrent/torch_recurrent.py, one Python process for every case), and the returned
// tensors and the gradients of every parameter, of the input and of the initial state under the
// loss Σ o² over every returned tensor o must agree to 1e-10 relative.
#include <fmt/format.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tapegrad.hpp"

namespace file_recurrent_recurrent_torch_test {

using namespace tapegrad;
using nlohmann::json;

namespace {

struct Case {
  std::string kind;  // GRUCell, LSTMCell, GRU, LSTM
  std::size_t input, hidden;
  bool bias, batch_first;
  Shape x_shape;
  bool with_state;
  std::size_t layers = 1;  // num_layers of GRU and LSTM
};

// tapegrad's side of a case: what went in and what came out.
struct Run {
  Case c;
  std::vector<std::pair<std::string, Parameter<double>>> parameters;
  Tensor<double> x;
  std::vector<Tensor<double>> state;
  std::vector<Tensor<double>> outputs;
  Tensor<double> x_grad;
  std::vector<Tensor<double>> state_grads;
};

bool is_cell(const Case& c) {
  return c.kind == "GRUCell" || c.kind == "LSTMCell";
}

// The initial states' shapes: a cell's [N, H] ([H]), a GRU's or LSTM's [L, N, H] ([L, H]).
std::vector<Shape> state_shapes(const Case& c) {
  if (!c.with_state) return {};
  Shape s;
  if (is_cell(c))
    s = c.x_shape.rank() == 2 ? Shape{c.x_shape[0], c.hidden} : Shape{c.hidden};
  else
    s = c.x_shape.rank() == 3 ? Shape{c.layers, c.x_shape[c.batch_first ? 0 : 1], c.hidden}
                              : Shape{c.layers, c.hidden};
  return c.kind.starts_with("LSTM") ? std::vector<Shape>{s, s} : std::vector<Shape>{s};
}

template <class M>
std::vector<Var<double>> forward_of(M& module, const Case& c, const Var<double>& x,
                                    const std::vector<Var<double>>& s) {
  if constexpr (std::is_same_v<M, GRUCell<double>>) {
    return {c.with_state ? module.forward(x, s[0]) : module.forward(x)};
  } else if constexpr (std::is_same_v<M, LSTMCell<double>>) {
    const LSTMState<double> out =
        module.forward(x, c.with_state ? LSTMState<double>{s[0], s[1]} : LSTMState<double>{});
    return {out.h, out.c};
  } else if constexpr (std::is_same_v<M, GRU<double>>) {
    const GRUOutput<double> out = module.forward(x, c.with_state ? s[0] : Var<double>());
    return {out.output, out.h_n};
  } else {
    const LSTMOutput<double> out =
        module.forward(x, c.with_state ? LSTMState<double>{s[0], s[1]} : LSTMState<double>{});
    return {out.output, out.h_n, out.c_n};
  }
}

template <class M>
void run_module(M& module, Run& run, Generator& generator) {
  run.parameters = module.named_parameters();
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  run.x = uniform_tensor(run.c.x_shape, -1.0, 1.0, generator);
  const Var<double> x = tape.variable(run.x, true);
  std::vector<Var<double>> state;
  for (const Shape& shape : state_shapes(run.c)) {
    run.state.push_back(uniform_tensor(shape, -1.0, 1.0, generator));
    state.push_back(tape.variable(run.state.back(), true));
  }
  Var<double> loss;
  for (const Var<double>& o : forward_of(module, run.c, x, state)) {
    run.outputs.push_back(o.to_tensor());
    loss = loss.defined() ? add(loss, sum(square(o))) : sum(square(o));
  }
  loss.backward();
  run.x_grad = x.grad_tensor();
  for (const Var<double>& s : state) run.state_grads.push_back(s.grad_tensor());
}

Run run_case(const Case& c, Generator& generator) {
  Run run{c, {}, {}, {}, {}, {}, {}};
  const RecurrentCellOptions cell =
      RecurrentCellOptions(c.input, c.hidden).bias(c.bias).generator(&generator);
  const RecurrentOptions layer = RecurrentOptions(c.input, c.hidden)
                                     .bias(c.bias)
                                     .batch_first(c.batch_first)
                                     .num_layers(c.layers)
                                     .generator(&generator);
  if (c.kind == "GRUCell") {
    GRUCell<double> m(cell);
    run_module(m, run, generator);
  } else if (c.kind == "LSTMCell") {
    LSTMCell<double> m(cell);
    run_module(m, run, generator);
  } else if (c.kind == "GRU") {
    GRU<double> m(layer);
    run_module(m, run, generator);
  } else {
    LSTM<double> m(layer);
    run_module(m, run, generator);
  }
  return run;
}

json encode(const Tensor<double>& t) {
  return {{"shape", std::vector<std::uint32_t>(t.shape().dims().begin(), t.shape().dims().end())},
          {"values", std::vector<double>(t.values().begin(), t.values().end())}};
}

json request_of(const Run& run) {
  json parameters = json::object();
  for (const auto& [name, p] : run.parameters) parameters[name] = encode(p.value());
  json state = json::array();
  for (const Tensor<double>& s : run.state) state.push_back(encode(s));
  return {{"kind", run.c.kind},
          {"input_size", run.c.input},
          {"hidden_size", run.c.hidden},
          {"bias", run.c.bias},
          {"batch_first", run.c.batch_first},
          {"num_layers", run.c.layers},
          {"parameters", parameters},
          {"x", encode(run.x)},
          {"state", state}};
}

// |Δ| ≤ 1e-10·(|torch| + the largest |value| of the tensor), as tests/ops/torch_reference_test.
void compare(const std::string& what, const Tensor<double>& ours, const json& theirs) {
  INFO(what);
  REQUIRE(ours.size() == theirs.size());
  double scale = 0;
  for (const json& v : theirs) scale = std::max(scale, std::abs(v.get<double>()));
  for (std::size_t i = 0; i < ours.size(); ++i) {
    const double a = ours[i], r = theirs[i].get<double>();
    INFO("element " << ours.shape().index_str(i) << ": tapegrad " << a << ", torch " << r);
    CHECK(std::abs(a - r) <= 1e-10 * (std::abs(r) + scale));
  }
}

json ask_torch(const json& request) {
  const std::filesystem::path script =
      std::filesystem::path(TAPEGRAD_SOURCE_DIR) / "tests/recurrent/torch_recurrent.py";
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / fmt::format("tapegrad-recurrent-{}", ::getpid());
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "cases.json") << request.dump();
  const std::string command =
      fmt::format("/usr/bin/python3 {} {} {}", script.string(), (dir / "cases.json").string(),
                  (dir / "answers.json").string());
  const int status = std::system(command.c_str());
  json answers;
  if (status == 0) answers = json::parse(std::ifstream(dir / "answers.json"));
  std::filesystem::remove_all(dir);
  REQUIRE(status == 0);
  return answers;
}

std::vector<Case> all_cases() {
  return {
      {"GRUCell", 4, 5, true, false, Shape{3, 4}, true},
      {"GRUCell", 4, 5, false, false, Shape{4}, true},     // one example, no bias
      {"GRUCell", 3, 2, true, false, Shape{2, 3}, false},  // from h = 0
      {"LSTMCell", 4, 5, true, false, Shape{3, 4}, true},
      {"LSTMCell", 4, 5, false, false, Shape{4}, true},
      {"LSTMCell", 3, 2, true, false, Shape{2, 3}, false},
      {"GRU", 4, 5, true, false, Shape{4, 3, 4}, true},  // [T, N, I]
      {"GRU", 3, 4, true, true, Shape{2, 5, 3}, false},  // [N, T, I]
      {"GRU", 3, 2, false, false, Shape{6, 3}, true},    // [T, I], no bias
      {"LSTM", 4, 5, true, false, Shape{4, 3, 4}, true},
      {"LSTM", 3, 4, true, true, Shape{2, 5, 3}, false},
      {"LSTM", 3, 2, false, false, Shape{6, 3}, true},
      {"GRU", 4, 5, true, false, Shape{4, 3, 4}, true, 2},  // two layers
      {"GRU", 3, 4, true, true, Shape{2, 5, 3}, false, 3},  // three, from zeros
      {"GRU", 3, 2, false, false, Shape{6, 3}, true, 2},
      {"LSTM", 4, 5, true, false, Shape{4, 3, 4}, true, 2},
      {"LSTM", 3, 4, true, true, Shape{2, 5, 3}, false, 3},
      {"LSTM", 3, 2, false, false, Shape{6, 3}, true, 2},
  };
}

}  // namespace

TEST_CASE("GRUCell, LSTMCell, GRU and LSTM agree with PyTorch: outputs and every gradient",
          "[recurrent][torch]") {
  if (std::system("/usr/bin/python3 -c 'import torch' > /dev/null 2>&1") != 0)
    FAIL("PyTorch is not available to /usr/bin/python3; install Debian's python3-torch");
  Generator generator(20261202);
  std::vector<Run> runs;
  json request = json::array();
  for (const Case& c : all_cases()) {
    runs.push_back(run_case(c, generator));
    request.push_back(request_of(runs.back()));
  }
  const json answers = ask_torch(request);
  REQUIRE(answers.size() == runs.size());
  for (std::size_t k = 0; k < runs.size(); ++k) {
    const Run& run = runs[k];
    const json& a = answers[k];
    INFO(fmt::format("case {}: {} x {}{}{}, {} layer(s)", k, run.c.kind, run.c.x_shape.str(),
                     run.c.bias ? "" : ", no bias", run.c.batch_first ? ", batch_first" : "",
                     run.c.layers));
    if (a.contains("error")) FAIL("PyTorch could not run the case: " << a["error"]);
    // The same names in the same order: torch's state dict loads as it is.
    std::vector<std::string> names;
    for (const auto& [name, p] : run.parameters) names.push_back(name);
    CHECK(names == a["parameter_order"].get<std::vector<std::string>>());
    REQUIRE(run.outputs.size() == a["outputs"].size());
    for (std::size_t o = 0; o < run.outputs.size(); ++o) {
      const std::vector<std::uint32_t> shape = a["outputs"][o]["shape"];
      CHECK(std::vector<std::uint32_t>(run.outputs[o].shape().dims().begin(),
                                       run.outputs[o].shape().dims().end()) == shape);
      compare(fmt::format("output {}", o), run.outputs[o], a["outputs"][o]["values"]);
    }
    for (const auto& [name, p] : run.parameters)
      compare("gradient of " + name, p.grad(), a["parameter_grads"][name]);
    compare("gradient of the input", run.x_grad, a["x_grad"]);
    for (std::size_t s = 0; s < run.state_grads.size(); ++s)
      compare(fmt::format("gradient of initial state {}", s), run.state_grads[s],
              a["state_grads"][s]);
  }
}

}  // namespace file_recurrent_recurrent_torch_test
