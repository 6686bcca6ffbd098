// The safetensors format (models/io/safetensors.hpp): bit-exact round trips, an independent reader,
// a file assembled by hand from the specification, one refusal per rule of the format, and a
// mini-fuzz that must never get anything but tapegrad::Error. Parameters and atomic saves are in
// safetensors_parameters_test.cpp.
#include <catch2/catch.hpp>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "tapegrad.hpp"

namespace file_files_safetensors_test {  // the file's own scope: the test programs are unity builds

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
};

// `value`'s low `count` bytes, least significant first, whatever the machine's byte order.
std::string little_endian(std::uint64_t value, std::size_t count) {
  std::string out;
  for (std::size_t i = 0; i < count; ++i, value >>= 8) out += static_cast<char>(value & 0xFF);
  return out;
}

std::string f32_bytes(std::initializer_list<float> values) {
  std::string out;
  for (float v : values) out += little_endian(std::bit_cast<std::uint32_t>(v), 4);
  return out;
}

// A header: a JSON object of the given members.
std::string object_of(std::initializer_list<std::string> members) {
  std::string header = "{";
  for (const std::string& member : members) {
    if (header.size() > 1) header += ',';
    header += member;
  }
  return header += '}';
}

// A file: the header's length, the header, the data.
std::string file_of(const std::string& header, const std::string& data) {
  return little_endian(header.size(), 8) + header + data;
}

// One F32 tensor entry of the header.
std::string entry(const std::string& name, const std::string& shape, std::uint64_t begin,
                  std::uint64_t end, const std::string& dtype = "F32") {
  return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape +
         ",\"data_offsets\":[" + std::to_string(begin) + "," + std::to_string(end) + "]}";
}

// The message of the Error that parsing `bytes` throws.
std::string parse_error(const std::string& bytes) {
  try {
    parse_safetensors(bytes, kName);
  } catch (const Error& error) {
    return error.what();
  }
  FAIL("parsed without an Error");
  return {};
}

template <class T>
std::string bytes_of(const Tensor<T>& tensor) {
  return {reinterpret_cast<const char*>(tensor.data()), tensor.size() * sizeof(T)};
}

std::string bytes_of(const NamedTensor& tensor) {
  return std::visit([](const auto& value) { return bytes_of(value); }, tensor.value);
}

// Values whose bits a careless conversion would change: NaN payloads, -0, subnormals, infinities.
template <class T>
Tensor<T> awkward_values(const Shape& shape) {
  using Bits = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
  const std::vector<T> special{std::bit_cast<T>(static_cast<Bits>(
                                   std::bit_cast<Bits>(std::numeric_limits<T>::quiet_NaN()) | 1)),
                               T(-0.0),
                               std::numeric_limits<T>::denorm_min(),
                               -std::numeric_limits<T>::infinity(),
                               std::numeric_limits<T>::max(),
                               T(0.1)};
  Tensor<T> tensor(shape);
  for (std::size_t i = 0; i < tensor.size(); ++i)
    tensor[i] = i < special.size() ? special[i] : T(i) / T(7);
  return tensor;
}

TensorFile example_file() {
  TensorFile file;
  file.add("layers.0.weight", awkward_values<float>(Shape{4, 3}));
  file.add("layers.0.bias", awkward_values<double>(Shape{4}));
  file.add("scale", Tensor<float>::scalar(2.5f));
  file.add("empty", Tensor<double>(Shape{0, 3}));
  file.add("cube", awkward_values<double>(Shape{2, 2, 2}));
  file.metadata = {{"format", "pt"}, {"note", "ünïcode ✓"}};
  return file;
}

// A small valid file: two tensors, metadata and padding, as the fuzz starts from.
std::string small_valid_file() {
  TensorFile file;
  file.add("w", Tensor<float>({2, 3}, {1, 2, 3, 4, 5, 6}));
  file.add("b", Tensor<double>({2}, {-1, 0.5}));
  file.metadata = {{"k", "v"}};
  return serialize_safetensors(file);
}

}  // namespace

// ---- Round trips ------------------------------------------------------------------------------

