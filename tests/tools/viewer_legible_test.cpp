// The page `tapegrad dot --html` writes with its defaults (the seed network, d = 3, H = 4) keeps
// its labels legible: fitted to the drawing's area of a 1400×1000 window, every expanded frame's
// smallest label is at least kLegibleLabelPx (12 CSS px), by the page's own estimate
// (fitted_label_px, which tests/browser checks against Chromium), for several seeds and both
// name sets. The numbers' widths vary with the seed: the widest frames are the last ones, where
// every weight's label carries its contribution.
#include <fmt/format.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <vector>

#include "cli_support.hpp"
#include "tools/viewer.hpp"
#include "viewer_support.hpp"

namespace file_tools_viewer_legible_test {  // the file's own scope: unity builds

using namespace tapegrad;
using namespace tapegrad::tools;

using tapegrad::testing::page_data;

namespace {

// The SVG drawings of the page's frames in `view`, in frame order.
std::vector<std::string> frame_svgs(const std::string& html, std::string_view view) {
  std::vector<std::string> svgs;
  const std::string open = fmt::format("<div class=\"frame\" data-view=\"{}\"", view);
  for (std::size_t at = html.find(open); at != std::string::npos; at = html.find(open, at + 1)) {
    const std::size_t begin = html.find("<svg", at), end = html.find("</svg>", at);
    REQUIRE(begin != std::string::npos);
    REQUIRE(end != std::string::npos);
    svgs.push_back(html.substr(begin, end + 6 - begin));
  }
  return svgs;
}

}  // namespace

TEST_CASE("viewer: the default seed page's labels are at least 12 px at fit in every frame",
          "[tools][viewer]") {
  tapegrad::testing::TempFolder folder;
  for (const char* names : {"", " --names derivation"})
    for (const char* seed :
         {"", " --seed 1", " --seed 2", " --seed 3", " --seed 4", " --seed 5", " --seed 40"}) {
      const std::string arguments = fmt::format("dot --html v.html{}{}", names, seed);
      INFO("tapegrad " << arguments);
      const auto run = tapegrad::testing::run_tapegrad(arguments, folder.path);
      INFO(run.output);
      REQUIRE(run.status == 0);
      const std::string html = tapegrad::testing::read_file(folder.path / "v.html");
      const nlohmann::json data = page_data(html);
      CHECK(data["view"] == "expanded");
      const std::vector<std::string> svgs = frame_svgs(html, "expanded");
      REQUIRE(svgs.size() == 5);  // the forward pass; sse_loss, linear, sigmoid, linear
      REQUIRE(svgs.size() == data["frames"].size());
      double smallest = 1e9;
      for (std::size_t k = 0; k < svgs.size(); ++k) {
        INFO("frame " << k);
        const double px = fitted_label_px(svgs[k]);
        CHECK(px >= kLegibleLabelPx);
        smallest = std::min(smallest, px);
      }
      CHECK(data["label_px"]["expanded"].get<double>() == Approx(smallest));
    }
}

}  // namespace file_tools_viewer_legible_test
