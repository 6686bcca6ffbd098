// CSV data sets (models/io/csv_data.hpp): rows into x and y, the line-end and spacing variants a
// file may use, and for each mistake a message naming the file, line, column and reason.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "tapegrad.hpp"

namespace file_files_csv_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad;
using Catch::Matchers::Contains;
using Catch::Matchers::Equals;
using Catch::Matchers::StartsWith;

namespace {

// 3 inputs and 2 outputs.
const std::string kHeader = "x1,x2,x3,y1,y2\n";

Dataset parse(const std::string& text, std::size_t inputs = 3, std::size_t outputs = 2) {
  return parse_csv_dataset(text, "data.csv", inputs, outputs);
}

// The message of the tapegrad::Error that parsing `text` throws.
std::string parse_error(const std::string& text, std::size_t inputs = 3, std::size_t outputs = 2) {
  try {
    parse(text, inputs, outputs);
  } catch (const Error& error) {
    return error.what();
  }
  FAIL("no Error for: " << text);
  return {};
}

std::vector<double> values(const Tensor<double>& tensor) {
  return {tensor.values().begin(), tensor.values().end()};
}

// A folder of its own for the file tests, removed afterwards.
struct TemporaryFolder {
  std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("tapegrad-csv-test-" + std::to_string(::getpid()));
  TemporaryFolder() { std::filesystem::create_directories(path); }
  ~TemporaryFolder() { std::filesystem::remove_all(path); }
};

}  // namespace

TEST_CASE("A CSV's first columns fill x and its last columns fill y row by row", "[files][csv]") {
  const Dataset data = parse(kHeader + "1,2,3,4,5\n6,7,8,9,10\n");
  CHECK(data.file == "data.csv");
  CHECK(data.columns == std::vector<std::string>{"x1", "x2", "x3", "y1", "y2"});
  CHECK(data.rows == 2);
  CHECK(data.inputs == 3);
  CHECK(data.outputs == 2);
  CHECK(data.x.shape() == Shape{2, 3});
  CHECK(data.y.shape() == Shape{2, 2});
  CHECK(values(data.x) == std::vector<double>{1, 2, 3, 6, 7, 8});
  CHECK(values(data.y) == std::vector<double>{4, 5, 9, 10});
}

TEST_CASE("CRLF line ends and a byte order mark are accepted", "[files][csv]") {
  const Dataset data = parse("\xEF\xBB\xBFx1,x2,x3,y1,y2\r\n1,2,3,4,5\r\n6,7,8,9,10\r\n");
  CHECK(data.columns.front() == "x1");  // the mark is not part of the first name
  CHECK(data.columns.back() == "y2");   // nor is the \r part of the last
  CHECK(values(data.y) == std::vector<double>{4, 5, 9, 10});
}

TEST_CASE("Spaces and tabs around fields and names are ignored", "[files][csv]") {
  const Dataset data = parse(" x1 ,x2,\tx3, y1,y2 \n 1 ,\t2,3 , 4,5\t\n");
  CHECK(data.columns == std::vector<std::string>{"x1", "x2", "x3", "y1", "y2"});
  CHECK(values(data.x) == std::vector<double>{1, 2, 3});
}

TEST_CASE("Decimal numbers in their usual forms are read exactly", "[files][csv]") {
  const Dataset data = parse("a,b,c,d,e,f,g\n-1.5,+2,1e3,1E-2,.25,-0,0.1\n", 5, 2);
  CHECK(values(data.x) == std::vector<double>{-1.5, 2, 1000, 0.01, 0.25});
  CHECK(values(data.y) == std::vector<double>{-0.0, 0.1});
}

TEST_CASE("A last row without a line end is read", "[files][csv]") {
  CHECK(parse(kHeader + "1,2,3,4,5\n6,7,8,9,10").rows == 2);
}

TEST_CASE("Blank lines at the end of the file are allowed", "[files][csv]") {
  CHECK(parse(kHeader + "1,2,3,4,5\n\n  \r\n\n").rows == 1);
}

TEST_CASE("A field that is not a number names the line and column and its header",
          "[files][csv][errors]") {
  std::string text = kHeader;
  for (int row = 0; row < 5; ++row) text += "1,2,3,4,5\n";
  text += "1,2,abc,4,5\n";  // line 7
  CHECK_THAT(parse_error(text), Equals(R"(data.csv:7: column 3 ("x3"): "abc" is not a number)"));
}

TEST_CASE("Trailing characters after a number are rejected", "[files][csv][errors]") {
  for (const std::string field : {"1.5x", "1e", "0x10", "1 2", "--1", "+-1", "+", "1,5"}) {
    CAPTURE(field);
    const std::string message = parse_error("x,y\n" + field + ",0\n", 1, 1);
    CHECK_THAT(message, StartsWith("data.csv:2: "));
    if (field != "1,5")  // a decimal comma splits the field: the count is wrong instead
      CHECK_THAT(message,
                 Equals("data.csv:2: column 1 (\"x\"): \"" + field + "\" is not a number"));
  }
}

