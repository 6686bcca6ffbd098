// Layers against real PyTorch (Debian's python3-torch), through state dicts written by
// tests/nn/torch_layers.py: torch's CNN (Conv2d, BatchNorm2d with trained running statistics,
// ReLU, MaxPool2d, Conv2d, ReLU, Flatten, Linear) and GRU load into the same tapegrad modules
// (Sequential names count the activations: "0.weight", "1.running_mean", "7.weight") and give
// torch's outputs, gradients and running-statistics updates; a CNN tapegrad saves loads in torch.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tapegrad.hpp"
#include "torch_support.hpp"

namespace file_nn_torch_layers_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad;
namespace fs = std::filesystem;

using test::check_close;
using test::TemporaryFolder;

void run_python(const std::string& mode, const fs::path& folder) {
  test::run_torch_script("torch_layers.py", mode, folder);
}

// torch_layers.py's cnn().
template <class T>
std::shared_ptr<Sequential<T>> cnn() {
  return std::make_shared<Sequential<T>>(std::initializer_list<std::shared_ptr<Module<T>>>{
      std::make_shared<Conv2d<T>>(Conv2dOptions(1, 4, 3).padding(1)),
      std::make_shared<BatchNorm2d<T>>(BatchNormOptions(4)), std::make_shared<ReLU<T>>(),
      std::make_shared<MaxPool2d<T>>(Pool2dOptions(2)),
      std::make_shared<Conv2d<T>>(Conv2dOptions(4, 6, 3)), std::make_shared<ReLU<T>>(),
      std::make_shared<Flatten<T>>(), std::make_shared<Linear<T>>(24, 3)});
}

TEST_CASE("torch's CNN with BatchNorm loads and gives torch's outputs, gradients and statistics",
          "[nn][layers][torch]") {
  TemporaryFolder folder;
  run_python("export", folder.path);
  const TensorFile reference =
      read_safetensors((folder.path / "cnn_reference.safetensors").string());
  auto net = cnn<double>();
  const io::LoadResult loaded = io::load(*net, (folder.path / "cnn.safetensors").string());
  CHECK(loaded.missing_keys.empty());
  CHECK(loaded.unexpected_keys.empty());

  Tape<double> tape;
  TapeGuard<double> guard(tape);
  const Var<double> x = tape.variable(reference.get<double>("x"), true);
  const Var<double> y = net->forward(x);  // training mode: the batch's statistics
  net->zero_grad();
  sum(mul(y, y)).backward();
  check_close("y", y.to_tensor().values(), reference.get<double>("y").values(), 1e-10);
  check_close("x.grad", x.grad_tensor().values(), reference.get<double>("x.grad").values(), 1e-10);
  for (auto& [name, parameter] : net->named_parameters())
    check_close("grad." + name, parameter.grad().values(),
                reference.get<double>("grad." + name).values(), 1e-10);
  for (auto& [name, buffer] : net->named_buffers()) {
    if (buffer.is_integer()) {
      REQUIRE(reference.find("after." + name) != nullptr);
      CHECK(buffer.integer_value().values()[0] ==
            reference.get<std::int64_t>("after." + name).values()[0]);
    } else {
      check_close("after." + name, buffer.value().values(),
                  reference.get<double>("after." + name).values(), 1e-10);
    }
  }

  net->eval();  // the running statistics now
  const Var<double> eval_y = net->forward(tape.variable(reference.get<double>("x"), false));
  check_close("eval.y", eval_y.to_tensor().values(), reference.get<double>("eval.y").values(),
              1e-10);
}

TEST_CASE("torch's GRU state loads and gives torch's outputs and gradients",
          "[nn][layers][torch]") {
  TemporaryFolder folder;
  run_python("export", folder.path);
  const TensorFile reference =
      read_safetensors((folder.path / "gru_reference.safetensors").string());
  GRU<double> gru(GRUOptions(3, 4));
  io::load(gru, (folder.path / "gru.safetensors").string());  // strict
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  const Var<double> x = tape.variable(reference.get<double>("x"), true);
  const Var<double> y = gru.forward(x);
  gru.zero_grad();
  sum(mul(y, y)).backward();
  check_close("y", y.to_tensor().values(), reference.get<double>("y").values(), 1e-10);
  check_close("x.grad", x.grad_tensor().values(), reference.get<double>("x.grad").values(), 1e-10);
  for (auto& [name, parameter] : gru.named_parameters())
    check_close("grad." + name, parameter.grad().values(),
                reference.get<double>("grad." + name).values(), 1e-10);
}

TEST_CASE("a CNN tapegrad saves loads in torch and gives tapegrad's outputs",
          "[nn][layers][torch]") {
  TemporaryFolder folder;
  manual_seed(3);
  auto net = cnn<float>();
  Generator generator(11);
  {  // move the running statistics off their start
    Tape<float> tape;
    TapeGuard<float> guard(tape);
    net->forward(tape.variable(normal_tensor(Shape{4, 1, 8, 8}, 0.0f, 1.0f, generator), false));
  }
  net->eval();
  io::save(*net, (folder.path / "tapegrad_cnn.safetensors").string());
  const Tensor<float> x = normal_tensor(Shape{3, 1, 8, 8}, 0.0f, 1.0f, generator);
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

}  // namespace file_nn_torch_layers_test
