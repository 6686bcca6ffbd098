// The `tapegrad` command, run as a user runs it: the built program in a child process, its
// output and exit status checked, and the files it writes read back.
#include <fmt/format.h>
#include <sys/wait.h>
#include <catch2/catch.hpp>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <regex>
#include <string>

#include "cli_support.hpp"
#include "graph/views/render.hpp"
#include "ops/catalog.hpp"

namespace file_tools_cli_test {  // the file's own scope: the test programs are unity builds

namespace fs = std::filesystem;
using tapegrad::testing::read_file;
using tapegrad::testing::Run;
using tapegrad::testing::run_tapegrad;
using tapegrad::testing::TempFolder;

TEST_CASE("tapegrad --help and each subcommand's --help describe it", "[tools]") {
  const Run top = run_tapegrad("--help");
  CHECK(top.status == 0);
  for (const char* command : {"demo", "gradcheck", "dot"})
    CHECK_THAT(top.output, Catch::Contains(command));

  CHECK_THAT(run_tapegrad("demo --help").output, Catch::Contains("--out"));
  CHECK_THAT(run_tapegrad("gradcheck --help").output, Catch::Contains("--rtol"));
  CHECK_THAT(run_tapegrad("dot --help").output, Catch::Contains("--highlight"));

  const Run none = run_tapegrad("");
  CHECK(none.status != 0);
  const Run unknown = run_tapegrad("frobnicate");
  CHECK(unknown.status != 0);
}

TEST_CASE("tapegrad demo agrees with both hand-derived formulas and writes the seed graph",
          "[tools][demo]") {
  TempFolder folder;
  const Run run = run_tapegrad("demo --out graphs", folder.path);
  INFO(run.output);
  REQUIRE(run.status == 0);
  // d = 3, H = 4: Δv_0..Δv_4 and Δw_h0..Δw_h3 for h = 1..4.
  CHECK_THAT(run.output, Catch::Contains("AGREE: 21 of 21 updates"));
  CHECK_THAT(run.output, Catch::Contains("Δw_43  = η(y − ŷ) v_4 z_4(1 − z_4) x_3"));
  CHECK_THAT(run.output, Catch::Contains("Δv_4   = η(y − ŷ) z_4"));

  // The loss falls during training.
  std::smatch fell;
  REQUIRE(std::regex_search(run.output, fell,
                            std::regex("mean loss fell from ([0-9.]+) to ([0-9.]+)")));
  CHECK(std::stod(fell[2]) < 0.5 * std::stod(fell[1]));

  const std::string dot = read_file(folder.path / "graphs" / "seed-mlp.dot");
  CHECK(tapegrad::dot_parses(dot));
  CHECK_THAT(dot, Catch::Contains("z(1−z) = "));  // the expanded view's factors
  const std::string svg = read_file(folder.path / "graphs" / "seed-mlp.svg");
  CHECK_THAT(svg, Catch::Contains("<svg"));
  CHECK_THAT(svg, Catch::Contains("layers.0.weight[3,2]"));
}

TEST_CASE("tapegrad demo reports an output folder it cannot create", "[tools][demo]") {
  TempFolder folder;
  { std::ofstream(folder.path / "taken") << "a file, not a folder"; }
  const Run run = run_tapegrad("demo --out taken/graphs", folder.path);
  CHECK(run.status == 2);
  CHECK_THAT(run.output, Catch::Contains("cannot create the output folder 'taken/graphs'"));
}

TEST_CASE("tapegrad gradcheck passes every op and the seed MLP", "[tools][gradcheck]") {
  const Run run = run_tapegrad("gradcheck");
  INFO(run.output);
  CHECK(run.status == 0);
  CHECK_THAT(run.output, Catch::Contains("PASS"));
  CHECK_THAT(run.output, !Catch::Contains("FAIL"));
  for (const auto& c : tapegrad::op_catalog<double>())
    CHECK_THAT(run.output, Catch::Contains(c.op));
  CHECK_THAT(run.output, Catch::Contains("seed MLP"));
  CHECK_THAT(run.output, Catch::Contains("layers.0.weight"));
}

TEST_CASE("tapegrad gradcheck exits 1 and marks rows when tolerances cannot be met",
          "[tools][gradcheck]") {
  // With zero tolerance every finite-difference rounding error is a failure: the command must
  // report it rather than pass.
  const Run run = run_tapegrad("gradcheck --atol 0 --rtol 0");
  CHECK(run.status == 1);
  CHECK_THAT(run.output, Catch::Contains("FAIL"));
  CHECK_THAT(run.output, Catch::Contains("element(s) out of tolerance"));
}

TEST_CASE("tapegrad gradcheck takes --richardson for the catalog too", "[tools][gradcheck]") {
  // The default step is ε^(1/3) ≈ 6.1e-06; with Richardson extrapolation it is ε^(1/5) ≈ 0.00074.
  const Run plain = run_tapegrad("gradcheck");
  const Run richardson = run_tapegrad("gradcheck --richardson");
  INFO(richardson.output);
  CHECK(richardson.status == 0);
  CHECK_THAT(plain.output, Catch::Contains("eps = 6.1e-06"));
  CHECK_THAT(richardson.output, Catch::Contains("eps = 0.00074"));
  CHECK_THAT(richardson.output, !Catch::Contains("FAIL"));
}

TEST_CASE("tapegrad dot writes DOT, SVG and PNG by extension", "[tools][dot]") {
  TempFolder folder;
  REQUIRE(run_tapegrad("dot seed.dot", folder.path).status == 0);
  const std::string dot = read_file(folder.path / "seed.dot");
  CHECK(tapegrad::dot_parses(dot));
  CHECK_THAT(dot, Catch::Contains("∂z/∂a = z(1−z)"));

  REQUIRE(run_tapegrad("dot --expanded seed.svg", folder.path).status == 0);
  CHECK_THAT(read_file(folder.path / "seed.svg"), Catch::Contains("<svg"));

  REQUIRE(run_tapegrad("dot --inputs 2 --hidden 3 seed.png", folder.path).status == 0);
  const std::string png = read_file(folder.path / "seed.png");
  CHECK(png.substr(0, 8) == "\x89PNG\r\n\x1a\n");
}

TEST_CASE("tapegrad dot --highlight colours the paths to one weight element", "[tools][dot]") {
  TempFolder folder;
  const Run plain = run_tapegrad("dot --expanded plain.dot", folder.path);
  const Run marked =
      run_tapegrad("dot --expanded --highlight 'layers.0.weight[1,2]' marked.dot", folder.path);
  INFO(marked.output);
  REQUIRE(plain.status == 0);
  REQUIRE(marked.status == 0);
  const std::string plain_dot = read_file(folder.path / "plain.dot");
  const std::string marked_dot = read_file(folder.path / "marked.dot");
  CHECK(tapegrad::dot_parses(marked_dot));
  CHECK_THAT(marked_dot, Catch::Contains("paths to layers.0.weight[1,2] highlighted"));
  CHECK(marked_dot != plain_dot);
}

TEST_CASE("tapegrad dot rejects an unknown name or extension and writes nothing", "[tools][dot]") {
  TempFolder folder;
  const Run unknown = run_tapegrad("dot --highlight no.such.weight out.dot", folder.path);
  CHECK(unknown.status == 2);
  CHECK_THAT(unknown.output, Catch::Contains("no vertex named 'no.such.weight'"));
  CHECK_FALSE(fs::exists(folder.path / "out.dot"));

  const Run extension = run_tapegrad("dot out.jpeg", folder.path);
  CHECK(extension.status == 2);
  CHECK_THAT(extension.output, Catch::Contains("unknown extension '.jpeg'"));
  CHECK_FALSE(fs::exists(folder.path / "out.jpeg"));

  const Run range = run_tapegrad("dot --hidden 0 out.dot", folder.path);
  CHECK(range.status != 0);
  CHECK_FALSE(fs::exists(folder.path / "out.dot"));
}

TEST_CASE("tapegrad gradcheck --formula compares formulas with autodiff and finite differences",
          "[tools][gradcheck]") {
  const Run run = run_tapegrad("gradcheck --formula --seed 3");
  INFO(run.output);
  CHECK(run.status == 0);
  CHECK_THAT(run.output, Catch::Contains("PASS: all 21 elements agree"));
  CHECK_THAT(run.output, Catch::Contains("w_4,3   layers.0.weight[3,2]"));
  CHECK_THAT(run.output, Catch::Contains("−(y − ŷ) v_4 z_4(1 − z_4) x_3"));
  // With no room for the finite differences' own error, the check must report, not pass.
  const Run strict = run_tapegrad("gradcheck --formula --atol 0 --rtol 0");
  CHECK(strict.status == 1);
  CHECK_THAT(strict.output, Catch::Contains("FAIL:"));
}

TEST_CASE("tapegrad gradcheck --formula with a model's files is refused, not a PASS for the seed",
          "[tools][gradcheck][errors]") {
  // --formula checks the seed network only: it said PASS, exit 0, with the files unread.
  const std::string examples = std::string(TAPEGRAD_SOURCE_DIR) + "/models/examples";
  for (const std::string& files :
       {fmt::format("--model {0}/seed.json --weights w.st --data {0}/seed-train.csv", examples),
        fmt::format("--model {}/seed.json", examples), std::string("--data d.csv")}) {
    const Run run = run_tapegrad("gradcheck --formula " + files);
    INFO(files << "\n" << run.output);
    CHECK(run.status == 2);
    CHECK_THAT(run.output, Catch::Contains("gradcheck: --formula checks the reference "
                                           "derivation's formulas on the seed network; leave out "
                                           "--model, --weights and --data"));
    CHECK_THAT(run.output, !Catch::Contains("PASS"));
  }
}

TEST_CASE("tapegrad dot --replay writes one frame per backward step", "[tools][dot][replay]") {
  TempFolder folder;
  const Run run = run_tapegrad("dot --replay frames graph.svg", folder.path);
  INFO(run.output);
  REQUIRE(run.status == 0);
  CHECK_THAT(run.output, Catch::Contains("Wrote 4 frames"));
  // The seed network's ops: linear, sigmoid, linear, sse_loss; frames go from the loss back.
  for (int k = 1; k <= 4; ++k)
    CHECK(fs::exists(folder.path / "frames" / fmt::format("frame-0{}.svg", k)));
  CHECK_FALSE(fs::exists(folder.path / "frames" / "frame-05.svg"));
  CHECK_THAT(read_file(folder.path / "frames" / "frame-01.svg"),
             Catch::Contains("step 1 of 4, sse_loss"));
  const std::string last = read_file(folder.path / "frames" / "frame-04.svg");
  CHECK_THAT(last, Catch::Contains("step 4 of 4, linear") && Catch::Contains("sum so far"));
  // A folder that cannot be made is bad input.
  tapegrad::testing::write_file(folder.path / "file", "");
  CHECK(run_tapegrad("dot --replay file/frames g.svg", folder.path).status == 2);
}

TEST_CASE("tapegrad dot --replay or --html too big for the element view writes nothing",
          "[tools][dot][replay][errors]") {
  // The graph was written first and the replay failed after it: exit status 2 with the previous
  // drawing replaced.
  TempFolder folder;
  const std::string examples = std::string(TAPEGRAD_SOURCE_DIR) + "/models/examples";
  tapegrad::testing::write_file(folder.path / "wide.json",
                                R"({"inputs": 3, "layers": [{"units": 64, "activation": "tanh"},
                                    {"units": 64, "activation": "tanh"},
                                    {"units": 1, "activation": "identity"}], "loss": "sse"})");
  REQUIRE(run_tapegrad("init --model wide.json --out w.st", folder.path).status == 0);
  tapegrad::testing::write_file(folder.path / "graph.svg", "the previous drawing");
  const Run run = run_tapegrad(
      fmt::format("dot --model wide.json --weights w.st --data {}/seed-train.csv --replay frames "
                  "graph.svg",
                  examples),
      folder.path);
  INFO(run.output);
  CHECK(run.status == 2);
  CHECK_THAT(run.output,
             Catch::Contains("dot --replay: expanded_view: the graph would have more than 2000 "
                             "vertices") &&
                 !Catch::Contains("Wrote"));
  CHECK(read_file(folder.path / "graph.svg") == "the previous drawing");
  CHECK_FALSE(fs::exists(folder.path / "frames"));
  // --html needs the element view too; its message named explain, another command.
  const Run html = run_tapegrad(
      fmt::format("dot --model wide.json --weights w.st --data {}/seed-train.csv --html page.html "
                  "graph.svg",
                  examples),
      folder.path);
  CHECK(html.status == 2);
  CHECK_THAT(html.output,
             Catch::Contains("tapegrad: dot --html: expanded_view: the graph would have more "
                             "than 2000 vertices") &&
                 !Catch::Contains("explain"));
  CHECK(read_file(folder.path / "graph.svg") == "the previous drawing");
  CHECK_FALSE(fs::exists(folder.path / "page.html"));
  // Without --replay the same model is drawn (one vertex per tensor).
  CHECK(run_tapegrad(
            fmt::format("dot --model wide.json --weights w.st --data {}/seed-train.csv graph.svg",
                        examples),
            folder.path)
            .status == 0);
  CHECK(read_file(folder.path / "graph.svg") != "the previous drawing");
}
TEST_CASE("tapegrad dot --collapse layers and --max-values", "[tools][dot]") {
  TempFolder folder;
  REQUIRE(run_tapegrad("dot full.dot", folder.path).status == 0);
  const Run collapsed = run_tapegrad("dot --collapse layers collapsed.dot", folder.path);
  INFO(collapsed.output);
  REQUIRE(collapsed.status == 0);
  auto vertices = [](const std::string& dot) {  // lines "7[label=...": vertices, not edges
    const std::regex vertex(R"(^\d+\[label=)", std::regex::multiline);
    return std::distance(std::sregex_iterator(dot.begin(), dot.end(), vertex),
                         std::sregex_iterator());
  };
  const std::string full = read_file(folder.path / "full.dot");
  const std::string few = read_file(folder.path / "collapsed.dot");
  CHECK(vertices(full) == 10);  // as `tapegrad dot` reports for the seed network
  CHECK(vertices(few) == 5);    // x, layers.0, layers.1, y, E
  CHECK_THAT(few, Catch::Contains("layers.0\\nlinear → sigmoid"));
  REQUIRE(run_tapegrad("dot --max-values 1 one.dot", folder.path).status == 0);
  CHECK_THAT(read_file(folder.path / "one.dot"), Catch::Contains("more]"));
  CHECK(run_tapegrad("dot --collapse neurons x.dot", folder.path).status != 0);
  CHECK(run_tapegrad("dot --collapse layers --expanded x.dot", folder.path).status == 2);
  CHECK_FALSE(fs::exists(folder.path / "x.dot"));
}

}  // namespace file_tools_cli_test