TEST_CASE("An empty field is rejected with its line and column", "[files][csv][errors]") {
  CHECK_THAT(parse_error(kHeader + "1,2,3,4,5\n1,2,3,  ,5\n"),
             Equals(R"(data.csv:3: column 4 ("y1"): empty field; every field needs a number)"));
  CHECK_THAT(parse_error(kHeader + "1,2,3,4,\n"),
             StartsWith(R"(data.csv:2: column 5 ("y2"): empty)"));
}

TEST_CASE("Values that are not finite are rejected with their line and column",
          "[files][csv][errors]") {
  for (const std::string field : {"nan", "NaN", "-nan", "inf", "-inf", "Infinity"}) {
    CAPTURE(field);
    CHECK_THAT(parse_error("x,y\n0,0\n0," + field + "\n", 1, 1),
               Equals("data.csv:3: column 2 (\"y\"): \"" + field +
                      "\" is not a finite number; the data must hold only finite values"));
  }
}

TEST_CASE("A number out of the range of a double is rejected", "[files][csv][errors]") {
  CHECK_THAT(parse_error("x,y\n1e400,0\n", 1, 1),
             StartsWith(R"(data.csv:2: column 1 ("x"): "1e400" is out of the range of a double)"));
}

TEST_CASE("Quoted numbers are rejected with a hint", "[files][csv][errors]") {
  CHECK_THAT(parse_error("x,y\n\"1\",0\n", 1, 1),
             Equals(R"(data.csv:2: column 1 ("x"): "\"1\"" is not a number; )"
                    R"(write numbers without quotes)"));
}

TEST_CASE("Control characters in a bad field are escaped in the message", "[files][csv][errors]") {
  CHECK_THAT(parse_error(std::string("x,y\n1\x01\x1f"
                                     "2,0\n"),
                         1, 1),
             Contains(R"("1\x01\x1f2" is not a number)"));
}

TEST_CASE("A blank line between rows is rejected at its line", "[files][csv][errors]") {
  CHECK_THAT(parse_error(kHeader + "1,2,3,4,5\n\n\n6,7,8,9,10\n"),
             Equals("data.csv:3: blank line before more rows (line 5); blank lines are allowed "
                    "only at the end of the file"));
  CHECK_THAT(parse_error(kHeader + "\r\n1,2,3,4,5\n"), StartsWith("data.csv:2: blank line"));
  CHECK_THAT(parse_error("\n" + kHeader + "1,2,3,4,5\n"),
             Equals("data.csv:1: blank line; expected the header row naming the columns"));
}

TEST_CASE("A header with the wrong number of columns names both counts", "[files][csv][errors]") {
  CHECK_THAT(parse_error("x1,x2,y\n1,2,3\n"),
             Equals("data.csv:1: the header has 3 columns, expected 5: 3 inputs + 2 outputs"));
  CHECK_THAT(parse_error("x1,x2,x3,y,z,w\n1,2,3,4,5,6\n", 1, 1),
             Equals("data.csv:1: the header has 6 columns, expected 2: 1 input + 1 output"));
}

TEST_CASE("A file separated by semicolons gets a hint", "[files][csv][errors]") {
  CHECK_THAT(parse_error("x1;x2;x3;y1;y2\n1;2;3;4;5\n"),
             Contains("the header has 1 column, expected 5") &&
                 Contains("separated by commas, not semicolons or tabs"));
}

TEST_CASE("A row with the wrong number of fields names its line and both counts",
          "[files][csv][errors]") {
  CHECK_THAT(parse_error(kHeader + "1,2,3,4,5\n1,2,3,4\n"),
             Equals("data.csv:3: 4 fields, expected 5 as in the header (3 inputs + 2 outputs)"));
  CHECK_THAT(parse_error(kHeader + "1,2,3,4,5,\n"), StartsWith("data.csv:2: 6 fields, expected 5"));
}

TEST_CASE("A header with no rows is an error saying no examples", "[files][csv][errors]") {
  for (const std::string& text : {kHeader, std::string("x1,x2,x3,y1,y2"), kHeader + "\n\r\n"}) {
    CAPTURE(text);
    CHECK_THAT(parse_error(text), StartsWith("data.csv: no examples: "));
  }
}

TEST_CASE("An empty file is an error", "[files][csv][errors]") {
  for (const std::string text : {"", "\n\n", "\xEF\xBB\xBF", " \r\n"}) {
    CAPTURE(text);
    CHECK_THAT(parse_error(text), StartsWith("data.csv: the file is empty; expected a header row"));
  }
}

TEST_CASE("A first row of numbers is rejected as a missing header", "[files][csv][errors]") {
  CHECK_THAT(parse_error("1,2,3,4,5\n6,7,8,9,10\n"),
             StartsWith("data.csv:1: the first row holds numbers; it must be a header"));
}

