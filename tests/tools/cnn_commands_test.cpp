// `tapegrad init`, `grad`, `gradcheck`, `train` and `dot` on a layered config (the shipped
// models/examples/digits_cnn.json and one with every layer type), on a small CSV made here: the
// weights have torch's nn.Sequential names, and grad's loss and gradients are PyTorch's for the
// same weights and data.
#include <catch2/catch.hpp>

#include <filesystem>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "cli_support.hpp"
#include "tapegrad.hpp"

namespace file_tools_cnn_commands_test {  // the file's own scope: the test programs are unity
                                          // builds

namespace fs = std::filesystem;
using namespace tapegrad;
using Catch::Matchers::Contains;
using tapegrad::testing::Run;
using tapegrad::testing::run_shell;
using tapegrad::testing::run_tapegrad;
using tapegrad::testing::TempFolder;
using tapegrad::testing::write_file;

namespace {

const std::string kDigitsConfig =
    std::string(TAPEGRAD_SOURCE_DIR) + "/models/examples/digits_cnn.json";

// `rows` digits-like rows: 64 pixels from 0 to 16 and a label from 0 to 9 (class r mod 10, whose
// pixels are brighter in column r mod 8, so that there is something to learn).
void write_digits(const fs::path& path, std::size_t rows, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> dim(0, 4), bright(8, 16);
  std::ostringstream csv;
  for (int i = 0; i < 64; ++i) csv << "p" << i << ",";
  csv << "label\n";
  for (std::size_t r = 0; r < rows; ++r) {
    const std::size_t label = r % 10;
    for (std::size_t i = 0; i < 64; ++i)
      csv << (i % 8 == label % 8 && i / 8 < 1 + label / 2 ? bright(rng) : dim(rng)) << ",";
    csv << label << "\n";
  }
  write_file(path, csv.str());
}

std::vector<std::string> tensor_names(const fs::path& path) {
  std::vector<std::string> names;
  const TensorFile file = read_safetensors(path.string());
  for (const NamedTensor& tensor : file.tensors())
    names.push_back(tensor.name + " " + tensor.shape().str());
  return names;
}

// A config with every layer type: conv2d (a non-square kernel and stride), tanh, max_pool2d with
// padding, layer_norm, flatten, dropout, linear without bias, sigmoid, linear.
const std::string kEveryLayer = R"({"input_shape": [1, 8, 8],
  "layers": [{"type": "conv2d", "out_channels": 2, "kernel_size": [3, 2], "stride": [1, 2]},
             {"type": "tanh"}, {"type": "max_pool2d", "kernel_size": 2, "stride": 1, "padding": 1},
             {"type": "layer_norm"}, {"type": "flatten"}, {"type": "dropout", "p": 0.5},
             {"type": "linear", "units": 3, "bias": false}, {"type": "sigmoid"},
             {"type": "linear", "units": 10}],
  "loss": "softmax_cross_entropy", "targets": "class_index", "seed": 3})";

// PyTorch's loss and gradients for the digits CNN at the weights of w.safetensors on digits.csv,
// written as "loss <value>" and "<name> <max |torch − tapegrad|>" against g.safetensors.
const char* kTorchCheck = R"(
import json, struct, sys
import numpy as np, torch
def read(path):
    blob = open(path, 'rb').read()
    n = struct.unpack('<Q', blob[:8])[0]
    header = json.loads(blob[8:8 + n])
    out = {}
    for name, entry in header.items():
        if name == '__metadata__': continue
        a, b = entry['data_offsets']
        kind = {'F32': np.float32, 'F64': np.float64}[entry['dtype']]
        out[name] = torch.tensor(np.frombuffer(blob[8 + n + a:8 + n + b], dtype=kind).reshape(entry['shape']).astype(np.float64))
    return out