TEST_CASE("A safetensors round trip keeps names and shapes and every bit of F32 and F64",
          "[files][safetensors]") {
  TemporaryFolder folder;
  const std::string path = (folder.path / "model.safetensors").string();
  const TensorFile original = example_file();
  write_safetensors(path, original);
  const TensorFile read = read_safetensors(path);

  CHECK(read.source == path);
  CHECK(read.metadata == original.metadata);
  // In the order of their bytes: the F64 tensors first, then the F32 ones, each as given.
  std::vector<std::string> names;
  for (const NamedTensor& tensor : read.tensors()) names.push_back(tensor.name);
  CHECK(names ==
        std::vector<std::string>{"layers.0.bias", "empty", "cube", "layers.0.weight", "scale"});
  for (const NamedTensor& tensor : original.tensors()) {
    INFO(tensor.name);
    const NamedTensor* found = read.find(tensor.name);
    REQUIRE(found != nullptr);
    CHECK(found->dtype() == tensor.dtype());
    CHECK(found->shape() == tensor.shape());
    CHECK(bytes_of(*found) == bytes_of(tensor));
  }
  const Tensor<float>& weight = read.get<float>("layers.0.weight");
  CHECK(std::isnan(weight[0]));
  CHECK(std::signbit(weight[1]));
  CHECK(weight[2] == std::numeric_limits<float>::denorm_min());
  CHECK(read.get<float>("scale").rank() == 0);
  CHECK(read.get<float>("scale").item() == 2.5f);
  CHECK(read.get<double>("empty").shape() == Shape{0, 3});
}

TEST_CASE("An independent reader of the specification agrees with the written bytes",
          "[files][safetensors]") {
  const TensorFile original = example_file();
  const std::string bytes = serialize_safetensors(original);

  // The reader: an 8-byte little-endian length, a JSON header, then memcpy out of the data.
  REQUIRE(bytes.size() >= 8);
  std::uint64_t header_size = 0;
  for (int i = 7; i >= 0; --i)
    header_size =
        (header_size << 8) | static_cast<unsigned char>(bytes[static_cast<std::size_t>(i)]);
  REQUIRE(header_size <= bytes.size() - 8);
  const std::string header = bytes.substr(8, header_size);
  const std::string data = bytes.substr(8 + header_size);
  CHECK(header_size % 8 == 0);  // the reference implementation's padding
  CHECK(header.front() == '{');
  CHECK(header.find_first_not_of(' ', header.rfind('}') + 1) == std::string::npos);
  const nlohmann::json json = nlohmann::json::parse(header);

  CHECK(json.at("__metadata__") == nlohmann::json{{"format", "pt"}, {"note", "ünïcode ✓"}});
  CHECK(json.size() == original.tensors().size() + 1);
  std::size_t covered = 0;
  for (const NamedTensor& tensor : original.tensors()) {
    INFO(tensor.name);
    const nlohmann::json& entry = json.at(tensor.name);
    const bool f32 = tensor.dtype() == DType::kF32;
    CHECK(entry.at("dtype") == (f32 ? "F32" : "F64"));
    CHECK(entry.at("shape").get<std::vector<std::size_t>>() ==
          std::vector<std::size_t>(tensor.shape().dims().begin(), tensor.shape().dims().end()));
    const auto offsets = entry.at("data_offsets").get<std::vector<std::size_t>>();
    REQUIRE(offsets.size() == 2);
    REQUIRE(offsets[0] <= offsets[1]);
    REQUIRE(offsets[1] <= data.size());
    CHECK(offsets[0] % (f32 ? 4 : 8) == 0);  // aligned for readers that map the file
    covered += offsets[1] - offsets[0];
    std::vector<char> copied(offsets[1] - offsets[0]);
    if (!copied.empty()) std::memcpy(copied.data(), data.data() + offsets[0], copied.size());
    CHECK(std::string(copied.begin(), copied.end()) == bytes_of(tensor));
  }
  CHECK(covered == data.size());
}

