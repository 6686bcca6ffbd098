// Reading safetensors files (models/io/safetensors.hpp): every size in the header is checked
// against the format's rules and the file's length before a byte of data is touched.
#include "safetensors.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <span>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "../../graph/errors.hpp"
#include "detail/read_file.hpp"
#include "detail/safetensors_support.hpp"
#include "detail/unique_json.hpp"
#include "limits.hpp"

namespace tapegrad {
namespace {

using detail::kMetadataKey;
using detail::quote_name;
using nlohmann::json;

// The reference implementation refuses larger headers; so do we, before allocating anything.
constexpr std::uint64_t kMaxHeaderBytes = 100'000'000;
// Header, entry, shape: anything nested deeper is not a safetensors header.
constexpr std::size_t kDeepestNesting = 3;

std::uint64_t read_length(std::string_view bytes) {
  std::uint64_t length;
  std::memcpy(&length, bytes.data(), sizeof length);
  return detail::to_little_endian(length);
}

// ---- Text for messages ------------------------------------------------------------------------

// A JSON value as messages show it: scalars and short arrays as written, cut short.
std::string describe_value(const json& value) {
  if (value.is_object()) return value.empty() ? "an empty object" : "an object";
  if (value.is_array() && value.empty()) return "an empty array";
  if (value.is_array() && value.size() > 4) return fmt::format("an array of {}", value.size());
  const std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  constexpr std::size_t kLongest = 40;
  if (text.size() <= kLongest) return text;
  std::size_t cut = kLongest;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // UTF-8
  return text.substr(0, cut) + "...";
}

// "1 byte", "12 bytes".
std::string byte_count(std::uint64_t count) {
  return fmt::format("{} byte{}", count, count == 1 ? "" : "s");
}

std::string dims_text(std::span<const std::uint64_t> dims) {
  constexpr std::size_t kShown = Shape::kMaxRank + 1;
  if (dims.size() <= kShown) return fmt::format("[{}]", fmt::join(dims, ","));
  return fmt::format("[{},...] ({} dimensions)", fmt::join(dims.first(kShown), ","), dims.size());
}

// ---- The header's JSON --------------------------------------------------------------------------

// nlohmann keeps the last of two equal keys; the format forbids them. Nesting deeper than
// header, entry, shape is refused before it costs anything.
std::string header_shape_error(std::string_view file, const detail::JsonShapeError& error) {
  const std::vector<std::string>& path = error.path;
  const std::string where = path.size() < 2 ? ""
                            : path[0] == kMetadataKey
                                ? "__metadata__: "
                                : fmt::format("tensor {}: ", quote_name(path[0]));
  if (error.kind == detail::JsonShapeError::Kind::kTooDeep)
    return fmt::format("{}: {}a value nests deeper than a safetensors header allows", file, where);
  if (path.size() == 1)
    return fmt::format("{}: {} appears twice in the header; names must be unique", file,
                       path[0] == kMetadataKey ? "__metadata__" : "tensor " + quote_name(path[0]));
  return fmt::format("{}: {}key {} appears twice", file, where, quote_name(path.back()));
}

// What nlohmann said, without its "[json.exception.parse_error.101] parse error at ...: " prefix.
std::string_view header_parser_reason(std::string_view what) {
  for (std::string_view prefix : {"] ", ": "}) {
    const std::size_t end = what.find(prefix);
    if (end != std::string_view::npos) what.remove_prefix(end + prefix.size());
  }
  return what;
}

json parse_header(std::string_view header, std::string_view file) {
  if (header.empty() || header.front() != '{')
    throw Error(fmt::format(
        "{}: the header is not a JSON object: it must begin with '{{', but {}", file,
        header.empty() ? "it is empty"
                       : fmt::format("begins with {}", quote_name(header.substr(0, 1)))));
  // nlohmann's lexer takes a NUL between tokens for the end of input and ignores what follows.
  if (const std::size_t nul = header.find('\0'); nul != std::string_view::npos)
    throw Error(fmt::format("{}: the header is not valid JSON: a NUL byte at byte {} of the header",
                            file, nul));
  try {
    return detail::parse_unique_json(header, kDeepestNesting);
  } catch (const detail::JsonShapeError& error) {
    throw Error(header_shape_error(file, error));
  } catch (const json::parse_error& error) {
    throw Error(fmt::format("{}: the header is not valid JSON: at byte {} of the header: {}", file,
                            error.byte, header_parser_reason(error.what())));
  } catch (const json::exception& error) {  // a number too large for a double, and the like
    throw Error(fmt::format("{}: the header is not valid JSON: {}", file,
                            header_parser_reason(error.what())));
  }
}

// ---- Checking the header's entries --------------------------------------------------------------

// One tensor's entry, checked: its bytes are data[begin, end).
struct Entry {
  std::string name;
  DType dtype;
  std::vector<std::uint64_t> dims;
  std::uint64_t begin;
  std::uint64_t end;
};

class HeaderReader {
 public:
  HeaderReader(std::string_view file, std::uint64_t data_size)
      : file_(file), data_size_(data_size) {}

