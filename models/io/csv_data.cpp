#include "csv_data.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <system_error>
#include <type_traits>
#include <utility>

#include "../../graph/errors.hpp"
#include "detail/read_file.hpp"
#include "limits.hpp"

namespace tapegrad {
namespace {

constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

std::string_view trim(std::string_view text) {
  const std::size_t first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

// A field or name as a message shows it: in quotes, control characters escaped, long ones cut.
std::string in_quotes(std::string_view text) {
  constexpr std::size_t kLongest = 40;
  std::size_t shown = std::min(text.size(), kLongest);
  while (shown < text.size() && shown > 0 &&
         (static_cast<unsigned char>(text[shown]) & 0xC0) == 0x80)
    --shown;  // do not split a UTF-8 character
  std::string out = "\"";
  for (char c : text.substr(0, shown)) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\')
      out += {'\\', c};
    else if (byte < 0x20 || byte == 0x7F)
      out += fmt::format("\\x{:02x}", byte);
    else
      out += c;
  }
  if (shown < text.size()) out += "...";
  return out + '"';
}

std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> fields;
  for (;;) {
    const std::size_t comma = line.find(',');
    fields.push_back(line.substr(0, comma));
    if (comma == std::string_view::npos) return fields;
    line.remove_prefix(comma + 1);
  }
}

// The number in a field, or nothing if it is not one (from_chars takes no leading '+').
std::optional<double> to_number(std::string_view field, std::errc& error) {
  if (field.size() > 1 && field[0] == '+' && field[1] != '-' && field[1] != '+')
    field.remove_prefix(1);
  double value = 0;
  const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
  error = ec;
  if (ec != std::errc() || end != field.data() + field.size()) return std::nullopt;
  return value;
}

// The lines of a text without their line ends (\n or \r\n), numbered from 1.
class LineReader {
 public:
  explicit LineReader(std::string_view text) : rest_(text) {}

  bool next(std::string_view& line) {
    if (rest_.empty()) return false;
    const std::size_t end = rest_.find('\n');
    line = rest_.substr(0, end);
    rest_.remove_prefix(end == std::string_view::npos ? rest_.size() : end + 1);
    if (line.ends_with('\r')) line.remove_suffix(1);
    ++number_;
    return true;
  }
  std::size_t number() const { return number_; }

 private:
  std::string_view rest_;
  std::size_t number_ = 0;
};

class CsvReader {
 public:
  CsvReader(std::string_view file, std::size_t inputs, std::size_t outputs)
      : file_(file), inputs_(inputs), outputs_(outputs) {}

  // One line of the file, without its line end, numbered from 1; the first may begin with a
  // UTF-8 byte order mark.
  void take_line(std::string_view line, std::size_t number) {
    if (number == 1) check_encoding(line);
    if (const std::size_t nul = line.find('\0'); nul != std::string_view::npos)
      fail(number, fmt::format("a NUL byte (at character {} of the line); a CSV file is UTF-8 "
                               "text{}",
                               nul + 1, looks_like_utf16(line) ? utf16_hint() : ""));
    if (number == 1 && line.starts_with(kByteOrderMark)) line.remove_prefix(kByteOrderMark.size());
    if (line.find('\r') != std::string_view::npos) fail(number, cr_hint());
    if (trim(line).empty()) {
      if (columns_.empty()) {
        if (first_blank_ == 0) first_blank_ = number;  // blank lines before the header
      } else if (blank_ == 0) {
        blank_ = number;
      }
      return;
    }
    if (columns_.empty()) {
      if (first_blank_ != 0)
        fail(first_blank_, "blank line; expected the header row naming the columns");
      read_header(line);
      return;
    }
    if (blank_ != 0)
      fail(blank_, fmt::format("blank line before more rows (line {}); blank lines are "
                               "allowed only at the end of the file",
                               number));
    read_row(line, number, x_, y_);
    ++rows_;
  }

  Dataset finish() {
    if (columns_.empty())
      throw Error(
          fmt::format("{}: the file is empty; expected a header row naming the columns, "
                      "then one row per example",
                      file_));
    if (rows_ == 0)
      throw Error(
          fmt::format("{}: no examples: the header is the only row; add one row of {} "
                      "numbers per example",
                      file_, columns_.size()));
    Dataset data;
    data.file = std::string(file_);
    data.columns = std::move(columns_);
    data.rows = rows_;
    data.inputs = inputs_;
    data.outputs = outputs_;
    data.x = Tensor<double>(Shape{rows_, inputs_}, std::move(x_));
    data.y = Tensor<double>(Shape{rows_, outputs_}, std::move(y_));
    return data;
  }

  [[noreturn]] void fail_at_line(std::size_t line, std::string_view message) const {
    fail(line, message);
  }