TEST_CASE("A file assembled byte by byte from the specification loads with its values",
          "[files][safetensors]") {
  // 156 bytes of header: 151 of JSON and 5 spaces of padding, which the specification allows.
  const std::string length("\x9c\x00\x00\x00\x00\x00\x00\x00", 8);
  const std::string header = R"({"__metadata__":{"format":"pt"},)"
                             R"("weight":{"dtype":"F32","shape":[2,2],"data_offsets":[16,32]},)"
                             R"("bias":{"dtype":"F64","shape":[2],"data_offsets":[0,16]}})"
                             "     ";
  REQUIRE(header.size() == 0x9c);
  // bias = [1.5, -0.25] as F64, then weight = [[1, -2], [0.5, 3]] as F32, little-endian.
  const std::string data(
      "\x00\x00\x00\x00\x00\x00\xf8\x3f"
      "\x00\x00\x00\x00\x00\x00\xd0\xbf"
      "\x00\x00\x80\x3f\x00\x00\x00\xc0\x00\x00\x00\x3f\x00\x00\x40\x40",
      32);

  const TensorFile file = parse_safetensors(length + header + data, kName);
  REQUIRE(file.tensors().size() == 2);
  CHECK(file.tensors()[0].name == "bias");  // offset order, not header order
  CHECK(file.tensors()[1].name == "weight");
  CHECK(file.metadata == std::map<std::string, std::string>{{"format", "pt"}});
  const Tensor<double>& bias = file.get<double>("bias");
  CHECK(bias.shape() == Shape{2});
  CHECK(bias[0] == 1.5);
  CHECK(bias[1] == -0.25);
  const Tensor<float>& weight = file.get<float>("weight");
  CHECK(weight.shape() == Shape{2, 2});
  CHECK(weight.at({0, 0}) == 1.0f);
  CHECK(weight.at({0, 1}) == -2.0f);
  CHECK(weight.at({1, 0}) == 0.5f);
  CHECK(weight.at({1, 1}) == 3.0f);
}

TEST_CASE("A file of no tensors is an 8-byte header of braces and spaces", "[files][safetensors]") {
  const std::string bytes = serialize_safetensors(TensorFile{});
  CHECK(bytes == little_endian(8, 8) + "{}      ");
  const TensorFile file = parse_safetensors(bytes, kName);
  CHECK(file.tensors().empty());
  CHECK(file.metadata.empty());
}

TEST_CASE("Tensors of no elements take no bytes and load", "[files][safetensors]") {
  const std::string bytes = file_of(object_of({entry("a", "[0,3]", 0, 0), entry("b", "[3]", 0, 12),
                                               entry("c", "[4294967295,0]", 12, 12, "F64")}),
                                    f32_bytes({1, 2, 3}));
  const TensorFile file = parse_safetensors(bytes, kName);
  REQUIRE(file.tensors().size() == 3);
  CHECK(file.get<float>("a").shape() == Shape{0, 3});
  CHECK(file.get<float>("b")[2] == 3.0f);
  CHECK(file.get<double>("c").size() == 0);
}

// ---- Refusals, one per rule -------------------------------------------------------------------

TEST_CASE("A file too short for its header length is refused", "[files][safetensors]") {
  CHECK_THAT(parse_error(""), Contains("W.safetensors: the file is empty"));
  CHECK_THAT(parse_error("12345"),
             Contains("W.safetensors: the file has only 5 bytes") && Contains("8-byte"));
  CHECK_THAT(parse_error(little_endian(100, 8) + "{}"),
             Contains("W.safetensors: the header length is 100 but only 2 bytes follow it"));
  // The length is refused before anything is allocated for it.
  CHECK_THAT(parse_error(little_endian(std::uint64_t{1} << 63, 8) + "{}"),
             Contains("W.safetensors: the header length is 9223372036854775808, more than the "
                      "100000000 bytes"));
  CHECK_THAT(parse_error(little_endian(100'000'001, 8) + "{}"), Contains("more than the"));
  CHECK_THAT(parse_error(little_endian(100'000'000, 8) + "{}"), Contains("only 2 bytes follow it"));
}