  std::map<std::string, std::string> read_metadata(const json& value) const {
    if (!value.is_object())
      fail(fmt::format("__metadata__ must be an object of strings, got {}", describe_value(value)));
    std::map<std::string, std::string> metadata;
    for (const auto& [key, text] : value.items()) {
      if (!text.is_string())
        fail(fmt::format("__metadata__: {} must be a string, got {}", quote_name(key),
                         describe_value(text)));
      metadata.emplace(key, text.get<std::string>());
    }
    return metadata;
  }

  Entry read_entry(const std::string& name, const json& value) const {
    if (!value.is_object())
      fail(name, "expected an object with the keys dtype, shape and data_offsets, got " +
                     describe_value(value));
    for (const auto& item : value.items())
      if (item.key() != "dtype" && item.key() != "shape" && item.key() != "data_offsets")
        fail(name, fmt::format("unknown key {}; an entry has only dtype, shape and data_offsets",
                               quote_name(item.key())));
    for (const char* key : {"dtype", "shape", "data_offsets"})
      if (!value.contains(key)) fail(name, fmt::format("missing key '{}'", key));
    Entry entry{name, read_dtype(name, value["dtype"]), read_shape(name, value["shape"]), 0, 0};
    std::tie(entry.begin, entry.end) = read_offsets(name, value["data_offsets"]);
    check_size(entry);
    return entry;
  }

 private:
  DType read_dtype(const std::string& name, const json& value) const {
    if (!value.is_string())
      fail(name, "dtype must be a string such as \"F32\", got " + describe_value(value));
    const std::string& dtype = value.get_ref<const std::string&>();
    if (dtype == "F32") return DType::kF32;
    if (dtype == "F64") return DType::kF64;
    if (dtype == "I64") return DType::kI64;
    static const std::set<std::string> kOtherDtypes{
        "BOOL", "U8",  "I8",  "F8_E5M2", "F8_E4M3", "I16",     "U16",     "F16", "BF16",
        "I32",  "U32", "U64", "F8_E8M0", "F4",      "F6_E2M3", "F6_E3M2", "C64"};
    fail(name,
         fmt::format("{} dtype {}; tapegrad reads F32, F64 and I64",
                     kOtherDtypes.contains(dtype) ? "unsupported" : "unknown", quote_name(dtype)));
  }

  std::vector<std::uint64_t> read_shape(const std::string& name, const json& value) const {
    if (!value.is_array())
      fail(name, "shape must be an array of non-negative integers, got " + describe_value(value));
    std::vector<std::uint64_t> dims;
    for (const json& dim : value) {
      if (!dim.is_number_unsigned())
        fail(name, fmt::format("shape must be an array of non-negative integers, but it holds {}",
                               describe_value(dim)));
      dims.push_back(dim.get<std::uint64_t>());
    }
    return dims;
  }

  std::pair<std::uint64_t, std::uint64_t> read_offsets(const std::string& name,
                                                       const json& value) const {
    if (!value.is_array() || value.size() != 2 || !value[0].is_number_unsigned() ||
        !value[1].is_number_unsigned())
      fail(name, "data_offsets must be two non-negative integers [begin, end], got " +
                     describe_value(value));
    const std::uint64_t begin = value[0].get<std::uint64_t>(), end = value[1].get<std::uint64_t>();
    if (begin > end)
      fail(name, fmt::format("data_offsets [{}, {}] end before they begin", begin, end));
    return {begin, end};
  }