net = torch.nn.Sequential(torch.nn.Conv2d(1, 8, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                          torch.nn.Conv2d(8, 16, 3, padding=1), torch.nn.ReLU(), torch.nn.Flatten(),
                          torch.nn.Linear(256, 10)).double()
net.load_state_dict(read('w.safetensors'))
data = np.loadtxt('digits.csv', delimiter=',', skiprows=1)
x = torch.tensor(data[:, :64]).reshape(-1, 1, 8, 8)
y = torch.tensor(data[:, 64]).long()
loss = torch.nn.functional.cross_entropy(net(x), y)
loss.backward()
print('loss %.12g' % loss.item())
grads = read('g.safetensors')
for name, p in net.named_parameters():
    print(name, float((p.grad - grads[name]).abs().max()))
)";

}  // namespace

TEST_CASE("init on the digits CNN config writes torch's Sequential names and shapes",
          "[tools][cnn]") {
  TempFolder folder;
  const Run run =
      run_tapegrad("init --model " + kDigitsConfig + " --out w.safetensors", folder.path);
  INFO(run.output);
  REQUIRE(run.status == 0);
  CHECK_THAT(run.output, Contains("0.weight: [8,1,3,3] uniform ±0.3333"));  // 1/√(1·3·3)
  CHECK_THAT(run.output, Contains("6.weight: [10,256] uniform ±0.0625"));   // 1/√256
  CHECK(tensor_names(folder.path / "w.safetensors") ==
        std::vector<std::string>{"0.weight [8,1,3,3]", "0.bias [8]", "3.weight [16,8,3,3]",
                                 "3.bias [16]", "6.weight [10,256]", "6.bias [10]"});
}

TEST_CASE("grad on the digits CNN config gives PyTorch's loss and gradients", "[tools][cnn]") {
  TempFolder folder;
  write_digits(folder.path / "digits.csv", 30, 1);
  REQUIRE(run_tapegrad("init --dtype F64 --model " + kDigitsConfig + " --out w.safetensors",
                       folder.path)
              .status == 0);
  const Run grad =
      run_tapegrad("grad --model " + kDigitsConfig +
                       " --weights w.safetensors --data digits.csv --out g.safetensors",
                   folder.path);
  INFO(grad.output);
  REQUIRE(grad.status == 0);
  write_file(folder.path / "check.py", kTorchCheck);
  const Run torch =
      run_shell("cd '" + folder.path.string() + "' && /usr/bin/python3 check.py 2>&1");
  INFO(torch.output);
  REQUIRE(torch.status == 0);
  std::istringstream lines(torch.output);
  std::string word;
  double torch_loss = 0;
  lines >> word >> torch_loss;
  REQUIRE(word == "loss");
  const std::size_t at = grad.output.find("rows: ");
  REQUIRE(at != std::string::npos);
  CHECK(std::stod(grad.output.substr(at + 6)) == Approx(torch_loss).epsilon(1e-9));
  std::size_t compared = 0;
  for (double difference = 0; lines >> word >> difference; ++compared) {
    CAPTURE(word);
    CHECK(difference < 1e-10);
  }
  CHECK(compared == 6);
}

TEST_CASE("gradcheck, train and dot run on the digits CNN config", "[tools][cnn]") {
  TempFolder folder;
  write_digits(folder.path / "digits.csv", 40, 2);
  REQUIRE(
      run_tapegrad("init --model " + kDigitsConfig + " --out w.safetensors", folder.path).status ==
      0);
  const std::string files =
      " --model " + kDigitsConfig + " --weights w.safetensors --data digits.csv";
  const Run check = run_tapegrad("gradcheck" + files + " --rows 3 --max-elements 4", folder.path);
  INFO(check.output);
  CHECK(check.status == 0);
  CHECK_THAT(check.output, Contains("PASS"));

  const Run train = run_tapegrad("train" + files +
                                     " --out t.safetensors --epochs 8 --batch 8 --optimizer adam "
                                     "--lr 0.01 --log log.csv",
                                 folder.path);
  INFO(train.output);
  REQUIRE(train.status == 0);
  CHECK(tensor_names(folder.path / "t.safetensors") == tensor_names(folder.path / "w.safetensors"));
  // The loss per epoch, from the log: it must fall well below the start (ln 10 ≈ 2.3).
  std::istringstream log(tapegrad::testing::read_file(folder.path / "log.csv"));
  std::string line, last;
  while (std::getline(log, line)) last = line;
  const double final_loss = std::stod(last.substr(last.find(',') + 1));
  CHECK(final_loss < 1.0);

  const Run dot = run_tapegrad("dot" + files + " graph.dot", folder.path);
  INFO(dot.output);
  CHECK(dot.status == 0);
  CHECK(fs::file_size(folder.path / "graph.dot") > 0);
}

