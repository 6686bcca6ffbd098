// State dicts against real PyTorch (Debian's python3-torch), run by tests/nn/torch_state.py:
// torch's Sequential(Linear(4,8), ReLU(), Linear(8,3)) state_dict loads into tapegrad's
// Sequential of the same modules (names "0.weight", "2.weight") and gives torch's output and
// gradients; a nested module with BatchNorm1d has torch's state_dict order and its int64
// num_batches_tracked loads; and a file tapegrad writes loads in torch with tapegrad's output.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "tapegrad.hpp"
#include "torch_support.hpp"

namespace file_nn_torch_state_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad;
namespace fs = std::filesystem;

using test::check_close;
using test::TemporaryFolder;

void run_python(const std::string& mode, const fs::path& folder) {
  test::run_torch_script("torch_state.py", mode, folder);
}

template <class T>
std::shared_ptr<Sequential<T>> sequential() {
  return std::make_shared<Sequential<T>>(std::initializer_list<std::shared_ptr<Module<T>>>{
      std::make_shared<Linear<T>>(4, 8), std::make_shared<ReLU<T>>(),
      std::make_shared<Linear<T>>(8, 3)});
}

// BatchNorm1d's state, with torch's names, for the nested module.
struct Norm : Module<double> {
  explicit Norm(std::size_t n) {
    register_parameter("weight", Parameter<double>(Tensor<double>(Shape{n})));
    register_parameter("bias", Parameter<double>(Tensor<double>(Shape{n})));
    register_buffer("running_mean", Tensor<double>(Shape{n}));
    register_buffer("running_var", Tensor<double>(Shape{n}));
    tracked = register_buffer("num_batches_tracked", Tensor<std::int64_t>(Shape{}));
  }
  Buffer<double> tracked;
};

// tests/nn/torch_state.py's Nested.
struct Nested : Module<double> {
  Nested() {
    register_buffer("scale", Tensor<double>(Shape{1}));
    auto encoder = register_module("encoder", std::make_shared<Module<double>>());
    encoder->register_module("layers", sequential_2_3_1());
    norm = encoder->register_module("norm", std::make_shared<Norm>(1));
    register_module("head", std::make_shared<Linear<double>>(1, 1));
  }
  static std::shared_ptr<Sequential<double>> sequential_2_3_1() {
    return std::make_shared<Sequential<double>>(
        std::initializer_list<std::shared_ptr<Module<double>>>{
            std::make_shared<Linear<double>>(2, 3), std::make_shared<ReLU<double>>(),
            std::make_shared<Linear<double>>(3, 1)});
  }
  std::shared_ptr<Norm> norm;
};

TEST_CASE("torch's Sequential state_dict loads and gives torch's outputs and gradients",
          "[nn][state][torch]") {
  TemporaryFolder folder;
  run_python("export", folder.path);
  const TensorFile reference = read_safetensors((folder.path / "reference.safetensors").string());

  // float32 file into a double model: exact, so the values match torch's float64 run closely.
  auto net = sequential<double>();
  const io::LoadResult result = io::load(*net, (folder.path / "sequential.safetensors").string());
  CHECK(result.missing_keys.empty());
  CHECK(result.unexpected_keys.empty());
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  const Var<double> x = tape.variable(reference.get<double>("x"), true);
  const Var<double> y = net->forward(x);
  net->zero_grad();
  sum(mul(y, y)).backward();
  check_close("y", y.to_tensor().values(), reference.get<double>("y").values(), 1e-12);
  check_close("x.grad", x.grad_tensor().values(), reference.get<double>("x.grad").values(), 1e-12);
  for (auto& [name, parameter] : net->named_parameters())
    check_close("grad." + name, parameter.grad().values(),
                reference.get<double>("grad." + name).values(), 1e-12);

  // And into a float model (the file's own type).
  auto net32 = sequential<float>();
  io::load(*net32, (folder.path / "sequential.safetensors").string());
  Tape<float> tape32;
  TapeGuard<float> guard32(tape32);
  const Tensor<double>& x64 = reference.get<double>("x");
  const Tensor<float> x32(x64.shape(),
                          std::vector<float>(x64.values().begin(), x64.values().end()));
  const Tensor<float> y32 = net32->forward(tape32.variable(x32, false)).to_tensor();
  check_close("float y", std::vector<double>(y32.values().begin(), y32.values().end()),
              reference.get<double>("y").values(), 1e-5);
}

TEST_CASE("a nested module with BatchNorm has torch's state_dict order and loads torch's state",
          "[nn][state][torch]") {
  TemporaryFolder folder;
  run_python("export", folder.path);
  std::ifstream order(folder.path / "nested_order.txt");
  std::vector<std::string> torch_names;
  for (std::string line; std::getline(order, line);) torch_names.push_back(line);
  Nested nested;
  std::vector<std::string> names;
  for (const auto& [name, entry] : nested.state_dict()) names.push_back(name);
  CHECK(names == torch_names);
  CHECK(names.size() == 12);

  const TensorFile file = read_safetensors((folder.path / "nested.safetensors").string());
  CHECK(file.find("encoder.norm.num_batches_tracked")->dtype() == DType::kI64);
  io::load(nested, (folder.path / "nested.safetensors").string());  // strict
  CHECK(nested.norm->tracked.integer_value()[0] == 2);              // two training batches in torch
}

TEST_CASE("a file tapegrad saves loads in torch and gives tapegrad's outputs",
          "[nn][state][torch]") {
  TemporaryFolder folder;
  manual_seed(42);
  auto net = sequential<float>();
  io::save(*net, (folder.path / "tapegrad.safetensors").string());
  Generator generator(7);
  const Tensor<float> x = normal_tensor(Shape{6, 4}, 0.0f, 1.0f, generator);
  TensorFile input;
  input.add("x", x);
  write_safetensors((folder.path / "input.safetensors").string(), input);
  Tape<float> tape;
  TapeGuard<float> guard(tape);
  const Tensor<float> y = net->forward(tape.variable(x, false)).to_tensor();

  run_python("import", folder.path);
  const TensorFile output = read_safetensors((folder.path / "torch_output.safetensors").string());
  const Tensor<float>& theirs = output.get<float>("y");
  check_close("y", std::vector<double>(y.values().begin(), y.values().end()),
              std::vector<double>(theirs.values().begin(), theirs.values().end()), 1e-5);
}

}  // namespace file_nn_torch_state_test