TEST_CASE("A header that is not a JSON object is refused", "[files][safetensors]") {
  CHECK_THAT(parse_error(file_of(R"({"a":)", "")),
             Contains("W.safetensors: the header is not valid JSON"));
  CHECK_THAT(
      parse_error(file_of("hello", "")),
      Contains("W.safetensors: the header is not a JSON object") && Contains("begins with 'h'"));
  CHECK_THAT(parse_error(file_of("[1,2]", "")),
             Contains("the header is not a JSON object") && Contains("begins with '['"));
  CHECK_THAT(parse_error(file_of("", "")), Contains("not a JSON object") && Contains("empty"));
  CHECK_THAT(parse_error(file_of(" {}", "")), Contains("must begin with '{'"));
  CHECK_THAT(parse_error(file_of("{} x", "")), Contains("not valid JSON"));
  CHECK_THAT(parse_error(file_of(std::string("{}\0", 3), "")), Contains("not valid JSON"));
  CHECK_THAT(parse_error(file_of("{\"\xff\":1}", "")), Contains("not valid JSON"));
}

TEST_CASE("An entry with a wrong dtype or shape or key is refused naming the tensor",
          "[files][safetensors]") {
  const std::string data = f32_bytes({1, 2, 3});
  const auto with = [&](const std::string& entry_json) {
    return parse_error(file_of(object_of({entry_json}), data));
  };
  CHECK_THAT(with(entry("x", "[3]", 0, 12, "BF16")),
             Contains("W.safetensors: tensor 'x': unsupported dtype 'BF16'; tapegrad reads F32, "
                      "F64 and I64"));
  CHECK_THAT(with(entry("x", "[3]", 0, 12, "float32")), Contains("unknown dtype 'float32'"));
  CHECK_THAT(with(R"("x":{"dtype":32,"shape":[3],"data_offsets":[0,12]})"),
             Contains("tensor 'x': dtype must be a string") && Contains("got 32"));
  CHECK_THAT(
      with(entry("x", "[-3]", 0, 12)),
      Contains("tensor 'x': shape must be an array of non-negative integers") && Contains("-3"));
  CHECK_THAT(with(entry("x", "[1.5]", 0, 12)), Contains("non-negative integers"));
  CHECK_THAT(with(entry("x", "\"3\"", 0, 12)), Contains("shape must be an array"));
  CHECK_THAT(with(R"("x":{"dtype":"F32","data_offsets":[0,12]})"),
             Contains("tensor 'x': missing key 'shape'"));
  CHECK_THAT(with(R"("x":{"dtype":"F32","shape":[3],"data_offsets":[0,12],"offsets":[0,12]})"),
             Contains("tensor 'x': unknown key 'offsets'"));
  CHECK_THAT(with(R"("x":[1,2])"), Contains("tensor 'x': expected an object"));
  CHECK_THAT(with(entry("x", "[3]", 12, 0)),
             Contains("tensor 'x': data_offsets [12, 0] end before they begin"));
  CHECK_THAT(with(R"("x":{"dtype":"F32","shape":[3],"data_offsets":[12]})"),
             Contains("data_offsets must be two non-negative integers"));
  CHECK_THAT(with(R"("__metadata__":{"a":1})"),
             Contains("W.safetensors: __metadata__: 'a' must be a string, got 1"));
  CHECK_THAT(with(R"("__metadata__":["a"])"), Contains("__metadata__ must be an object"));
  // Valid safetensors, beyond what a tapegrad tensor holds.
  CHECK_THAT(with(entry("x", "[1,1,1,1,1,1,1,1,3]", 0, 12)),
             Contains("tensor 'x': shape [1,1,1,1,1,1,1,1,3] has 9 dimensions"));
  CHECK_THAT(with(entry("x", "[3]", 0, 12) + "," + entry("y", "[4294967296,0]", 12, 12)),
             Contains("tensor 'y': shape [4294967296,0] has a dimension of 2^32 or more"));
}

TEST_CASE("An empty tensor whose dimensions before its 0 overflow is refused naming the tensor",
          "[files][safetensors][fuzz]") {
  // tests/fuzz/regressions/safetensors/zero_dim_after_overflowing_dims: valid safetensors, but a
  // Shape multiplies its dimensions in order, and its ShapeError named neither file nor tensor.
  CHECK(parse_error(
            file_of(object_of({entry("x", "[4294967295,4294967295,4294967295,0]", 0, 0)}), "")) ==
        "W.safetensors: tensor 'x': shape [4294967295,4294967295,4294967295,0] has no elements, "
        "but the dimensions before its 0 multiply to 2^64 or more, which tapegrad's shapes "
        "cannot hold");
  // With the 0 first, or fewer large dimensions before it, the empty tensors load.
  const TensorFile file =
      parse_safetensors(file_of(object_of({entry("x", "[0,4294967295,4294967295,4294967295]", 0, 0),
                                           entry("y", "[4294967295,4294967295,0]", 0, 0)}),
                                ""),
                        kName);
  CHECK(file.get<float>("x").shape() == Shape{0, 4294967295, 4294967295, 4294967295});
  CHECK(file.get<float>("y").size() == 0);
}

