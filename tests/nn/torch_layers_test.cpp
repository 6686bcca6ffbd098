// Layers against real PyTorch (Debian's python3-torch), through state dicts written by
// tests/nn/torch_layers.py: torch's CNN (Conv2d, BatchNorm2d with trained running statistics,
// ReLU, MaxPool2d, Conv2d, ReLU, Flatten, Linear) and GRU load into the same tapegrad modules
// (Sequential names count the activations: "0.weight", "1.running_mean", "7.weight") and give
// torch's outputs, gradients and running-statistics updates; a CNN tapegrad saves loads in torch.
#include <catch2/catch.hpp>

#include <stdlib.h>  // mkdtemp

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tapegrad.hpp"

namespace file_nn_torch_layers_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad;
namespace fs = std::filesystem;

struct TemporaryFolder {
  fs::path path;
  TemporaryFolder() {
    std::string pattern = (fs::temp_directory_path() / "tapegrad-torch-layers-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~TemporaryFolder() { fs::remove_all(path); }
};

void run_python(const std::string& mode, const fs::path& folder) {
  if (std::system("/usr/bin/python3 -c 'import torch' > /dev/null 2>&1") != 0)
    FAIL(
        "PyTorch is not available to /usr/bin/python3; install Debian's python3-torch "
        "(scripts/install-deps.sh does) to run the layer test");
  const fs::path script = fs::path(TAPEGRAD_SOURCE_DIR) / "tests/nn/torch_layers.py";
  const std::string command =
      "/usr/bin/python3 '" + script.string() + "' " + mode + " '" + folder.string() + "'";
  REQUIRE(std::system(command.c_str()) == 0);
}

void check_close(const std::string& what, std::span<const double> ours,
                 std::span<const double> torch, double tolerance) {
  INFO(what);
  REQUIRE(ours.size() == torch.size());
  for (std::size_t i = 0; i < ours.size(); ++i) {
    INFO("element " << i << ": tapegrad " << ours[i] << ", torch " << torch[i]);
    CHECK(std::abs(ours[i] - torch[i]) <= tolerance * (1 + std::abs(torch[i])));
  }
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