  static std::string cr_hint() {
    return "a carriage return (CR) inside the line: the file's lines seem to end in CR alone "
           "(classic Mac OS); save it with LF or CRLF line ends";
  }

 private:
  // A UTF-16 file has a byte order mark that UTF-8 text never begins with.
  void check_encoding(std::string_view line) const {
    if (line.starts_with("\xFF\xFE") || line.starts_with("\xFE\xFF"))
      throw Error(fmt::format(
          "{}: the file is UTF-16 text (it begins with a UTF-16 byte order mark); save it as "
          "UTF-8",
          file_));
  }

  // UTF-16 without a byte order mark: ASCII characters with a NUL beside each.
  static bool looks_like_utf16(std::string_view line) {
    std::size_t nul_pairs = 0;
    for (std::size_t i = 0; i + 1 < line.size(); i += 2)
      nul_pairs += (line[i] == '\0') != (line[i + 1] == '\0');
    return line.size() >= 4 && nul_pairs * 2 >= line.size() / 2;
  }
  static std::string utf16_hint() { return " (this looks like UTF-16; save the file as UTF-8)"; }

  [[noreturn]] void fail(std::size_t line, std::string_view message) const {
    throw Error(fmt::format("{}:{}: {}", file_, line, message));
  }
  [[noreturn]] void fail(std::size_t line, std::size_t column, std::string_view message) const {
    throw Error(fmt::format("{}:{}: column {} ({}): {}", file_, line, column + 1,
                            in_quotes(columns_[column]), message));
  }

  void read_header(std::string_view line) {
    const std::vector<std::string_view> names = split_fields(line);
    const std::size_t expected = inputs_ + outputs_;
    if (names.size() != expected) {
      std::string hint;
      if (names.size() == 1 && line.find_first_of(";\t") != std::string_view::npos)
        hint = "; fields must be separated by commas, not semicolons or tabs";
      fail(1, fmt::format("the header has {} column{}, expected {}: {} input{} + {} output{}{}",
                          names.size(), names.size() == 1 ? "" : "s", expected, inputs_,
                          inputs_ == 1 ? "" : "s", outputs_, outputs_ == 1 ? "" : "s", hint));
    }
    bool all_numbers = true;
    for (std::size_t k = 0; k < names.size(); ++k) {
      const std::string_view name = trim(names[k]);
      if (name.empty()) fail(1, fmt::format("column {}: empty name; name every column", k + 1));
      std::errc error;
      all_numbers = all_numbers && to_number(name, error).has_value();
      columns_.emplace_back(name);
    }
    // Without this check the first example would be silently taken for the header.
    if (all_numbers)
      fail(1,
           "the first row holds numbers; it must be a header naming the columns, such as "
           "x1,x2,y");
  }

  void read_row(std::string_view line, std::size_t number, std::vector<double>& x,
                std::vector<double>& y) const {
    const std::vector<std::string_view> fields = split_fields(line);
    if (fields.size() != columns_.size())
      fail(number,
           fmt::format("{} field{}, expected {} as in the header ({} input{} + {} output{})",
                       fields.size(), fields.size() == 1 ? "" : "s", columns_.size(), inputs_,
                       inputs_ == 1 ? "" : "s", outputs_, outputs_ == 1 ? "" : "s"));
    for (std::size_t k = 0; k < fields.size(); ++k)
      (k < inputs_ ? x : y).push_back(read_number(fields[k], number, k));
  }

  double read_number(std::string_view raw, std::size_t line, std::size_t column) const {
    const std::string_view field = trim(raw);
    if (field.empty()) fail(line, column, "empty field; every field needs a number");
    std::errc error{};
    const std::optional<double> value = to_number(field, error);
    if (error == std::errc::result_out_of_range)
      fail(line, column,
           fmt::format("{} is out of the range of a double (magnitudes from about 4.9e-324 to "
                       "1.8e308)",
                       in_quotes(field)));
    if (!value)
      fail(line, column,
           fmt::format("{} is not a number{}", in_quotes(field),
                       field.starts_with('"') ? "; write numbers without quotes" : ""));
    if (!std::isfinite(*value))
      fail(line, column,
           fmt::format("{} is not a finite number; the data must hold only "
                       "finite values",
                       in_quotes(field)));
    return *value;
  }

