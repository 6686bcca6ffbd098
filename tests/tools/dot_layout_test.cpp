// `tapegrad dot` in its two layouts of the expanded view (network: weights on the edges; boxes:
// every weight a box), with the derivation's names: the picture, --highlight, the backward replay
// and the viewer all work in both, and programmer details appear only with --details.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include "cli_support.hpp"
#include "graph/views/render.hpp"

namespace file_tools_dot_layout_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad::testing;
namespace fs = std::filesystem;

TEST_CASE("dot draws, highlights, replays and views the seed network in both layouts",
          "[tools][dot]") {
  for (const char* layout : {"network", "boxes"}) {
    INFO("--layout " << layout);
    TempFolder folder;
    const Run run = run_tapegrad(
        fmt::format("dot --expanded --layout {} --names derivation --highlight w_23 --replay R "
                    "--html v.html g.dot",
                    layout),
        folder.path);
    INFO(run.output);
    REQUIRE(run.status == 0);
    const std::string dot = read_file(folder.path / "g.dot");
    CHECK(tapegrad::dot_parses(dot));
    CHECK_THAT(dot, Catch::Contains("paths to w_23 highlighted") && Catch::Contains("#ff6600") &&
                        Catch::Contains("x_3 = ") && Catch::Contains("z_2") &&
                        !Catch::Contains("layers.") && !Catch::Contains("saved"));
    for (int k = 1; k <= 4; ++k)
      CHECK(fs::exists(folder.path / "R" / fmt::format("frame-0{}.svg", k)));
    // The last step, the first linear layer, sends each weight its contribution, x_3 × grad.
    const std::string last = read_file(folder.path / "R" / "frame-04.svg");
    CHECK_THAT(last, Catch::Contains("w_23") && Catch::Contains("×"));
    CHECK_THAT(read_file(folder.path / "v.html"),
               Catch::Contains(R"("name":"w_23")") && Catch::Contains("id=\"fit\""));
  }
  // Network layout: the weight is a label on its edge, coloured with the path.
  TempFolder folder;
  REQUIRE(run_tapegrad("dot --expanded --names derivation --highlight w_23 n.dot", folder.path)
              .status == 0);
  const std::string network = read_file(folder.path / "n.dot");
  const std::size_t w23 = network.find("label=\"w_23 = ");
  REQUIRE(w23 != std::string::npos);
  const std::string line = network.substr(w23, network.find('\n', w23) - w23);
  CHECK_THAT(line, Catch::Contains(R"(fontcolor="#ff6600")"));
  CHECK_THAT(network, Catch::Contains("shape=plaintext") && !Catch::Contains("1 = 1"));
}

TEST_CASE("dot shows programmer details only with --details", "[tools][dot]") {
  TempFolder folder;
  REQUIRE(run_tapegrad("dot --expanded plain.dot", folder.path).status == 0);
  REQUIRE(run_tapegrad("dot --expanded --details detailed.dot", folder.path).status == 0);
  const std::string plain = read_file(folder.path / "plain.dot");
  const std::string detailed = read_file(folder.path / "detailed.dot");
  CHECK_THAT(plain, !Catch::Contains("linear → sigmoid") && !Catch::Contains("constant"));
  CHECK_THAT(detailed, Catch::Contains("linear → sigmoid") && Catch::Contains("constant"));
  const Run tensor = run_tapegrad("dot --layout boxes t.dot", folder.path);
  CHECK(tensor.status == 2);
  CHECK_THAT(tensor.output, Catch::Contains("--expanded"));
  CHECK_FALSE(fs::exists(folder.path / "t.dot"));
}

}  // namespace file_tools_dot_layout_test
