#include "viewer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <nlohmann/json.hpp>
#include <string_view>
#include <tuple>
#include <vector>

#include "graph/errors.hpp"
#include "graph/views/dot.hpp"
#include "graph/views/render.hpp"
#include "graph/views/replay.hpp"
#include "viewer_collapsed.hpp"
#include "viewer_page.hpp"

namespace tapegrad::tools {

namespace {

std::string escape_html(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// Graphviz's SVG without the XML prolog, doctype and comments before <svg, and with every id
// made unique in the page by a prefix for the view and the frame ("f3-", "c3-").
std::string inline_svg(const std::string& svg, std::string_view prefix) {
  const std::size_t start = svg.find("<svg");
  if (start == std::string::npos) throw Error("dot --html: Graphviz returned no <svg> element");
  std::string out;
  const std::string id_prefix = fmt::format(" id=\"{}", prefix);
  for (std::size_t i = start; i < svg.size();) {
    const std::size_t id = svg.find(" id=\"", i);
    if (id == std::string::npos) {
      out.append(svg, i, std::string::npos);
      break;
    }
    out.append(svg, i, id - i);
    out += id_prefix;
    i = id + 5;
  }
  return out;
}

// The number after `attribute` (` width="`) at or after `from`, or NaN.
double number_after(std::string_view svg, std::string_view attribute, std::size_t& from) {
  from = svg.find(attribute, from);
  if (from == std::string_view::npos) return std::numeric_limits<double>::quiet_NaN();
  from += attribute.size();
  const std::string text(svg.substr(from, 32));
  return std::strtod(text.c_str(), nullptr);
}

DotFormat titled(DotFormat format, std::string title) {
  format.title = std::move(title);
  return format;
}

struct Drawings {
  std::vector<std::string> expanded, collapsed;  // SVG, one per frame
};

// The frames' data (caption; each parameter element's running sum or null; the elements whose
// sums changed; every vertex's sum so far or null), and their SVG drawings in both views: frame
// 0 is the forward pass, frame k ≥ 1 backward step k.
nlohmann::json frames_json(const ComputationGraph& graph, const std::vector<ReplayFrame>& replay,
                           const CollapsedView& collapsed,
                           const std::vector<GraphVertex>& parameters, const ViewerOptions& viewer,
                           Drawings& drawings) {
  const DotFormat format{.layout = viewer.layout, .details = viewer.details};
  ComputationGraph forward = graph;
  for (GraphVertex v : boost::make_iterator_range(boost::vertices(forward)))
    forward[v].grads.clear();
  const std::string forward_title = "Forward pass: each element's value";
  drawings.expanded.push_back(render_dot(to_dot(forward, titled(format, forward_title)), "svg"));
  drawings.collapsed.push_back(render_dot(
      collapsed_dot(collapsed, graph, replay, std::nullopt, "Forward pass: each tensor's values"),
      "svg"));
  const std::size_t n = boost::num_vertices(graph);
  nlohmann::json frames = nlohmann::json::array();
  frames.push_back({{"caption", fmt::format("Forward pass (0 of {}): press Next or → to run "
                                            "backward one op at a time",
                                            replay.size())},
                    {"running", std::vector<std::nullptr_t>(parameters.size(), nullptr)},
                    {"changed", nlohmann::json::array()},
                    {"sums", std::vector<std::nullptr_t>(n, nullptr)}});
  for (std::size_t k = 0; k < replay.size(); ++k) {
    const ReplayFrame& frame = replay[k];
    const std::string caption = fmt::format(
        "Backward step {} of {}: {} ({}) passes its gradient back; each edge sends "
        "derivative × gradient in",
        k + 1, replay.size(), frame.op, frame.tensor);
    drawings.expanded.push_back(
        render_dot(to_dot(replay_frame_graph(graph, replay, k), titled(format, caption)), "svg"));
    drawings.collapsed.push_back(
        render_dot(collapsed_dot(collapsed, graph, replay, k,
                                 fmt::format("Backward step {} of {}: {} ({})", k + 1,
                                             replay.size(), frame.op, frame.tensor)),
                   "svg"));
    nlohmann::json running = nlohmann::json::array(), changed = nlohmann::json::array(),
                   sums = nlohmann::json::array();
    for (std::size_t i = 0; i < parameters.size(); ++i) {
      const GraphVertex v = parameters[i];
      running.push_back(frame.touched[v] ? nlohmann::json(frame.running[v]) : nlohmann::json());
      for (const ReplayContribution& c : frame.contributions)
        if (c.source == v) {
          changed.push_back(i);
          break;
        }
    }
    for (GraphVertex v = 0; v < n; ++v)
      sums.push_back(frame.touched[v] ? nlohmann::json(frame.running[v]) : nlohmann::json());
    frames.push_back(
        {{"caption", caption}, {"running", running}, {"changed", changed}, {"sums", sums}});
  }
  return frames;
}

// The smallest fitted label over a view's drawings.
double smallest_label(const std::vector<std::string>& svgs) {
  double smallest = std::numeric_limits<double>::infinity();
  for (const std::string& svg : svgs) smallest = std::min(smallest, fitted_label_px(svg));
  return smallest;
}

}  // namespace

double fitted_label_px(std::string_view svg) {
  std::size_t at = svg.find("<svg");
  if (at == std::string_view::npos) throw Error("dot --html: Graphviz returned no <svg> element");
  std::size_t height_at = at;
  // Graphviz gives the size in points (pt) and draws in points: one unit is 4/3 CSS px.
  const double width = number_after(svg, " width=\"", at) * 4 / 3,
               height = number_after(svg, " height=\"", height_at) * 4 / 3;
  if (!(width > 0 && height > 0))
    throw Error("dot --html: Graphviz's <svg> element has no width and height");
  const double scale = std::min(kDrawingArea.width / width, kDrawingArea.height / height);
  double font = std::numeric_limits<double>::infinity();
  for (std::size_t from = 0;;) {
    const double size = number_after(svg, "font-size=\"", from);
    if (from == std::string_view::npos) break;
    if (size > 0) font = std::min(font, size);
  }
  return font * 4 / 3 * scale;
}

std::string viewer_html(const ExplainSubject& subject, const ExplainOptions& options,
                        const ViewerOptions& viewer) {
  const ComputationGraph& graph = subject.expanded;
  const std::vector<ReplayFrame> replay = backward_replay(graph);
  const CollapsedView collapsed = collapse_elements(graph);
  const std::size_t n = boost::num_vertices(graph);

  nlohmann::json data;
  data["title"] = fmt::format("Backward pass, step by step: {}", subject.title);
  data["vertices"] = nlohmann::json::array();
  std::vector<GraphVertex> parameters;
  const auto kind_of = [](VertexKind kind) {
    return kind == VertexKind::kParameter ? "parameter" : kind == VertexKind::kOp ? "op" : "input";
  };
  for (GraphVertex v = 0; v < n; ++v) {
    const VertexInfo& info = graph[v];
    data["vertices"].push_back({{"name", info.name},
                                {"kind", kind_of(info.kind)},
                                {"tensor", collapsed.tensor_of[v]},
                                {"value", info.values.at(0)}});
    if (info.kind == VertexKind::kParameter) parameters.push_back(v);
  }
  data["parameters"] = parameters;
  data["tensors"] = nlohmann::json::array();
  for (const CollapsedTensor& tensor : collapsed.tensors)
    data["tensors"].push_back({{"name", tensor.name},
                               {"shape", tensor.shape},
                               {"kind", kind_of(tensor.kind)},
                               {"elements", tensor.elements}});

  Drawings drawings;
  data["frames"] = frames_json(graph, replay, collapsed, parameters, viewer, drawings);
  const double expanded_px = smallest_label(drawings.expanded);
  data["label_px"] = {{"expanded", expanded_px}, {"collapsed", smallest_label(drawings.collapsed)}};
  const bool collapse = viewer.view == ViewerView::kCollapsed ||
                        (viewer.view == ViewerView::kAuto && expanded_px < kAutoCollapseBelowPx);
  data["view"] = collapse ? "collapsed" : "expanded";

  nlohmann::json explanations = nlohmann::json::object();
  for (GraphVertex v : parameters)
    explanations[graph[v].name] = explain(subject, graph[v].name, options).text;
  data["explain"] = std::move(explanations);

  // JSON inside <script>: "</script" would end the element early and "<!--" would change how
  // the browser reads the rest, so no '<', '>' or '&' is written raw: each becomes its JSON
  // escape (backslash, u, four hex digits), the same string to a JSON reader.
  std::string json;
  for (char c : data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)) {
    if (c == '<')
      json += "\\u003c";
    else if (c == '>')
      json += "\\u003e";
    else if (c == '&')
      json += "\\u0026";
    else
      json += c;
  }

  std::string html;
  html += viewer_page::kHead;
  html += escape_html(data["title"].get<std::string>());
  html += viewer_page::kStyle;
  for (const auto& [view, svgs, prefix] : {std::tuple{"expanded", &drawings.expanded, 'f'},
                                           std::tuple{"collapsed", &drawings.collapsed, 'c'}})
    for (std::size_t k = 0; k < svgs->size(); ++k) {
      const bool shown = k == 0 && data["view"] == view;
      html += fmt::format("<div class=\"frame\" data-view=\"{}\" data-frame=\"{}\"{}>\n", view, k,
                          shown ? "" : " hidden");
      html += inline_svg((*svgs)[k], fmt::format("{}{}-", prefix, k));
      html += "</div>\n";
    }
  html += "<script type=\"application/json\" id=\"data\">";
  html += json;
  html += "</script>\n";
  html += viewer_page::kScript;
  return html;
}

}  // namespace tapegrad::tools
