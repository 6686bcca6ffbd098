// The viewer's collapsed view (tools/viewer_collapsed.hpp) and the view a page opens in
// (tools/viewer.hpp): a 3-8-6-1 network's page opens collapsed, the seed network's expanded, and
// both views draw one frame per step. tests/browser measures the labels in Chromium.
#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "cli_support.hpp"
#include "graph/views/replay.hpp"
#include "tools/explain.hpp"
#include "tools/viewer.hpp"
#include "tools/viewer_collapsed.hpp"
#include "viewer_support.hpp"

namespace file_tools_viewer_collapsed_test {  // the file's own scope: unity builds

using namespace tapegrad;
using namespace tapegrad::tools;
using tapegrad::testing::run_tapegrad;

using tapegrad::testing::page_data;

namespace {

// The frames of one view, in order, each checked to be the drawing of its step.
std::vector<std::string> frames_of(const std::string& html, std::string_view view) {
  std::vector<std::string> frames;
  const std::string open = fmt::format("<div class=\"frame\" data-view=\"{}\" data-frame=\"", view);
  for (std::size_t at = html.find(open); at != std::string::npos; at = html.find(open, at + 1)) {
    CHECK(std::stoul(html.substr(at + open.size())) == frames.size());
    frames.push_back(html.substr(at, html.find("</div>", at) - at));
  }
  return frames;
}

// A 3-8-6-1 sigmoid network's page, written by `tapegrad dot --html` with `extra` flags.
std::string page_3861(const tapegrad::testing::TempFolder& folder, const std::string& extra = "") {
  tapegrad::testing::write_file(
      folder.path / "m.json",
      R"({"name": "3-8-6-1", "inputs": 3, "loss": "sse", "seed": 3, "layers": [
          {"units": 8, "activation": "sigmoid"}, {"units": 6, "activation": "sigmoid"},
          {"units": 1, "activation": "identity"}]})");
  tapegrad::testing::write_file(folder.path / "d.csv", "x1,x2,x3,y\n0.62,-0.35,0.81,0.4\n");
  REQUIRE(run_tapegrad("init --model m.json --dtype F64 --out w.safetensors", folder.path).status ==
          0);
  const auto run = run_tapegrad(
      "dot --model m.json --weights w.safetensors --data d.csv --html v.html g.svg " + extra,
      folder.path);
  INFO(run.output);
  REQUIRE(run.status == 0);
  return tapegrad::testing::read_file(folder.path / "v.html");
}

}  // namespace

TEST_CASE("viewer: a 3-8-6-1 network's page opens collapsed, a frame per step in both views",
          "[tools][viewer]") {
  tapegrad::testing::TempFolder folder;
  const std::string html = page_3861(folder);
  const nlohmann::json data = page_data(html);
  CHECK(data["vertices"].size() == 127);
  REQUIRE(data["frames"].size() == 7);  // the forward pass; 3 linear, 2 sigmoid, sse_loss
  CHECK(data["view"] == "collapsed");
  CHECK(data["label_px"]["expanded"].get<double>() < kAutoCollapseBelowPx);
  CHECK(data["label_px"]["collapsed"].get<double>() >= kLegibleLabelPx);

  const auto expanded = frames_of(html, "expanded"), collapsed = frames_of(html, "collapsed");
  CHECK(expanded.size() == 7);
  REQUIRE(collapsed.size() == 7);
  // The page shows the collapsed forward pass first; every other frame is hidden.
  CHECK(collapsed[0].find(" hidden>") == std::string::npos);
  CHECK(expanded[0].find(" hidden>") != std::string::npos);
  for (std::size_t k = 1; k < 7; ++k) CHECK(collapsed[k].find(" hidden>") != std::string::npos);

  // One vertex per tensor: x, 3 × (weight, bias, linear), 2 sigmoids, y, E; its elements
  // partition the expanded view's vertices.
  REQUIRE(data["tensors"].size() == 14);
  std::set<std::size_t> elements;
  for (const auto& tensor : data["tensors"])
    for (const auto& v : tensor["elements"]) CHECK(elements.insert(v.get<std::size_t>()).second);
  CHECK(elements.size() == 127);
  const std::regex node(R"(<title>t(\d+)</title>)");
  for (const std::string& frame : collapsed)
    CHECK(std::distance(std::sregex_iterator(frame.begin(), frame.end(), node),
                        std::sregex_iterator()) == 14);
  // Each backward step's caption names its op; the last frame's sums are the gradients.
  CHECK(
      data["frames"][1]["caption"].get<std::string>().starts_with("Backward step 1 of 6: "
                                                                  "sse_loss"));
  CHECK(collapsed[6].find("Backward step 6 of 6: linear (a1)") != std::string::npos);

  SECTION("--view expanded opens it expanded") {
    const nlohmann::json forced = page_data(page_3861(folder, "--view expanded"));
    CHECK(forced["view"] == "expanded");
  }
  SECTION("--view is strict and needs --html") {
    auto run = run_tapegrad("dot --view sideways --html v.html g.svg", folder.path);
    CHECK(run.status != 0);
    CHECK(run.output.find("--view") != std::string::npos);
    run = run_tapegrad("dot --view collapsed g.svg", folder.path);
    CHECK(run.status == 2);
    CHECK(run.output.find("--view chooses the view the --html page opens in") != std::string::npos);
  }
}

