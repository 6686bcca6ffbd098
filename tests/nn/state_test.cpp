// io::save / io::load of a module's state: a round trip in float and double with an int64
// buffer, strict loads refusing missing, unexpected and mis-shaped tensors in one error that
// names them all and changes nothing, non-strict loads returning what they left aside, and
// element types converted as torch's load_state_dict does; non-persistent buffers left out of the
// state.
#include <catch2/catch.hpp>

#include <stdlib.h>  // mkdtemp

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tapegrad.hpp"

namespace file_nn_state_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

struct TemporaryFolder {
  fs::path path;
  TemporaryFolder() {
    std::string pattern = (fs::temp_directory_path() / "tapegrad-state-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~TemporaryFolder() { fs::remove_all(path); }
};

// BatchNorm's state: float running statistics and an int64 batch count.
template <class T>
struct Stats : Module<T> {
  explicit Stats(std::size_t n) {
    running_mean = this->register_buffer("running_mean", Tensor<T>(Shape{n}));
    num_batches_tracked =
        this->register_buffer("num_batches_tracked", Tensor<std::int64_t>(Shape{}));
  }
  Buffer<T> running_mean, num_batches_tracked;
};

// "0.weight" [2,3], "0.bias" [2], "1.running_mean" [2], "1.num_batches_tracked" [] (I64).
template <class T>
std::shared_ptr<Sequential<T>> make_model(std::uint64_t seed) {
  Generator generator(seed);
  auto model = std::make_shared<Sequential<T>>();
  model->push_back(std::make_shared<Linear<T>>(LinearOptions(3, 2).generator(&generator)));
  auto stats = model->push_back(std::make_shared<Stats<T>>(2));
  for (T& v : stats->running_mean.values()) v = static_cast<T>(generator.normal());
  stats->num_batches_tracked.integer_values()[0] = static_cast<std::int64_t>(seed) * 1000 + 7;
  return model;
}

// Every entry's values as doubles, in state_dict order.
template <class T>
std::vector<double> state_values(const Module<T>& module) {
  std::vector<double> values;
  for (const auto& [name, entry] : module.state_dict()) {
    if (const auto* p = std::get_if<Parameter<T>>(&entry))
      values.insert(values.end(), p->value().values().begin(), p->value().values().end());
    else if (const Buffer<T>& b = std::get<Buffer<T>>(entry); b.is_integer())
      values.insert(values.end(), b.integer_value().values().begin(),
                    b.integer_value().values().end());
    else
      values.insert(values.end(), b.value().values().begin(), b.value().values().end());
  }
  return values;
}

TEMPLATE_TEST_CASE("save then load gives back every parameter and buffer", "[nn][state]", float,
                   double) {
  TemporaryFolder folder;
  const std::string path = (folder.path / "model.safetensors").string();
  const auto saved = make_model<TestType>(1);
  const auto loaded = make_model<TestType>(2);
  REQUIRE(state_values(*saved) != state_values(*loaded));
  io::save(*saved, path);

  const TensorFile file = read_safetensors(path);
  REQUIRE(file.tensors().size() == 4);
  CHECK(file.find("0.weight")->dtype() == dtype_of<TestType>());
  CHECK(file.find("1.running_mean")->dtype() == dtype_of<TestType>());
  CHECK(file.find("1.num_batches_tracked")->dtype() == DType::kI64);
  CHECK(file.get<std::int64_t>("1.num_batches_tracked")[0] == 1007);

  const io::LoadResult result = io::load(*loaded, path);
  CHECK(result.missing_keys.empty());
  CHECK(result.unexpected_keys.empty());
  CHECK(state_values(*loaded) == state_values(*saved));
  // The loaded values are the module's members' own (shared storage).
  CHECK(loaded->template at<Stats<TestType>>(1)->num_batches_tracked.integer_value()[0] == 1007);
}

TEST_CASE("a strict load lists every problem in one error and changes nothing", "[nn][state]") {
  TensorFile file = io::state_to_file(*make_model<double>(1));
  TensorFile broken;
  for (const NamedTensor& tensor : file.tensors()) {
    if (tensor.name == "0.bias") continue;  // missing
    if (tensor.name == "0.weight")
      broken.add("0.weight", Tensor<double>(Shape{3, 2}));  // mis-shaped
    else
      broken.add(tensor);
  }
  broken.add("2.weight", Tensor<double>(Shape{4}));  // unexpected
  broken.source = "broken.safetensors";
  const auto model = make_model<double>(2);
  const std::vector<double> before = state_values(*model);
  CHECK_THROWS_WITH(
      io::load_state(*model, broken),
      Contains("broken.safetensors: 3 problems loading the module's state:") &&
          Contains("tensor '0.weight' has shape [3,2] but the module's parameter has shape "
                   "[2,3]") &&
          Contains("no tensor '0.bias' for the module's parameter of shape [2]") &&
          Contains("tensor '2.weight' of shape [4] is not in the module"));
  CHECK(state_values(*model) == before);
}

TEST_CASE("a non-strict load loads what matches and returns the rest", "[nn][state]") {
  const auto source = make_model<float>(1);
  TensorFile file;
  file.add("0.weight", source->at<Linear<float>>(0)->weight.value());
  file.add("extra", Tensor<float>(Shape{1}));
  const auto model = make_model<float>(2);
  const io::LoadResult result = io::load_state(*model, file, {.strict = false});
  CHECK(result.missing_keys ==
        std::vector<std::string>{"0.bias", "1.running_mean", "1.num_batches_tracked"});
  CHECK(result.unexpected_keys == std::vector<std::string>{"extra"});
  const auto weight = model->at<Linear<float>>(0)->weight.value().values();
  const auto expected = source->at<Linear<float>>(0)->weight.value().values();
  CHECK(std::equal(weight.begin(), weight.end(), expected.begin(), expected.end()));
  CHECK(model->at<Stats<float>>(1)->num_batches_tracked.integer_value()[0] == 2007);

  // As in torch, a shape that differs is an error even when not strict.
  TensorFile misshaped;
  misshaped.add("0.bias", Tensor<float>(Shape{5}));
  CHECK_THROWS_WITH(io::load_state(*model, misshaped, {.strict = false}),
                    Contains("tensor '0.bias' has shape [5] but the module's parameter has shape "
                             "[2]"));
}

TEST_CASE("F32 files load into double modules and F64 files into float ones", "[nn][state]") {
  const auto in_float = make_model<float>(3);
  const auto in_double = make_model<double>(4);
  io::load_state(*in_double, io::state_to_file(*in_float));
  CHECK(state_values(*in_double) == state_values(*in_float));  // widening is exact

  const auto back = make_model<float>(5);
  const auto wide = make_model<double>(6);
  io::load_state(*back, io::state_to_file(*wide));
  const std::vector<double> narrow = state_values(*back), exact = state_values(*wide);
  REQUIRE(narrow.size() == exact.size());
  for (std::size_t i = 0; i < exact.size(); ++i)
    CHECK(narrow[i] == static_cast<double>(static_cast<float>(exact[i])));
}

TEST_CASE("integer buffers take I64 tensors only, and floating entries refuse I64", "[nn][state]") {
  TensorFile file = io::state_to_file(*make_model<float>(1));
  TensorFile swapped;
  for (const NamedTensor& tensor : file.tensors()) {
    if (tensor.name == "1.num_batches_tracked")
      swapped.add(tensor.name, Tensor<float>(Shape{}, {3.0f}));
    else if (tensor.name == "1.running_mean")
      swapped.add(tensor.name, Tensor<std::int64_t>(Shape{2}, {1, 2}));
    else
      swapped.add(tensor);
  }
  const auto model = make_model<float>(2);
  CHECK_THROWS_WITH(
      io::load_state(*model, swapped),
      Contains("tensor '1.num_batches_tracked' is F32 but the module's buffer holds integers "
               "(I64)") &&
          Contains("tensor '1.running_mean' is I64 but the module's buffer holds floating-point "
                   "numbers"));
}

// A module with a persistent buffer and one registered with persistent = false (torch's
// register_buffer(..., persistent=False)), inside a Sequential.
struct Cached : Module<double> {
  Cached() {
    kept = register_buffer("kept", Tensor<double>::full(Shape{2}, 1.5));
    cache = register_buffer("cache", Tensor<double>::full(Shape{3}, 7.0), false);
  }
  Buffer<double> kept, cache;
};

TEST_CASE("a non-persistent buffer is a buffer but not part of the state", "[nn][state]") {
  TemporaryFolder folder;
  const std::string path = (folder.path / "cached.safetensors").string();
  Sequential<double> model;
  auto cached = model.push_back(std::make_shared<Cached>());
  std::vector<std::string> buffer_names, state_names;
  for (const auto& [name, buffer] : model.named_buffers()) buffer_names.push_back(name);
  for (const auto& [name, entry] : model.state_dict()) state_names.push_back(name);
  CHECK(buffer_names == std::vector<std::string>{"0.kept", "0.cache"});
  CHECK(state_names == std::vector<std::string>{"0.kept"});

  io::save(model, path);
  const TensorFile file = read_safetensors(path);
  REQUIRE(file.tensors().size() == 1);
  CHECK(file.find("0.kept") != nullptr);
  CHECK(file.find("0.cache") == nullptr);

  // A strict load neither expects the non-persistent buffer nor accepts it; it is left alone.
  cached->cache.values()[0] = -2.0;
  CHECK(io::load(model, path).missing_keys.empty());
  CHECK(Tensor<double>(cached->cache.value()).values() == std::vector<double>{-2.0, 7.0, 7.0});
  TensorFile with_cache = file;
  with_cache.add("0.cache", Tensor<double>(Shape{3}));
  with_cache.source = "with-cache.safetensors";
  CHECK_THROWS_WITH(io::load_state(model, with_cache),
                    Contains("tensor '0.cache' of shape [3] is not in the module"));
  CHECK(Tensor<double>(cached->cache.value()).values() == std::vector<double>{-2.0, 7.0, 7.0});
}

}  // namespace file_nn_state_test
