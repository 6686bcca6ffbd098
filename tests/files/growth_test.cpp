// The readers and the name lookups grow linearly with their input: counted in work done (parser
// events, key lookups, name comparisons), never timed. Before, a weights header of n tensors and
// a config of n layers were parsed with nlohmann's parse callback, which rescans the parent after
// every entry (n²/2 steps), and Module and TensorFile found names by linear search (n²/2
// comparisons for n names).
#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <string>

#include "models/io/detail/unique_json.hpp"
#include "models/name_index.hpp"
#include "tapegrad.hpp"

namespace file_files_growth_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad;

namespace {

// A header of n zero-size tensors, as in the file that took 20 s to read.
std::string header_of(std::size_t n) {
  std::string text = "{";
  for (std::size_t k = 0; k < n; ++k)
    text += fmt::format("{}\"t{}\":{{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}}",
                        k == 0 ? "" : ",", k);
  return text + "}";
}

std::string config_of(std::size_t layers) {
  std::string text = R"({"inputs": 2, "loss": "sse", "layers": [)";
  for (std::size_t k = 0; k < layers; ++k)
    text += std::string(k == 0 ? "" : ",") + R"({"units": 2, "activation": "tanh"})";
  return text + "]}";
}

struct NameWork {
  std::size_t lookups, comparisons;
};
NameWork name_work() {
  const detail::NameIndexWork& work = detail::name_index_work();
  return {work.lookups.load(), work.comparisons.load()};
}

}  // namespace

TEST_CASE("a header's parse does work proportional to its entries", "[files][growth]") {
  for (std::size_t n : {1000u, 50000u}) {
    INFO(n << " tensors");
    detail::JsonParseWork work;
    const nlohmann::json header = detail::parse_unique_json(header_of(n), 3, &work);
    CHECK(header.size() == n);
    CHECK(work.key_lookups == 4 * n);  // the name, then dtype, shape and data_offsets
    // The header's start and end; per entry its name, its start and end, its 3 keys, the string
    // "F32", and the arrays [0] and [0,0] (3 and 4 events).
    CHECK(work.events == 2 + 14 * n);
  }
}

TEST_CASE("a config's parse does work proportional to its layers", "[files][growth]") {
  for (std::size_t n : {1000u, 100000u}) {
    INFO(n << " layers");
    detail::JsonParseWork work;
    detail::parse_unique_json(config_of(n), SIZE_MAX, &work);
    CHECK(work.key_lookups == 3 + 2 * n);
    // The start and end, 3 keys, 2 and "sse", the array's start and end: 9; per layer its start
    // and end, 2 keys, 2 and "tanh".
    CHECK(work.events == 9 + 6 * n);
    CHECK(parse_model_config(config_of(n), "m.json").layers.size() == n);
  }
}

TEST_CASE("a duplicate key is still refused, wherever it is", "[files][growth]") {
  const auto path_of = [](const std::string& text) {
    try {
      detail::parse_unique_json(text);
    } catch (const detail::JsonShapeError& error) {
      return fmt::format("{}", fmt::join(error.path, "/"));
    }
    return std::string("no error");
  };
  CHECK(path_of(R"({"a": 1, "a": 2})") == "a");
  CHECK(path_of(R"({"l": [{"u": 1}, {"u": 1, "u": 2}]})") == "l/1/u");
  CHECK(path_of(R"({"x": {"": 1, "": 2}})") == "x/");
  CHECK(path_of(R"({"a": {"b": 1}, "c": {"b": 1}})") == "no error");  // equal keys, two objects
}

TEST_CASE("registering n parameters makes n lookups and almost no name comparisons",
          "[files][growth][module]") {
  // MLP: each Linear registers weight and bias, and the "layers" list registers the Linear as
  // child "k": 3 lookups per layer, and one for "layers". A linear search made k comparisons
  // for the k-th name.
  for (std::size_t layers : {100u, 20000u}) {
    INFO(layers << " layers");
    MLPOptions options(2);
    for (std::size_t k = 0; k < layers; ++k) options.layer(2, Activation::kTanh);
    const NameWork before = name_work();
    const MLP<float> net(options);
    const NameWork after = name_work();
    CHECK(net.named_parameters().size() == 2 * layers);
    CHECK(after.lookups - before.lookups == 3 * layers + 1);
    // A lookup compares names only when their hashes are equal - once, for Linear's "bias" after
    // "weight", whose table is small enough for libstdc++ to scan (at most 20 names) - and the
    // list's own table is scanned until it holds 20 names: at most 20·21/2 comparisons.
    CHECK(after.comparisons - before.comparisons <= layers + 210);
  }
}

TEST_CASE("finding n tensors by name makes n lookups and one comparison each",
          "[files][growth][safetensors]") {
  for (std::size_t n : {100u, 50000u}) {
    INFO(n << " tensors");
    TensorFile file;
    for (std::size_t k = 0; k < n; ++k) file.add(fmt::format("t{}", k), Tensor<float>(Shape{0}));
    const NameWork before = name_work();
    for (std::size_t k = 0; k < n; ++k)
      REQUIRE(file.find(fmt::format("t{}", k)) == &file.tensors()[k]);
    CHECK(file.find("absent") == nullptr);
    const NameWork after = name_work();
    CHECK(after.lookups - before.lookups == n + 1);
    CHECK(after.comparisons - before.comparisons <= n + n / 10);  // the match, and collisions
  }
}

TEST_CASE("a weights file of 50000 tensors is read and checked against a model",
          "[files][growth][safetensors]") {
  const std::string header = header_of(50000);
  std::string bytes(8, '\0');
  const std::uint64_t length = header.size();
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((length >> (8 * i)) & 0xFF);
  const TensorFile file = parse_safetensors(bytes + header, "many.st");
  CHECK(file.tensors().size() == 50000);
  CHECK(file.find("t49999") != nullptr);
}

}  // namespace file_files_growth_test