TEST_CASE("Data offsets that disagree with the shape or the data are refused",
          "[files][safetensors]") {
  const std::string forty_bytes(40, '\0');
  CHECK(parse_error(file_of(object_of({entry("layers.0.weight", "[4,3]", 0, 40)}), forty_bytes)) ==
        "W.safetensors: tensor 'layers.0.weight': data_offsets [0, 40] hold 40 bytes but shape "
        "[4,3] of F32 needs 48");
  CHECK_THAT(
      parse_error(file_of(object_of({entry("x", "[4294967295,4294967295,4294967295]", 0, 40)}),
                          forty_bytes)),
      Contains("needs more than 2^64"));
  CHECK_THAT(parse_error(file_of(object_of({entry("x", "[3]", 12, 24)}), f32_bytes({1, 2, 3}))),
             Contains("tensor 'x': data_offsets [12, 24] reach past the end of the data, which "
                      "has 12 bytes"));
  CHECK_THAT(parse_error(file_of(
                 object_of({entry("x", "[3]", 18446744073709551604u, 18446744073709551615u)}), "")),
             Contains("hold 11 bytes"));
}

TEST_CASE("Tensors must cover the data without a gap or an overlap or bytes left over",
          "[files][safetensors]") {
  const std::string a = entry("a", "[3]", 0, 12);
  CHECK_THAT(parse_error(file_of(object_of({a, entry("b", "[3]", 8, 20)}), std::string(20, 'x'))),
             Contains("W.safetensors: tensors 'a' [0, 12] and 'b' [8, 20] overlap"));
  CHECK_THAT(parse_error(file_of(object_of({a, entry("b", "[3]", 16, 28)}), std::string(28, 'x'))),
             Contains("W.safetensors: no tensor covers bytes [12, 16) of the data (a gap "
                      "before tensor 'b')"));
  CHECK_THAT(parse_error(file_of(object_of({entry("a", "[3]", 4, 16)}), std::string(16, 'x'))),
             Contains("no tensor covers bytes [0, 4) of the data"));
  CHECK_THAT(parse_error(file_of(object_of({entry("a", "[3]", 0, 12)}), std::string(16, 'x'))),
             Contains("W.safetensors: no tensor covers the last 4 bytes of the data (from "
                      "offset 12)"));
  CHECK_THAT(parse_error(file_of("{}", "1234")), Contains("the last 4 bytes of the data"));
  CHECK_THAT(parse_error(file_of("{}", "1")), Contains("no tensor covers the last 1 byte of"));
}

TEST_CASE("A name or a key given twice in the header is refused", "[files][safetensors]") {
  const std::string data = f32_bytes({1, 2, 3});
  CHECK_THAT(
      parse_error(file_of(object_of({entry("a", "[3]", 0, 12), entry("a", "[3]", 0, 12)}), data)),
      Contains("W.safetensors: tensor 'a' appears twice in the header"));
  // The same name spelled with an escape is the same name.
  CHECK_THAT(parse_error(file_of(
                 object_of({entry("a", "[3]", 0, 12), entry("\\u0061", "[3]", 0, 12)}), data)),
             Contains("tensor 'a' appears twice"));
  CHECK_THAT(parse_error(file_of(R"({"__metadata__":{},"__metadata__":{}})", "")),
             Contains("__metadata__ appears twice"));
  CHECK_THAT(parse_error(file_of(
                 R"({"a":{"dtype":"F32","dtype":"F32","shape":[3],"data_offsets":[0,12]}})", data)),
             Contains("W.safetensors: tensor 'a': key 'dtype' appears twice"));
  CHECK_THAT(parse_error(file_of(R"({"__metadata__":{"k":"1","k":"2"}})", "")),
             Contains("W.safetensors: __metadata__: key 'k' appears twice"));
  CHECK_THAT(parse_error(file_of(R"({"a":{"shape":[[[1]]]}})", "")),
             Contains("tensor 'a': a value nests deeper than a safetensors header allows"));
}