  // The byte count must match the shape, lie inside the data, and fit a tapegrad Shape.
  void check_size(const Entry& entry) const {
    std::uint64_t needed = detail::element_size(entry.dtype);
    bool overflow = false;  // a product past 2^64 is possible only without a zero dimension
    if (std::find(entry.dims.begin(), entry.dims.end(), 0) != entry.dims.end()) needed = 0;
    for (std::size_t i = 0; needed != 0 && !overflow && i < entry.dims.size(); ++i)
      overflow = __builtin_mul_overflow(needed, entry.dims[i], &needed);
    const std::uint64_t held = entry.end - entry.begin;
    if (overflow || held != needed)
      fail(entry.name,
           fmt::format("data_offsets [{}, {}] hold {} but shape {} of {} needs {}", entry.begin,
                       entry.end, byte_count(held), dims_text(entry.dims), to_string(entry.dtype),
                       overflow ? "more than 2^64" : std::to_string(needed)));
    if (entry.end > data_size_)
      fail(entry.name, fmt::format("data_offsets [{}, {}] reach past the end of the data, which "
                                   "has {} (is the file truncated?)",
                                   entry.begin, entry.end, byte_count(data_size_)));
    if (entry.dims.size() > Shape::kMaxRank)
      fail(entry.name, fmt::format("shape {} has {} dimensions; tapegrad tensors have at most {}",
                                   dims_text(entry.dims), entry.dims.size(), Shape::kMaxRank));
    for (std::uint64_t dim : entry.dims)
      if (dim > std::numeric_limits<std::uint32_t>::max())
        fail(entry.name, fmt::format("shape {} has a dimension of 2^32 or more; tapegrad's "
                                     "dimensions are below 2^32",
                                     dims_text(entry.dims)));
    // A Shape multiplies its dimensions in order: a 0 after large ones still overflows first.
    std::uint64_t elements = 1;
    for (std::uint64_t dim : entry.dims)
      if (__builtin_mul_overflow(elements, dim, &elements))
        fail(entry.name,
             fmt::format("shape {} has no elements, but the dimensions before its 0 "
                         "multiply to 2^64 or more, which tapegrad's shapes cannot hold",
                         dims_text(entry.dims)));
  }

  [[noreturn]] void fail(std::string_view what) const {
    throw Error(fmt::format("{}: {}", file_, what));
  }
  [[noreturn]] void fail(const std::string& name, std::string_view what) const {
    throw Error(fmt::format("{}: tensor {}: {}", file_, quote_name(name), what));
  }

  std::string_view file_;
  std::uint64_t data_size_;
};

// The tensors, sorted by offset, must tile the data exactly: no gap, no overlap, nothing after.
void check_coverage(const std::vector<Entry>& entries, std::uint64_t data_size,
                    std::string_view file) {
  std::uint64_t covered = 0;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const Entry& entry = entries[i];
    if (entry.begin < covered)
      throw Error(fmt::format("{}: tensors {} [{}, {}] and {} [{}, {}] overlap", file,
                              quote_name(entries[i - 1].name), entries[i - 1].begin,
                              entries[i - 1].end, quote_name(entry.name), entry.begin, entry.end));
    if (entry.begin > covered)
      throw Error(
          fmt::format("{}: no tensor covers bytes [{}, {}) of the data (a gap before tensor {})",
                      file, covered, entry.begin, quote_name(entry.name)));
    covered = entry.end;
  }
  if (covered != data_size)
    throw Error(fmt::format("{}: no tensor covers the last {} of the data (from offset {})", file,
                            byte_count(data_size - covered), covered));
}

template <class T>
Tensor<T> decode_tensor(const Entry& entry, std::string_view data) {
  const std::vector<std::size_t> dims(entry.dims.begin(), entry.dims.end());
  Tensor<T> tensor{Shape(std::span<const std::size_t>(dims))};
  detail::decode_little_endian<T>(data.data() + entry.begin, tensor.values());
  return tensor;
}

}  // namespace

std::string_view to_string(DType dtype) {
  switch (dtype) {
    case DType::kF32:
      return "F32";
    case DType::kF64:
      return "F64";
    case DType::kI64:
      return "I64";
  }
  return "unknown";
}

std::string detail::quote_name(std::string_view name) {
  constexpr std::size_t kLongest = 80;
  std::string out = "'";
  std::size_t shown = std::min(name.size(), kLongest);
  while (shown > 0 && shown < name.size() &&
         (static_cast<unsigned char>(name[shown]) & 0xC0) == 0x80)
    --shown;  // do not cut a UTF-8 sequence
  for (char c : name.substr(0, shown)) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F)
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    else
      out += c;
  }
  return out + (shown < name.size() ? "...'" : "'");
}

// ---- TensorFile ---------------------------------------------------------------------------------

const NamedTensor* TensorFile::find(std::string_view name) const {
  const std::optional<std::size_t> position = index_.find(name);
  return position ? &tensors_[*position] : nullptr;
}

void TensorFile::add(NamedTensor tensor) {
  index_.insert(tensor.name, tensors_.size());  // a repeated name keeps the first position
  tensors_.push_back(std::move(tensor));
}

template <class T>
const Tensor<T>& TensorFile::get(std::string_view name) const {
  const NamedTensor* tensor = find(name);
  if (tensor == nullptr)
    throw Error(fmt::format("{}no tensor {} (the file has {})", detail::file_prefix(*this),
                            quote_name(name), tensors_.size()));
  if (tensor->dtype() != dtype_of<T>())
    throw Error(fmt::format("{}tensor {} is {}, not {} ({})", detail::file_prefix(*this),
                            quote_name(name), to_string(tensor->dtype()), to_string(dtype_of<T>()),
                            detail::type_name(dtype_of<T>())));
  return std::get<Tensor<T>>(tensor->value);
}

