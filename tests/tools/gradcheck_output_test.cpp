// What `tapegrad gradcheck` prints: the catalog's table with aligned columns and legible worst
// entries, JSON in every mode with indices and shapes as integer arrays, and rows ranked by error
// relative to tolerance, so that exact zeros (dead relus) are not listed as the worst.
#include <catch2/catch.hpp>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli_support.hpp"
#include "tools/weights.hpp"

namespace file_tools_gradcheck_output_test {  // the file's own scope: the test programs are unity
                                              // builds

using namespace tapegrad;
using namespace tapegrad::testing;

namespace {

// Code points before byte `at` of a UTF-8 line: its column on a terminal.
std::size_t column(const std::string& line, std::size_t at) {
  std::size_t points = 0;
  for (std::size_t i = 0; i < at && i < line.size(); ++i)
    points += (static_cast<unsigned char>(line[i]) & 0xC0) != 0x80 ? 1 : 0;
  return points;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool integer_array(const nlohmann::json& value) {
  if (!value.is_array()) return false;
  for (const nlohmann::json& v : value)
    if (!v.is_number_unsigned()) return false;
  return true;
}

}  // namespace

TEST_CASE("gradcheck's catalog table has aligned columns and reads its worst entry as ∂out/∂in",
          "[tools][gradcheck]") {
  const Run run = run_tapegrad("gradcheck");
  INFO(run.output);
  REQUIRE(run.status == 0);
  const std::vector<std::string> lines = lines_of(run.output);
  std::size_t header = 0;
  while (header < lines.size() && lines[header].rfind("op ", 0) != 0) ++header;
  REQUIRE(header < lines.size());
  const std::string& head = lines[header];
  const std::size_t worst = column(head, head.find("worst entry"));
  const std::size_t ratio_end = column(head, head.find("err/tol") + 7);
  std::size_t rows = 0;
  for (std::size_t k = header + 1; k < lines.size() && !lines[k].empty(); ++k, ++rows) {
    const std::string& line = lines[k];
    INFO(line);
    // Every row's worst entry starts under the header's, and the numbers end where it does.
    CHECK(column(line, line.find("∂out")) == worst);
    CHECK(column(line, line.find("  ∂out")) == ratio_end);
  }
  CHECK(rows > 100);
  CHECK_THAT(run.output, Catch::Contains("∂out/∂input0[") && Catch::Contains("∂out[1,0]/∂input") &&
                             !Catch::Contains(" of out["));
}

TEST_CASE("gradcheck --json works in every mode, with indices and shapes as integer arrays",
          "[tools][gradcheck]") {
  for (const char* mode : {"", "--richardson"}) {
    const Run run = run_tapegrad(fmt::format("gradcheck --json {}", mode));
    INFO(mode << "\n" << run.output.substr(0, 400));
    REQUIRE(run.status == 0);
    const nlohmann::json report = nlohmann::json::parse(run.output);
    CHECK(report["passed"] == true);
    CHECK(report["order"] == 1);
    REQUIRE(report["checks"].size() > 100);
    for (const nlohmann::json& check : report["checks"]) {
      CHECK(integer_array(check["input_shape"]));
      CHECK(integer_array(check["output_shape"]));
      CHECK(integer_array(check["worst"]["input_index"]));
      CHECK(check["worst"]["input_index"].size() == check["input_shape"].size());
      CHECK(check["worst"]["output_index"].size() == check["output_shape"].size());
    }
    CHECK(report["checks"][0]["op"] == "matmul");
    CHECK(report["checks"][0]["input_shape"] == nlohmann::json::array({3, 4}));
  }
  const Run formula = run_tapegrad("gradcheck --formula --json");
  INFO(formula.output);
  REQUIRE(formula.status == 0);
  const nlohmann::json rows = nlohmann::json::parse(formula.output);
  CHECK(rows["passed"] == true);
  CHECK(rows["rows"].size() == 4 * 3 + 4 + 4 + 1);
  CHECK(rows["rows"][0].contains("formula_value"));
}

TEST_CASE("gradcheck --order 2 --json on the catalog is JSON too", "[tools][gradcheck][order2]") {
  const Run run = run_tapegrad("gradcheck --order 2 --json");
  INFO(run.output.substr(0, 400));
  REQUIRE(run.status == 0);
  const nlohmann::json report = nlohmann::json::parse(run.output);
  CHECK(report["order"] == 2);
  CHECK(report["checks"].back()["op"] == "seed MLP");
  CHECK(report["checks"].back()["first_order_passed"] == true);
}

TEST_CASE("gradcheck --model lists the largest errors first, not a dead relu's exact zeros",
          "[tools][gradcheck]") {
  TempFolder folder;
  write_file(folder.path / "m.json",
             R"({"inputs": 2, "loss": "sse", "layers": [{"units": 2, "activation": "relu"},
                 {"units": 1, "activation": "identity"}]})");
  write_file(folder.path / "d.csv", "a,b,y\n1,2,0.5\n-0.5,0.25,1\n0.3,-0.7,0.2\n");
  // Unit 0 is dead on every row (its bias −10): ∂E/∂w_0j is exactly 0 by both methods.
  tools::save_weights<double>((folder.path / "w.st").string(),
                              {{"layers.0.weight", Tensor<double>({2, 2}, {0.5, -0.25, 0.3, 0.7})},
                               {"layers.0.bias", Tensor<double>({2}, {-10.0, 0.1})},
                               {"layers.1.weight", Tensor<double>({1, 2}, {1.5, -0.5})},
                               {"layers.1.bias", Tensor<double>({1}, {0.2})}});
  const std::string files = "--model m.json --weights w.st --data d.csv --worst 2";
  const Run table = run_tapegrad(fmt::format("gradcheck {}", files), folder.path);
  INFO(table.output);
  REQUIRE(table.status == 0);
  std::vector<std::string> first_layer;  // the elements listed for layers.0.weight, in order
  for (const std::string& line : lines_of(table.output)) {
    std::istringstream fields(line);
    std::string name, element;
    fields >> name >> element;
    if (name == "layers.0.weight") first_layer.push_back(element);
  }
  std::sort(first_layer.begin(), first_layer.end());
  CHECK(first_layer == std::vector<std::string>{"[1,0]", "[1,1]"});  // the live unit's
  const Run json = run_tapegrad(fmt::format("gradcheck --json {}", files), folder.path);
  const nlohmann::json report = nlohmann::json::parse(json.output);
  const nlohmann::json& weight = report["parameters"][0];
  CHECK(weight["shape"] == nlohmann::json::array({2, 2}));
  REQUIRE(weight["worst"].size() == 2);
  CHECK(weight["worst"][0]["element"][0] == 1);  // a weight of the live unit
  CHECK(weight["worst"][1]["element"][0] == 1);
  CHECK(weight["worst"][0]["error_ratio"].get<double>() >=
        weight["worst"][1]["error_ratio"].get<double>());
}

}  // namespace file_tools_gradcheck_output_test