TEST_CASE("Every layer type runs through init, grad, gradcheck with dropout, and train",
          "[tools][cnn]") {
  TempFolder folder;
  write_file(folder.path / "every.json", kEveryLayer);
  write_digits(folder.path / "digits.csv", 20, 3);
  const Run init =
      run_tapegrad("init --dtype F64 --model every.json --out w.safetensors", folder.path);
  INFO(init.output);
  REQUIRE(init.status == 0);
  // conv2d [2,1,3,2] → [2,6,4]; max_pool2d → [2,7,5]; layer_norm over [2,7,5]; 70 → 3 → 10.
  CHECK(tensor_names(folder.path / "w.safetensors") ==
        std::vector<std::string>{"0.weight [2,1,3,2]", "0.bias [2]", "3.weight [2,7,5]",
                                 "3.bias [2,7,5]", "6.weight [3,70]", "8.weight [10,3]",
                                 "8.bias [10]"});
  const std::string files = " --model every.json --weights w.safetensors --data digits.csv";
  // Dropout in training mode draws a mask per evaluation: the check passes only because the
  // module's state is restored before each one (models/module_check.hpp).
  const Run check = run_tapegrad("gradcheck" + files + " --rows 4", folder.path);
  INFO(check.output);
  CHECK(check.status == 0);
  CHECK_THAT(check.output, Contains("PASS"));
  CHECK(run_tapegrad("grad" + files + " --out g.safetensors", folder.path).status == 0);
  CHECK(tensor_names(folder.path / "g.safetensors") == tensor_names(folder.path / "w.safetensors"));
  const Run train =
      run_tapegrad("train" + files + " --out t.safetensors --epochs 2 --quiet", folder.path);
  INFO(train.output);
  CHECK(train.status == 0);
}

TEST_CASE("The commands that need an MLP refuse a layered config and say so", "[tools][cnn]") {
  TempFolder folder;
  write_digits(folder.path / "digits.csv", 10, 4);
  REQUIRE(run_tapegrad("init --dtype F64 --model " + kDigitsConfig + " --out w.safetensors",
                       folder.path)
              .status == 0);
  const std::string files =
      " --model " + kDigitsConfig + " --weights w.safetensors --data digits.csv";
  const Run second = run_tapegrad("gradcheck --order 2" + files, folder.path);
  CHECK(second.status != 0);
  CHECK_THAT(second.output, Contains("--order 2") && Contains("dense-only"));
  const Run explain = run_tapegrad("explain" + files, folder.path);
  CHECK(explain.status != 0);
  CHECK_THAT(explain.output, Contains("typed layers"));
  const Run html = run_tapegrad("dot" + files + " g.svg --html page.html", folder.path);
  CHECK(html.status != 0);
  CHECK_THAT(html.output, Contains("--html"));
  CHECK_FALSE(fs::exists(folder.path / "page.html"));
}

TEST_CASE("A label that is not a class number is refused with its line", "[tools][cnn]") {
  TempFolder folder;
  std::ostringstream csv;
  for (int i = 0; i < 64; ++i) csv << "p" << i << ",";
  csv << "label\n";
  for (const char* label : {"3", "10"}) {
    for (int i = 0; i < 64; ++i) csv << "1,";
    csv << label << "\n";
  }
  write_file(folder.path / "bad.csv", csv.str());
  REQUIRE(
      run_tapegrad("init --model " + kDigitsConfig + " --out w.safetensors", folder.path).status ==
      0);
  const Run run = run_tapegrad("grad --model " + kDigitsConfig +
                                   " --weights w.safetensors --data bad.csv --out g.safetensors",
                               folder.path);
  CHECK(run.status != 0);
  CHECK_THAT(run.output,
             Contains("bad.csv:3: row 1: column 65 (\"label\") is 10") && Contains("from 0 to 9"));
}

}  // namespace file_tools_cnn_commands_test
