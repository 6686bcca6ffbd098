// The HTML viewer's page (tools/viewer.hpp) as text: self-contained, one frame per backward step
// plus the forward pass, running sums that end as the gradients, and every parameter element's
// explanation. tests/browser runs the page in Chromium.
#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <regex>

#include "cli_support.hpp"
#include "graph/views/replay.hpp"
#include "tools/explain.hpp"
#include "tools/viewer.hpp"
#include "viewer_support.hpp"

namespace file_tools_viewer_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad;
using namespace tapegrad::tools;

using tapegrad::testing::page_data;

namespace {

std::size_t count(const std::string& text, std::string_view what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("viewer: one self-contained page, a frame per step, sums that end as the gradients",
          "[tools][viewer]") {
  const ExplainSubject subject = seed_subject(2, 3, 5);
  const std::string html = viewer_html(subject);
  const std::size_t steps = backward_replay(subject.expanded).size();
  REQUIRE(steps == 4);  // linear, sigmoid, linear, sse_loss
  // Both views draw every frame: the forward pass and each backward step.
  CHECK(count(html, "<div class=\"frame\" data-view=\"expanded\"") == steps + 1);
  CHECK(count(html, "<div class=\"frame\" data-view=\"collapsed\"") == steps + 1);
  CHECK(count(html, "<svg") == 2 * (steps + 1));

  // Nothing is fetched: no external scripts, styles, images or links.
  CHECK_FALSE(std::regex_search(html, std::regex(R"((src|href)\s*=)")));
  CHECK(html.find("<link") == std::string::npos);
  CHECK(html.find("url(") == std::string::npos);
  CHECK(html.find("@import") == std::string::npos);
  // The data's JSON cannot end its <script> early; there are exactly two scripts.
  CHECK(count(html, "<script") == 2);
  CHECK(count(html, "</script>") == 2);

  const nlohmann::json data = page_data(html);
  REQUIRE(data["frames"].size() == steps + 1);
  const auto& parameters = data["parameters"];
  REQUIRE(parameters.size() == 2 * 3 + 3 + 3 + 1);
  const auto& last = data["frames"].back()["running"];
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    const GraphVertex v = parameters[i].get<std::size_t>();
    const std::string name = subject.expanded[v].name;
    INFO(name);
    CHECK(data["vertices"][v]["name"] == name);
    CHECK(data["vertices"][v]["kind"] == "parameter");
    CHECK(data["frames"][0]["running"][i].is_null());  // the forward pass: nothing summed yet
    CHECK(last[i].get<double>() ==
          Approx(subject.expanded[v].grads.at(0)).epsilon(1e-12).margin(1e-300));
    const std::string text = data["explain"][name].get<std::string>();
    CHECK(text.starts_with(fmt::format("∂E/∂{} ", name)));
    CHECK(text.find("agree:") != std::string::npos);
  }
  // Sums grow as backward reaches each layer: the output layer's first (step 2 of 4), the
  // hidden layer's at the last step.
  const GraphVertex v0 = parameters.back().get<std::size_t>();  // layers.1.bias[0]
  CHECK(subject.expanded[v0].name == "layers.1.bias[0]");
  CHECK(data["frames"][1]["running"].back().is_null());
  CHECK(!data["frames"][2]["running"].back().is_null());
  CHECK(data["frames"][3]["running"][0].is_null());
  CHECK(!data["frames"][4]["running"][0].is_null());
}

TEST_CASE("tapegrad dot --html writes the viewer, for the seed network and for model files",
          "[tools][viewer]") {
  tapegrad::testing::TempFolder folder;
  auto run =
      tapegrad::testing::run_tapegrad("dot --inputs 2 --hidden 2 --html v.html g.svg", folder.path);
  INFO(run.output);
  REQUIRE(run.status == 0);
  const std::string seed_page = tapegrad::testing::read_file(folder.path / "v.html");
  CHECK(seed_page.starts_with("<!DOCTYPE html>"));
  CHECK(page_data(seed_page)["title"].get<std::string>().find("seed MLP (d = 2, H = 2)") !=
        std::string::npos);

  const std::string examples = std::string(TAPEGRAD_SOURCE_DIR) + "/models/examples";
  REQUIRE(tapegrad::testing::run_tapegrad(
              fmt::format("init --model {}/seed.json --out w.safetensors", examples), folder.path)
              .status == 0);
  run = tapegrad::testing::run_tapegrad(
      fmt::format("dot --model {0}/seed.json --weights w.safetensors --data {0}/seed-val.csv "
                  "--row 2 --html m.html g.svg",
                  examples),
      folder.path);
  INFO(run.output);
  REQUIRE(run.status == 0);
  const nlohmann::json data = page_data(tapegrad::testing::read_file(folder.path / "m.html"));
  CHECK(data["title"].get<std::string>().find("row 2 of") != std::string::npos);

  // A bad row changes nothing: no page is written.
  run = tapegrad::testing::run_tapegrad(
      fmt::format("dot --model {0}/seed.json --weights w.safetensors --data {0}/seed-val.csv "
                  "--row 100000 --html bad.html g2.svg",
                  examples),
      folder.path);
  CHECK(run.status == 2);
  CHECK_FALSE(std::filesystem::exists(folder.path / "bad.html"));
}

TEST_CASE("viewer: a model name with markup cannot break the page", "[tools][viewer]") {
  tapegrad::testing::TempFolder folder;
  const std::string examples = std::string(TAPEGRAD_SOURCE_DIR) + "/models/examples";
  const std::string name = "x <!--<script> y </script> & z";
  tapegrad::testing::write_file(folder.path / "m.json",
                                nlohmann::json{{"name", name},
                                               {"inputs", 3},
                                               {"loss", "sse"},
                                               {"layers",
                                                {{{"units", 2}, {"activation", "sigmoid"}},
                                                 {{"units", 1}, {"activation", "identity"}}}}}
                                    .dump());
  REQUIRE(tapegrad::testing::run_tapegrad("init --model m.json --out w.safetensors", folder.path)
              .status == 0);
  const auto run = tapegrad::testing::run_tapegrad(
      fmt::format("dot --model m.json --weights w.safetensors --data {}/seed-val.csv --html "
                  "v.html g.svg",
                  examples),
      folder.path);
  INFO(run.output);
  REQUIRE(run.status == 0);
  const std::string html = tapegrad::testing::read_file(folder.path / "v.html");
  // The name appears only escaped: in <title> as HTML entities, in the data as JSON escapes.
  CHECK(count(html, "<script") == 2);
  CHECK(count(html, "</script>") == 2);
  CHECK(count(html, "<!--<script") == 0);  // (Graphviz's own SVG comments are fine)
  CHECK(count(html, name) == 0);
  CHECK(page_data(html)["title"].get<std::string>().find(name) != std::string::npos);
}

}  // namespace file_tools_viewer_test