TEST_CASE("viewer: a wider seed network whose expanded labels would be under 12 px opens collapsed",
          "[tools][viewer]") {
  // 3-5-1 and 4-4-1 measure 10.5 to 11 px expanded: legible in the collapsed view instead.
  for (const auto& [inputs, hidden] : {std::pair{3, 5}, std::pair{4, 4}}) {
    INFO(inputs << " inputs, " << hidden << " hidden units");
    const nlohmann::json data = page_data(viewer_html(seed_subject(inputs, hidden, 1)));
    CHECK(data["label_px"]["expanded"].get<double>() < kLegibleLabelPx);
    CHECK(data["view"] == "collapsed");
    CHECK(data["label_px"]["collapsed"].get<double>() >= kLegibleLabelPx);
  }
}

TEST_CASE("viewer: the seed network's page opens expanded", "[tools][viewer]") {
  for (const auto& [inputs, hidden] : {std::pair{3, 4}, std::pair{2, 3}}) {
    INFO(inputs << " inputs, " << hidden << " hidden units");
    const ExplainSubject subject = seed_subject(inputs, hidden, 1);
    const std::string html = viewer_html(subject);
    const nlohmann::json data = page_data(html);
    CHECK(data["view"] == "expanded");
    CHECK(data["label_px"]["expanded"].get<double>() >= kAutoCollapseBelowPx);
    const auto expanded = frames_of(html, "expanded");
    CHECK(expanded.size() == data["frames"].size());
    CHECK(frames_of(html, "collapsed").size() == data["frames"].size());
    CHECK(expanded[0].find(" hidden>") == std::string::npos);
    CHECK(page_data(viewer_html(subject, {}, {.view = ViewerView::kCollapsed}))["view"] ==
          "collapsed");
  }
}

TEST_CASE("viewer: the collapsed view's tensors, links and replayed edges", "[tools][viewer]") {
  ExplainSubject subject = seed_subject(3, 4, 1);
  name_by_derivation(subject);
  const CollapsedView view = collapse_elements(subject.expanded);
  std::vector<std::string> names;
  for (const CollapsedTensor& tensor : view.tensors) names.push_back(tensor.name);
  CHECK(names == std::vector<std::string>{"x", "W", "w_0", "a", "z", "v", "v_0", "ŷ", "y", "E"});
  CHECK(view.links.size() == 9);  // x, W, w_0 → a → z; z, v, v_0 → ŷ; ŷ, y → E

  // In each step exactly the replayed op's input edges are highlighted (penwidth=3), each
  // labelled with what it sends.
  const std::vector<ReplayFrame> replay = backward_replay(subject.expanded);
  REQUIRE(replay.size() == 4);
  const std::regex highlighted(
      R"re(t(\d+) -> t(\d+) \[label="[^"]*", color="#ff6600".*penwidth=3)re");
  for (std::size_t k = 0; k < replay.size(); ++k) {
    INFO("step " << k + 1);
    const std::string dot = collapsed_dot(view, subject.expanded, replay, k, "step");
    const std::size_t op = view.tensor_of[replay[k].outputs.front()];
    std::set<std::size_t> expected, drawn;
    for (const CollapsedLink& link : view.links)
      if (link.to == op) expected.insert(link.from);
    for (auto it = std::sregex_iterator(dot.begin(), dot.end(), highlighted);
         it != std::sregex_iterator(); ++it) {
      CHECK(std::stoul((*it)[2]) == op);
      drawn.insert(std::stoul((*it)[1]));
    }
    CHECK(drawn == expected);
  }
  // Step 1, the loss: ŷ → E sends −(y − ŷ) × 1, the gradient of ŷ.
  const std::string first = collapsed_dot(view, subject.expanded, replay, 0, "step");
  const GraphVertex yhat = view.tensors[7].elements.front();
  CHECK(first.find(fmt::format("∂E/∂ŷ\\n× grad in\\n= {:.4g}", subject.expanded[yhat].grads[0])) !=
        std::string::npos);
  CHECK(collapsed_dot(view, subject.expanded, replay, std::nullopt, "forward").find("#ff6600") ==
        std::string::npos);
  CHECK_THROWS(collapsed_dot(view, subject.expanded, replay, 4, "no such step"));
}

TEST_CASE("viewer: summaries and the fitted label size", "[tools][viewer]") {
  CHECK(summarise({0.5}) == "0.5");
  CHECK(summarise({0.5, -0.25}) == "[0.5, -0.25]");
  CHECK(summarise({0.5, -0.25, 2, 0.125}) == "∈ [-0.25, 2]");
  // A drawing as wide as the area in px (4/3 of its width in pt) is shown at 3/4 scale: a
  // 9-unit font, 12 px at scale 1, is 9 px.
  const std::string svg =
      fmt::format(R"(<svg width="{}pt" height="100pt"><text font-size="14.00">a</text>)"
                  R"(<text font-size="9.00">b</text></svg>)",
                  kDrawingArea.width);
  CHECK(fitted_label_px(svg) == Approx(9));
  CHECK_THROWS(fitted_label_px("<p>not a drawing</p>"));
}

}  // namespace file_tools_viewer_collapsed_test