template const Tensor<float>& TensorFile::get<float>(std::string_view) const;
template const Tensor<double>& TensorFile::get<double>(std::string_view) const;
template const Tensor<std::int64_t>& TensorFile::get<std::int64_t>(std::string_view) const;

// ---- Reading ----------------------------------------------------------------------------------

TensorFile parse_safetensors(std::string_view bytes, std::string_view name_for_errors) {
  const std::string_view file = name_for_errors;
  if (bytes.size() < 8)
    throw Error(fmt::format(
        "{}: {}; a safetensors file begins with an 8-byte header length", file,
        bytes.empty() ? "the file is empty" : "the file has only " + byte_count(bytes.size())));
  const std::uint64_t header_size = read_length(bytes);
  if (header_size > kMaxHeaderBytes)
    throw Error(
        fmt::format("{}: the header length is {}, more than the {} bytes a safetensors "
                    "header may have (is this a safetensors file?)",
                    file, header_size, kMaxHeaderBytes));
  if (header_size > bytes.size() - 8)
    throw Error(
        fmt::format("{}: the header length is {} but only {} follow it (is the file "
                    "truncated?)",
                    file, header_size, byte_count(bytes.size() - 8)));
  const std::string_view data = bytes.substr(8 + header_size);
  const json header = parse_header(bytes.substr(8, header_size), file);

  TensorFile result;
  result.source = std::string(file);
  const HeaderReader reader(file, data.size());
  std::vector<Entry> entries;
  for (const auto& [key, value] : header.items()) {
    if (key == kMetadataKey)
      result.metadata = reader.read_metadata(value);
    else
      entries.push_back(reader.read_entry(key, value));
  }
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return std::pair(a.begin, a.end) < std::pair(b.begin, b.end);
  });
  check_coverage(entries, data.size(), file);

  for (const Entry& entry : entries) {
    if (entry.dtype == DType::kF32)
      result.add(entry.name, decode_tensor<float>(entry, data));
    else if (entry.dtype == DType::kF64)
      result.add(entry.name, decode_tensor<double>(entry, data));
    else
      result.add(entry.name, decode_tensor<std::int64_t>(entry, data));
  }
  return result;
}

namespace {

// The end of the data as the header's entries give it (the largest data_offsets end); entries
// that are malformed are left for parse_safetensors to report.
std::uint64_t data_end_of(const json& header) {
  std::uint64_t end = 0;
  for (const auto& [key, value] : header.items()) {
    if (key == kMetadataKey || !value.is_object()) continue;
    const auto offsets = value.find("data_offsets");
    if (offsets != value.end() && offsets->is_array() && offsets->size() == 2 &&
        (*offsets)[1].is_number_unsigned())
      end = std::max(end, (*offsets)[1].get<std::uint64_t>());
  }
  return end;
}

// A pipe, a device, or a regular file too large to take whole: the length, the header, then as
// many bytes of data as the header's entries cover - never more than the limits allow.
std::string read_streamed(detail::InputFile& file, const InputLimits& limits) {
  std::string bytes;
  if (file.append(bytes, 8) < 8) return bytes;  // parse_safetensors says it is too short
  const std::uint64_t header_size = read_length(bytes);
  if (header_size > kMaxHeaderBytes || file.append(bytes, header_size) < header_size)
    return bytes;  // parse_safetensors names the bad length or the truncated header
  const std::uint64_t end =
      data_end_of(parse_header(std::string_view(bytes).substr(8), file.path()));
  if (end > limits.weights_bytes())
    throw Error(fmt::format(
        "{}: the header gives its tensors {}, more than the {} a weights file may hold (8 bytes "
        "for each of TAPEGRAD_MAX_PARAMETERS = {} parameters); set TAPEGRAD_MAX_PARAMETERS to "
        "raise the limit",
        file.path(), format_bytes(end), format_bytes(limits.weights_bytes()), limits.parameters));
  if (file.append(bytes, end) == end && file.append(bytes, 1) == 1)
    throw Error(fmt::format(
        "{}: more bytes follow the {} of data the header's tensors cover; no tensor covers them",
        file.path(), byte_count(end)));
  return bytes;
}

}  // namespace

TensorFile read_safetensors(const std::string& path) {
  const InputLimits limits = input_limits();
  detail::InputFile file(path);
  std::uint64_t largest = limits.weights_bytes();
  if (__builtin_add_overflow(largest, 8 + kMaxHeaderBytes, &largest))
    largest = std::numeric_limits<std::uint64_t>::max();
  std::string bytes;
  if (file.has_size() && file.size() <= largest)
    file.append(bytes, file.size());
  else
    bytes = read_streamed(file, limits);
  return parse_safetensors(bytes, path);
}

}  // namespace tapegrad
