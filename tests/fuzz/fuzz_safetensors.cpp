// libFuzzer target for parse_safetensors (models/io/safetensors.hpp): any bytes must give a
// TensorFile or a tapegrad::Error that names the file. A file that loads must hold tensors whose
// values match their shapes and fill the data exactly, and must come back bit for bit once
// written and read again.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "fuzz_check.hpp"
#include "graph/errors.hpp"
#include "models/io/safetensors.hpp"

namespace {

using namespace tapegrad;

std::string_view bytes_of(const NamedTensor& tensor) {
  return std::visit(
      [](const auto& value) {
        return std::string_view(reinterpret_cast<const char*>(value.data()),
                                value.values().size_bytes());
      },
      tensor.value);
}

bool values_match_shape(const NamedTensor& tensor) {
  return std::visit([](const auto& value) { return value.size() == value.shape().size(); },
                    tensor.value);
}

// Same names, element types, shapes, bits and metadata; the order may differ, since the writer
// puts F64 tensors first.
bool same_contents(const TensorFile& a, const TensorFile& b) {
  if (a.tensors().size() != b.tensors().size() || a.metadata != b.metadata) return false;
  for (const NamedTensor& tensor : a.tensors()) {
    const NamedTensor* other = b.find(tensor.name);
    if (other == nullptr || other->dtype() != tensor.dtype() ||
        !(other->shape() == tensor.shape()) || bytes_of(*other) != bytes_of(tensor))
      return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  TensorFile file;
  try {
    file = parse_safetensors(bytes, "fuzz.safetensors");
  } catch (const Error& error) {
    fuzz::check_names_file(error, "fuzz.safetensors: ");
    return 0;  // refused with a message, as a bad file should be
  }

  // The 8-byte header length, the header, then the tensors' bytes and nothing else.
  std::uint64_t header_size = 0;
  for (std::size_t i = 0; i < 8; ++i) header_size |= std::uint64_t{data[i]} << (8 * i);
  std::uint64_t data_size = 0;
  for (const NamedTensor& tensor : file.tensors()) {
    TAPEGRAD_FUZZ_CHECK(values_match_shape(tensor));
    TAPEGRAD_FUZZ_CHECK(tensor.name != "__metadata__");
    data_size += bytes_of(tensor).size();
  }
  TAPEGRAD_FUZZ_CHECK(8 + header_size + data_size == size);

  // Outside the try: the writer must accept whatever the reader gave, and the reader its output.
  const std::string written = serialize_safetensors(file);
  const TensorFile reread = parse_safetensors(written, "rewritten.safetensors");
  TAPEGRAD_FUZZ_CHECK(same_contents(file, reread));
  TAPEGRAD_FUZZ_CHECK(serialize_safetensors(reread) == written);  // the writer's layout is stable
  return 0;
}
