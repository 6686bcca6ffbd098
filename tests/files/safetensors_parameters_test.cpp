// A model's parameters in safetensors files (models/io/safetensors.hpp): looking tensors up by name
// and type, atomic saves that keep the old file on failure, and load_parameters, which checks
// names, shapes and element types before it changes anything.
#include <catch2/catch.hpp>

#include <sys/resource.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "tapegrad.hpp"

namespace file_files_safetensors_parameters_test {  // the file's own scope: the test programs are
                                                    // unity builds

using namespace tapegrad;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

constexpr const char* kName = "W.safetensors";

struct TemporaryFolder {
  fs::path path;
  TemporaryFolder() {
    std::string pattern = (fs::temp_directory_path() / "tapegrad-safetensors-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~TemporaryFolder() { fs::remove_all(path); }

  std::set<std::string> entries() const {
    std::set<std::string> names;
    for (const auto& entry : fs::directory_iterator(path)) names.insert(entry.path().filename());
    return names;
  }
};

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A parameter list like a Module's.
template <class T>
std::vector<std::pair<std::string, Parameter<T>>> two_parameters() {
  return {{"layers.0.weight", Parameter<T>(Tensor<T>({2, 3}, {1, 2, 3, 4, 5, 6}))},
          {"layers.0.bias", Parameter<T>(Tensor<T>({2}, {-1, -2}))}};
}

template <class T>
std::vector<std::vector<T>> snapshot(
    const std::vector<std::pair<std::string, Parameter<T>>>& parameters) {
  std::vector<std::vector<T>> values;
  for (const auto& [name, parameter] : parameters)
    values.emplace_back(parameter.value().values().begin(), parameter.value().values().end());
  return values;
}

// Limits the size of files this process may write, for the scope; writes past it fail with
// EFBIG instead of raising SIGXFSZ.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    REQUIRE(::getrlimit(RLIMIT_FSIZE, &previous_) == 0);
    previous_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    rlimit limit = previous_;
    limit.rlim_cur = bytes;
    REQUIRE(::setrlimit(RLIMIT_FSIZE, &limit) == 0);
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &previous_);
    std::signal(SIGXFSZ, previous_handler_);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;

 private:
  rlimit previous_{};
  void (*previous_handler_)(int) = nullptr;
};

}  // namespace

// ---- Looking tensors up ----------------------------------------------------------------------

TEST_CASE("TensorFile get refuses a missing name or the other element type",
          "[files][safetensors]") {
  TensorFile built;
  built.add("w", Tensor<float>({2, 3}, {1, 2, 3, 4, 5, 6}));
  built.add("b", Tensor<double>({2}, {-1, 0.5}));
  const TensorFile file = parse_safetensors(serialize_safetensors(built), kName);
  CHECK(file.get<float>("w")[5] == 6.0f);
  CHECK_THROWS_WITH(file.get<double>("w"),
                    Contains("W.safetensors: tensor 'w' is F32, not F64 (double)"));
  CHECK_THROWS_WITH(file.get<float>("b"), Contains("tensor 'b' is F64, not F32 (float)"));
  CHECK_THROWS_WITH(file.get<float>("nope"), Contains("W.safetensors: no tensor 'nope'"));
  CHECK(file.find("nope") == nullptr);
}

// ---- Atomic saves -----------------------------------------------------------------------------

TEST_CASE("A failed save keeps the old weights file and leaves no temporary",
          "[files][safetensors]") {
  TemporaryFolder folder;
  const fs::path target = folder.path / "model.safetensors";
  TensorFile old_weights;
  old_weights.add("w", Tensor<float>({2}, {1, 2}));
  write_safetensors(target.string(), old_weights);
  const std::string old_bytes = read_bytes(target);

  TensorFile new_weights;
  new_weights.add("w", Tensor<float>(Shape{1000}));
  {
    FileSizeLimit limit(256);  // the new file does not fit: its write fails with EFBIG
    CHECK_THROWS_WITH(write_safetensors(target.string(), new_weights),
                      Contains(target.string()) && Contains(std::strerror(EFBIG)));
  }
  CHECK(read_bytes(target) == old_bytes);
  CHECK(read_safetensors(target.string()).get<float>("w")[1] == 2.0f);
  CHECK(folder.entries() == std::set<std::string>{"model.safetensors"});
}

TEST_CASE("Saving over a directory fails and keeps it and leaves no temporary",
          "[files][safetensors]") {
  TemporaryFolder folder;
  const fs::path target = folder.path / "model.safetensors";
  fs::create_directory(target);
  std::ofstream(target / "inside.txt") << "kept";
  CHECK_THROWS_WITH(write_safetensors(target.string(), TensorFile{}), Contains(target.string()));
  CHECK(read_bytes(target / "inside.txt") == "kept");
  CHECK(folder.entries() == std::set<std::string>{"model.safetensors"});
}

// ---- Parameters -------------------------------------------------------------------------------

