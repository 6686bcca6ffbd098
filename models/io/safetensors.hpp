// Weights and gradients in the safetensors format that PyTorch and Hugging Face use: an 8-byte
// little-endian header length, a JSON header naming each tensor's dtype, shape and byte range,
// then the raw little-endian, row-major bytes. The reader checks every rule of the format and
// names the file and the tensor in each error, so a corrupt or foreign file never loads halfway.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "../../graph/parameter.hpp"
#include "../../graph/tensor.hpp"
#include "../name_index.hpp"

namespace tapegrad {

// The element types tapegrad reads and writes; the format knows more (F16, BF16, I32, ...).
// I64 holds integer buffers (torch's BatchNorm num_batches_tracked).
enum class DType { kF32, kF64, kI64 };

// "F32", "F64" or "I64", as the header spells them.
std::string_view to_string(DType dtype);

template <class T>
constexpr DType dtype_of();
template <>
constexpr DType dtype_of<float>() {
  return DType::kF32;
}
template <>
constexpr DType dtype_of<double>() {
  return DType::kF64;
}
template <>
constexpr DType dtype_of<std::int64_t>() {
  return DType::kI64;
}

// One tensor of a file under its name, in its own element type.
struct NamedTensor {
  std::string name;
  std::variant<Tensor<float>, Tensor<double>, Tensor<std::int64_t>> value;

  DType dtype() const {
    constexpr DType kByIndex[] = {DType::kF32, DType::kF64, DType::kI64};
    return kByIndex[value.index()];
  }
  const Shape& shape() const {
    return std::visit([](const auto& tensor) -> const Shape& { return tensor.shape(); }, value);
  }
};

// The contents of a safetensors file: its tensors and its "__metadata__" strings.
class TensorFile {
 public:
  // Read: in the order of their bytes in the file. Written: F64 and I64 tensors first, then F32 (so
  // each starts at a multiple of its element size), each group in this order.
  const std::vector<NamedTensor>& tensors() const { return tensors_; }
  // The tensor called `name` (the first, if two share it), or nullptr; one hash lookup.
  const NamedTensor* find(std::string_view name) const;
  // The tensor called `name` as a Tensor<T>. Throws Error naming the file and the tensor if
  // there is none or it holds the other element type (no conversion is made).
  template <class T>
  const Tensor<T>& get(std::string_view name) const;
  // Appends a tensor; names are checked for duplicates when the file is written.
  template <class T>
  void add(std::string name, Tensor<T> tensor) {
    add(NamedTensor{std::move(name), std::move(tensor)});
  }
  void add(NamedTensor tensor);

  std::map<std::string, std::string> metadata;
  // The file these came from, to name it in errors; empty for a TensorFile built in memory.
  std::string source;

 private:
  std::vector<NamedTensor> tensors_;
  detail::NameIndex index_;  // positions in tensors_
};

// Parses the bytes of a safetensors file. Throws Error starting "<name_for_errors>: " and saying
// what is wrong; never reads outside `bytes`, whatever they hold.
TensorFile parse_safetensors(std::string_view bytes, std::string_view name_for_errors);
// Reads and parses the file at `path`; errors name `path`. A pipe or a device is read header
// first, then only the data its tensors cover, at most 8 bytes per parameter of
// TAPEGRAD_MAX_PARAMETERS (models/io/limits.hpp).
TensorFile read_safetensors(const std::string& path);

// The file's bytes: the header ("__metadata__" first, then the tensors in the order of their
// bytes; padded with spaces to a multiple of 8 bytes, as the reference implementation does), then
// the tensors' bytes. Throws Error for a duplicate or reserved ("__metadata__") name, or a name
// or metadata string that is not valid UTF-8.
std::string serialize_safetensors(const TensorFile& file);
// Writes the file atomically (models/io/atomic_file.hpp): a failed write keeps the old file.
void write_safetensors(const std::string& path, const TensorFile& file);

// The parameters' values (or gradients) under their names, in the parameters' order.
template <class T>
TensorFile parameters_to_file(const std::vector<std::pair<std::string, Parameter<T>>>& parameters);
template <class T>
TensorFile gradients_to_file(const std::vector<std::pair<std::string, Parameter<T>>>& parameters);

// Whether load_parameters may widen F32 tensors into double parameters (exact). F64 into float
// would round, so it is always refused.
enum class DTypeConversion { kExact, kWidenF32 };

// Assigns each parameter the file's tensor of the same name. Checks first that every parameter
// has a tensor of its shape and element type and that the file has no other tensors; if any
// check fails it throws Error listing every problem (naming the file, each tensor, and expected
// and found shapes or types) and changes no parameter.
template <class T>
void load_parameters(const TensorFile& file,
                     const std::vector<std::pair<std::string, Parameter<T>>>& parameters,
                     DTypeConversion conversion = DTypeConversion::kExact);

}  // namespace tapegrad
