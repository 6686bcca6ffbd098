// libFuzzer target for parse_csv_dataset (models/io/csv_data.hpp): any text must give a Dataset or
// a tapegrad::Error that names the file. The first two bytes choose the inputs and outputs (1 to 8
// each: the byte's value mod 8, 0 meaning 8, so the digits '1' to '8' stand for themselves and a
// corpus file reads "21x1,x2,y\n0,1,1\n"); the rest is the CSV text.
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "graph/errors.hpp"
#include "models/io/csv_data.hpp"

namespace {

using namespace tapegrad;

std::size_t count_from(std::uint8_t byte) {
  const std::size_t count = byte % 8;
  return count == 0 ? 8 : count;
}

bool all_finite(const Tensor<double>& values) {
  for (double value : values.values())
    if (!std::isfinite(value)) return false;
  return true;
}

bool fits_float(const Tensor<double>& values) {
  for (double value : values.values())
    if (std::abs(value) > static_cast<double>(std::numeric_limits<float>::max())) return false;
  return true;
}

// x_as<float> or y_as<float> must refuse exactly the values too large for a float.
template <class Convert>
void check_float_conversion(const Tensor<double>& values, Convert convert) {
  bool converted = true;
  try {
    const Tensor<float> floats = convert();
    TAPEGRAD_FUZZ_CHECK(floats.shape() == values.shape());
    for (float value : floats.values()) TAPEGRAD_FUZZ_CHECK(std::isfinite(value));
  } catch (const Error&) {
    converted = false;
  }
  TAPEGRAD_FUZZ_CHECK(converted == fits_float(values));
}

// The data written back as CSV (shortest round-trip decimals) under neutral column names.
std::string rewritten(const Dataset& data) {
  std::string text;
  for (std::size_t k = 0; k < data.inputs + data.outputs; ++k)
    text += (k == 0 ? "c" : ",c") + std::to_string(k);
  for (std::size_t row = 0; row < data.rows; ++row) {
    text += '\n';
    for (std::size_t k = 0; k < data.inputs + data.outputs; ++k) {
      const double value = k < data.inputs ? data.x[row * data.inputs + k]
                                           : data.y[row * data.outputs + k - data.inputs];
      char number[32];
      const auto [end, error] = std::to_chars(number, number + sizeof number, value);
      TAPEGRAD_FUZZ_CHECK(error == std::errc());
      if (k > 0) text += ',';
      text.append(number, end);
    }
  }
  return text;
}

bool same_bits(const Tensor<double>& a, const Tensor<double>& b) {
  if (!(a.shape() == b.shape())) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::signbit(a[i]) != std::signbit(b[i]) || a[i] != b[i]) return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::size_t inputs = count_from(data[0]), outputs = count_from(data[1]);
  const std::string_view text(reinterpret_cast<const char*>(data + 2), size - 2);
  Dataset dataset;
  try {
    dataset = parse_csv_dataset(text, "fuzz.csv", inputs, outputs);
  } catch (const Error& error) {
    fuzz::check_names_file(error, "fuzz.csv:");
    return 0;  // refused with a message, as a bad file should be
  }

  const std::size_t rows = dataset.rows;
  TAPEGRAD_FUZZ_CHECK(rows >= 1 && dataset.inputs == inputs && dataset.outputs == outputs);
  TAPEGRAD_FUZZ_CHECK(dataset.columns.size() == inputs + outputs);
  for (const std::string& name : dataset.columns)
    TAPEGRAD_FUZZ_CHECK(!name.empty() && name.find_first_of(",\n") == std::string::npos);
  TAPEGRAD_FUZZ_CHECK((dataset.x.shape() == Shape{rows, inputs}));
  TAPEGRAD_FUZZ_CHECK((dataset.y.shape() == Shape{rows, outputs}));
  TAPEGRAD_FUZZ_CHECK(dataset.x.size() == rows * inputs && dataset.y.size() == rows * outputs);
  TAPEGRAD_FUZZ_CHECK(all_finite(dataset.x) && all_finite(dataset.y));
  check_float_conversion(dataset.x, [&] { return dataset.x_as<float>(); });
  check_float_conversion(dataset.y, [&] { return dataset.y_as<float>(); });

  // Outside the try: the values, written back as numbers, must read back bit for bit.
  const Dataset reread = parse_csv_dataset(rewritten(dataset), "rewritten.csv", inputs, outputs);
  TAPEGRAD_FUZZ_CHECK(reread.rows == rows);
  TAPEGRAD_FUZZ_CHECK(same_bits(reread.x, dataset.x) && same_bits(reread.y, dataset.y));
  return 0;
}