TEST_CASE("load_parameters fills a model with the weights another model saved",
          "[files][safetensors]") {
  TemporaryFolder folder;
  const std::string path = (folder.path / "mlp.safetensors").string();
  const MLPOptions options =
      MLPOptions(3).layer(4, Activation::kTanh).layer(2, Activation::kIdentity);
  manual_seed(1);
  const MLP<double> saved(options);
  manual_seed(2);
  MLP<double> loaded(options);
  REQUIRE(snapshot(loaded.named_parameters()) != snapshot(saved.named_parameters()));

  write_safetensors(path, parameters_to_file(saved.named_parameters()));
  const TensorFile file = read_safetensors(path);
  std::vector<std::string> names;
  for (const NamedTensor& tensor : file.tensors()) names.push_back(tensor.name);
  CHECK(names == std::vector<std::string>{"layers.0.weight", "layers.0.bias", "layers.1.weight",
                                          "layers.1.bias"});
  load_parameters(file, loaded.named_parameters());
  CHECK(snapshot(loaded.named_parameters()) == snapshot(saved.named_parameters()));
}

TEST_CASE("gradients_to_file holds each parameter's gradient under its name",
          "[files][safetensors]") {
  auto parameters = two_parameters<float>();
  parameters[0].second.grads()[4] = 0.25f;
  const TensorFile file = gradients_to_file(parameters);
  REQUIRE(file.tensors().size() == 2);
  CHECK(file.get<float>("layers.0.weight").at({1, 1}) == 0.25f);
  CHECK(file.get<float>("layers.0.bias").shape() == Shape{2});
  CHECK(file.get<float>("layers.0.bias")[0] == 0.0f);
}

TEST_CASE("load_parameters refuses a wrong shape naming both shapes and changes nothing",
          "[files][safetensors]") {
  TensorFile saved;
  saved.add("layers.0.weight", Tensor<double>({2, 3}, {9, 9, 9, 9, 9, 9}));  // fits
  saved.add("layers.0.bias", Tensor<double>({3}, {9, 9, 9}));                // does not
  const TensorFile file = parse_safetensors(serialize_safetensors(saved), kName);
  const auto parameters = two_parameters<double>();
  const auto before = snapshot(parameters);
  CHECK_THROWS_WITH(load_parameters(file, parameters),
                    Contains("W.safetensors: tensor 'layers.0.bias' has shape [3] but the "
                             "model's parameter has shape [2]"));
  CHECK(snapshot(parameters) == before);  // not even the weight, which fitted
}

TEST_CASE("load_parameters refuses a missing or an extra tensor and changes nothing",
          "[files][safetensors]") {
  const auto parameters = two_parameters<double>();
  const auto before = snapshot(parameters);

  TensorFile missing;  // the weight only
  missing.add("layers.0.weight", parameters[0].second.value());
  missing.source = kName;
  CHECK_THROWS_WITH(load_parameters(missing, parameters),
                    Contains("W.safetensors: no tensor 'layers.0.bias' for the model's "
                             "parameter of shape [2]"));

  TensorFile extra;
  extra.add("layers.0.weight", Tensor<double>({2, 3}, {7, 7, 7, 7, 7, 7}));
  extra.add("layers.0.bias", parameters[1].second.value());
  extra.add("layers.1.weight", Tensor<double>(Shape{1, 2}));
  extra.source = kName;
  CHECK_THROWS_WITH(load_parameters(extra, parameters),
                    Contains("W.safetensors: tensor 'layers.1.weight' is not a parameter of "
                             "the model"));

  missing.add("layers.9.bias", Tensor<double>(Shape{2}));  // both at once: both are listed
  CHECK_THROWS_WITH(load_parameters(missing, parameters),
                    Contains("W.safetensors: 2 problems loading the model's parameters") &&
                        Contains("no tensor 'layers.0.bias'") && Contains("'layers.9.bias'"));
  CHECK(snapshot(parameters) == before);
}

TEST_CASE("load_parameters refuses another element type unless widening F32 is allowed",
          "[files][safetensors]") {
  const TensorFile f32 =
      parse_safetensors(serialize_safetensors(parameters_to_file(two_parameters<float>())), kName);
  auto doubles = two_parameters<double>();
  doubles[0].second.values()[0] = 100;
  CHECK_THROWS_WITH(load_parameters(f32, doubles),
                    Contains("W.safetensors: 2 problems loading the model's parameters") &&
                        Contains("tensor 'layers.0.weight' is F32 but the model is double"));
  CHECK(doubles[0].second.value()[0] == 100);

  load_parameters(f32, doubles, DTypeConversion::kWidenF32);
  CHECK(doubles[0].second.value()[0] == 1.0);
  CHECK(doubles[1].second.value()[1] == -2.0);

  const TensorFile f64 =
      parse_safetensors(serialize_safetensors(parameters_to_file(two_parameters<double>())), kName);
  auto floats = two_parameters<float>();
  CHECK_THROWS_WITH(load_parameters(f64, floats, DTypeConversion::kWidenF32),
                    Contains("tensor 'layers.0.bias' is F64 but the model is float"));
}

}  // namespace file_files_safetensors_parameters_test