  std::string_view file_;
  std::size_t inputs_;
  std::size_t outputs_;
  std::vector<std::string> columns_;
  std::vector<double> x_, y_;
  std::size_t rows_ = 0;
  std::size_t first_blank_ = 0;  // a blank line before the header
  std::size_t blank_ = 0;        // the first blank line since the last row
};

// The values of x or y (whose first column is the file's `first_column`) in T. Row r of the
// data is line r + 2 of the file: the header is line 1 and rows are never separated.
template <class T>
Tensor<T> converted(const Dataset& data, const Tensor<double>& values, std::size_t first_column) {
  if constexpr (std::is_same_v<T, double>) {
    return values;
  } else {
    const std::size_t width = values.rank() == 2 ? values.shape()[1] : 1;
    std::vector<T> out(values.size());
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (std::abs(values[i]) > static_cast<double>(std::numeric_limits<T>::max())) {
        const std::size_t column = first_column + i % width;
        throw Error(
            fmt::format("{}:{}: column {} ({}): {} is too large for a float model "
                        "(the largest float is about {:g})",
                        data.file, i / width + 2, column + 1,
                        column < data.columns.size() ? in_quotes(data.columns[column]) : "?",
                        values[i], std::numeric_limits<T>::max()));
      }
      out[i] = static_cast<T>(values[i]);
    }
    return Tensor<T>(values.shape(), std::move(out));
  }
}

}  // namespace

template <class T>
Tensor<T> Dataset::x_as() const {
  return converted<T>(*this, x, 0);
}

template <class T>
Tensor<T> Dataset::y_as() const {
  return converted<T>(*this, y, inputs);
}

namespace {

void check_counts(std::string_view file_name, std::size_t inputs, std::size_t outputs) {
  if (inputs == 0 || outputs == 0)
    throw Error(
        fmt::format("parse_csv_dataset: {}: inputs and outputs must be at least 1, got "
                    "{} and {}",
                    file_name, inputs, outputs));
}

// The file's lines handed to `reader` as they arrive, so that a pipe is read like a file and only
// one line is held as text at a time: at most the limit for a line, within the limit for a file.
void read_lines(detail::InputFile& file, CsvReader& reader, const InputLimits& limits) {
  std::string line;  // the part of the current line read so far
  std::size_t number = 0;
  std::uint64_t total = 0;
  const auto check_length = [&] {
    if (line.size() <= limits.csv_line_bytes) return;
    reader.fail_at_line(
        number + 1,
        fmt::format("the line is longer than {}, the limit for a line of a data file; set "
                    "TAPEGRAD_MAX_CSV_LINE_BYTES to raise it{}",
                    format_bytes(limits.csv_line_bytes),
                    line.find('\r') != std::string::npos ? " (" + CsvReader::cr_hint() + ")" : ""));
  };
  const auto end_line = [&] {
    if (line.ends_with('\r')) line.pop_back();
    reader.take_line(line, ++number);
    line.clear();
  };
  char buffer[1 << 16];
  while (const std::size_t got = file.read_some(buffer, sizeof buffer)) {
    total += got;
    if (total > limits.csv_bytes)
      throw Error(
          fmt::format("{}: the file is larger than {}, the limit for a data file; set "
                      "TAPEGRAD_MAX_CSV_BYTES to raise it",
                      file.path(), format_bytes(limits.csv_bytes)));
    std::string_view chunk(buffer, got);
    for (std::size_t newline; (newline = chunk.find('\n')) != std::string_view::npos;) {
      line.append(chunk.substr(0, newline));
      chunk.remove_prefix(newline + 1);
      check_length();
      end_line();
    }
    line.append(chunk);
    // Binary input (/dev/zero) fails at its first NUL, not after a line's worth of it.
    if (chunk.find('\0') != std::string_view::npos) reader.take_line(line, number + 1);
    check_length();
  }
  if (!line.empty()) end_line();
}

}  // namespace

Dataset parse_csv_dataset(std::string_view text, std::string_view file_name, std::size_t inputs,
                          std::size_t outputs) {
  check_counts(file_name, inputs, outputs);
  CsvReader reader(file_name, inputs, outputs);
  LineReader lines(text);
  for (std::string_view line; lines.next(line);) reader.take_line(line, lines.number());
  return reader.finish();
}

Dataset read_csv_dataset(const std::string& path, std::size_t inputs, std::size_t outputs) {
  check_counts(path, inputs, outputs);
  const InputLimits limits = input_limits();
  detail::InputFile file(path);
  CsvReader reader(path, inputs, outputs);
  read_lines(file, reader, limits);
  return reader.finish();
}

template <class T>
TensorDataset<T> to_tensor_dataset(const Dataset& data) {
  return TensorDataset<T>(data.x_as<T>(), data.y_as<T>());
}

template TensorDataset<float> to_tensor_dataset(const Dataset&);
template TensorDataset<double> to_tensor_dataset(const Dataset&);
template Tensor<float> Dataset::x_as<float>() const;
template Tensor<double> Dataset::x_as<double>() const;
template Tensor<float> Dataset::y_as<float>() const;
template Tensor<double> Dataset::y_as<double>() const;

}  // namespace tapegrad