TEST_CASE("An empty column name is rejected", "[files][csv][errors]") {
  CHECK_THAT(parse_error("x1,x2, ,y1,y2\n1,2,3,4,5\n"),
             Equals("data.csv:1: column 3: empty name; name every column"));
}

TEST_CASE("inputs or outputs of 0 are rejected", "[files][csv][errors]") {
  CHECK_THAT(parse_error("x,y\n1,2\n", 0, 2), Contains("inputs and outputs must be at least 1"));
  CHECK_THAT(parse_error("x,y\n1,2\n", 2, 0), Contains("inputs and outputs must be at least 1"));
}

TEST_CASE("x_as and y_as give the data in float or double", "[files][csv]") {
  const Dataset data = parse(kHeader + "0.1,2,3,4,5\n");
  const Tensor<float> x = data.x_as<float>();
  CHECK(x.shape() == Shape{1, 3});
  CHECK(x[0] == 0.1f);
  CHECK(data.y_as<float>().shape() == Shape{1, 2});
  CHECK(values(data.x_as<double>()) == values(data.x));
}

TEST_CASE("A value too large for a float model is named by its line and column",
          "[files][csv][errors]") {
  const Dataset data = parse(kHeader + "1,2,3,4,5\n1,2,3,4,1e39\n");
  CHECK_NOTHROW(data.y_as<double>());
  CHECK_NOTHROW(data.x_as<float>());
  CHECK_THROWS_WITH(data.y_as<float>(),
                    StartsWith(R"(data.csv:3: column 5 ("y2"): 1e+39 is too large for a float)"));
}

TEST_CASE("read_csv_dataset reads a file and labels errors with its path", "[files][csv]") {
  TemporaryFolder folder;
  const std::string path = (folder.path / "data.csv").string();
  std::ofstream(path) << "x,y\n1,2\n3,4\n";
  CHECK(values(read_csv_dataset(path, 1, 1).y) == std::vector<double>{2, 4});

  std::ofstream(path) << "x,y\n1,2\n3,four\n";
  CHECK_THROWS_WITH(read_csv_dataset(path, 1, 1),
                    Equals(path + R"(:3: column 2 ("y"): "four" is not a number)"));
}

TEST_CASE("read_csv_dataset names a file it cannot read and the reason", "[files][csv][errors]") {
  TemporaryFolder folder;
  const std::string missing = (folder.path / "missing.csv").string();
  CHECK_THROWS_WITH(read_csv_dataset(missing, 1, 1),
                    Equals("cannot read '" + missing + "': No such file or directory"));
}

TEST_CASE("parse_csv_dataset survives thousands of mutated files", "[files][csv][fuzz]") {
  const std::string valid = "\xEF\xBB\xBFx1, x2,y\r\n1.5,-2e3,0\r\n+.5,7,1e-3\n\n";
  const std::string bytes("0123456789,.-+eE \t\r\n\"a\xff\x00", 25);
  std::size_t parsed = 0, rejected = 0;
  std::vector<std::string> escaped;  // inputs that threw something other than tapegrad::Error
  const auto attempt = [&](const std::string& text) {
    try {
      const Dataset data = parse_csv_dataset(text, "fuzz.csv", 2, 1);
      ++parsed;
      const bool consistent = data.x.shape() == Shape{data.rows, 2} &&
                              data.y.shape() == Shape{data.rows, 1} && data.columns.size() == 3;
      bool finite = true;
      for (double value : data.x.values()) finite = finite && std::isfinite(value);
      for (double value : data.y.values()) finite = finite && std::isfinite(value);
      if (!consistent || !finite) escaped.push_back("bad data set from: " + text);
    } catch (const Error&) {
      ++rejected;
    } catch (const std::exception& error) {
      escaped.push_back(std::string(error.what()) + ": " + text);
    }
  };
  for (std::size_t at = 0; at <= valid.size(); ++at) {
    attempt(valid.substr(0, at));
    if (at == valid.size()) break;
    for (char byte : bytes) {
      std::string replaced = valid, inserted = valid;
      replaced[at] = byte;
      inserted.insert(inserted.begin() + static_cast<std::ptrdiff_t>(at), byte);
      attempt(replaced);
      attempt(inserted);
    }
    attempt(std::string(valid).erase(at, 1));
  }
  std::mt19937 engine(2024);  // the standard fixes mt19937's output: the same inputs everywhere
  for (int trial = 0; trial < 2000; ++trial) {
    std::string text = valid;
    for (int k = 0; k < 3; ++k)
      text[engine() % text.size()] = static_cast<char>(bytes[engine() % bytes.size()]);
    attempt(text);
  }
  INFO(escaped.size() << " escaped; first: " << (escaped.empty() ? "" : escaped.front()));
  CHECK(escaped.empty());
  CHECK(parsed + rejected > 3500);
  CHECK(parsed > 500);
  CHECK(rejected > 1000);
}

}  // namespace file_files_csv_test