TEST_CASE("read_safetensors names the path in its errors", "[files][safetensors]") {
  TemporaryFolder folder;
  const fs::path missing = folder.path / "missing.safetensors";
  CHECK_THROWS_WITH(read_safetensors(missing.string()),
                    Contains("cannot read '" + missing.string() + "'"));
  const fs::path bad = folder.path / "bad.safetensors";
  std::ofstream(bad, std::ios::binary) << "12345";
  CHECK_THROWS_WITH(read_safetensors(bad.string()),
                    Contains(bad.string() + ": the file has only 5 bytes"));
}

TEST_CASE("serialize_safetensors refuses names that a reader would reject",
          "[files][safetensors]") {
  TensorFile twice;
  twice.add("w", Tensor<float>(Shape{1}));
  twice.add("w", Tensor<double>(Shape{1}));
  CHECK_THROWS_WITH(serialize_safetensors(twice), Contains("two tensors are named 'w'"));
  TensorFile reserved;
  reserved.add("__metadata__", Tensor<float>(Shape{1}));
  CHECK_THROWS_WITH(serialize_safetensors(reserved), Contains("'__metadata__' is reserved"));
  TensorFile not_utf8;
  not_utf8.add("w\xff", Tensor<float>(Shape{1}));
  CHECK_THROWS_WITH(serialize_safetensors(not_utf8), Contains("is not valid UTF-8"));
}

// ---- Mini-fuzz --------------------------------------------------------------------------------

namespace {

// True if `bytes` load, false if they are refused with Error; anything else fails the test.
bool loads(const std::string& bytes) {
  TensorFile file;
  try {
    file = parse_safetensors(bytes, kName);
  } catch (const Error&) {
    return false;
  }
  // What loaded is whole: it writes out and reads back the same.
  const TensorFile again = parse_safetensors(serialize_safetensors(file), kName);
  REQUIRE(again.tensors().size() == file.tensors().size());
  REQUIRE(again.metadata == file.metadata);
  for (const NamedTensor& tensor : file.tensors()) {
    const NamedTensor* copy = again.find(tensor.name);
    REQUIRE(copy != nullptr);
    REQUIRE(copy->shape() == tensor.shape());
    REQUIRE(bytes_of(*copy) == bytes_of(tensor));
  }
  return true;
}

}  // namespace

TEST_CASE("Mutated and truncated files load or throw Error and never crash",
          "[files][safetensors][fuzz]") {
  const std::string valid = small_valid_file();
  REQUIRE(loads(valid));
  std::size_t loaded = 0, refused = 0;
  const auto attempt = [&](const std::string& bytes) { ++(loads(bytes) ? loaded : refused); };

  for (std::size_t size = 0; size < valid.size(); ++size) attempt(valid.substr(0, size));
  const std::string replacements("\x00\xff{}[]\",:-09e \x80", 15);
  for (std::size_t i = 0; i < valid.size(); ++i) {
    for (char replacement : replacements) {
      std::string mutated = valid;
      mutated[i] = replacement;
      attempt(mutated);
    }
    std::string flipped = valid;
    flipped[i] = static_cast<char>(flipped[i] ^ 0x01);
    attempt(flipped);
    attempt(valid.substr(0, i) + valid.substr(i + 1));         // a byte removed
    attempt(valid.substr(0, i) + valid[i] + valid.substr(i));  // a byte doubled
  }
  std::mt19937 random(20240601);
  std::uniform_int_distribution<std::size_t> position(0, valid.size() - 1);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int round = 0; round < 2000; ++round) {
    std::string mutated = valid;
    for (int change = 0; change < 1 + round % 4; ++change)
      mutated[position(random)] = static_cast<char>(byte(random));
    attempt(mutated);
  }

  INFO("loaded " << loaded << ", refused " << refused);
  CHECK(loaded + refused > 5000);
  CHECK(loaded > 100);  // changes to the data bytes still give a valid file
  CHECK(refused > 1000);
}

}  // namespace file_files_safetensors_test
