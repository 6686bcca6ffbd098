// Writing safetensors files (models/io/safetensors.hpp).
#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "../../graph/errors.hpp"
#include "atomic_file.hpp"
#include "detail/safetensors_support.hpp"
#include "safetensors.hpp"

namespace tapegrad {
namespace {

using detail::kMetadataKey;
using detail::quote_name;
using nlohmann::json;

void append_length(std::string& out, std::uint64_t length) {
  length = detail::to_little_endian(length);
  out.append(reinterpret_cast<const char*>(&length), sizeof length);
}

// A JSON string literal; throws Error for text that is not valid UTF-8.
std::string json_string(const std::string& text, std::string_view what) {
  try {
    return json(text).dump();
  } catch (const json::type_error&) {
    throw Error(
        fmt::format("serialize_safetensors: {} {} is not valid UTF-8", what, quote_name(text)));
  }
}

// The tensors in the order of their bytes: F64 and I64 first, so that every tensor starts at a
// multiple of its element size (the data starts at a multiple of 8); otherwise in the caller's
// order.
std::vector<const NamedTensor*> layout_order(const TensorFile& file) {
  std::vector<const NamedTensor*> order;
  std::set<std::string_view> names;
  for (const NamedTensor& tensor : file.tensors()) {
    if (tensor.name == kMetadataKey)
      throw Error("serialize_safetensors: '__metadata__' is reserved and cannot name a tensor");
    if (!names.insert(tensor.name).second)
      throw Error(
          fmt::format("serialize_safetensors: two tensors are named {}", quote_name(tensor.name)));
    order.push_back(&tensor);
  }
  std::stable_partition(order.begin(), order.end(),
                        [](const NamedTensor* t) { return t->dtype() != DType::kF32; });
  return order;
}

std::string header_json(const TensorFile& file, const std::vector<const NamedTensor*>& order) {
  std::vector<std::string> items;
  if (!file.metadata.empty()) {
    std::vector<std::string> pairs;
    for (const auto& [key, value] : file.metadata)
      pairs.push_back(json_string(key, "metadata key") + ":" +
                      json_string(value, "metadata value"));
    items.push_back(fmt::format("\"{}\":{{{}}}", kMetadataKey, fmt::join(pairs, ",")));
  }
  std::uint64_t offset = 0;
  for (const NamedTensor* tensor : order) {
    const std::uint64_t bytes = tensor->shape().size() * detail::element_size(tensor->dtype());
    items.push_back(fmt::format("{}:{{\"dtype\":\"{}\",\"shape\":[{}],\"data_offsets\":[{},{}]}}",
                                json_string(tensor->name, "tensor name"),
                                to_string(tensor->dtype()), fmt::join(tensor->shape().dims(), ","),
                                offset, offset + bytes));
    offset += bytes;
  }
  std::string header = fmt::format("{{{}}}", fmt::join(items, ","));
  header.append((8 - header.size() % 8) % 8, ' ');  // the data then starts at a multiple of 8
  return header;
}

}  // namespace

std::string serialize_safetensors(const TensorFile& file) {
  const std::vector<const NamedTensor*> order = layout_order(file);
  const std::string header = header_json(file, order);
  std::string out;
  append_length(out, header.size());
  out += header;
  for (const NamedTensor* tensor : order)
    std::visit([&](const auto& value) { detail::encode_little_endian(value.values(), out); },
               tensor->value);
  return out;
}

void write_safetensors(const std::string& path, const TensorFile& file) {
  write_file_atomically(path, serialize_safetensors(file));
}

}  // namespace tapegrad
