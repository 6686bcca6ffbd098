#include "viewer.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "graph/errors.hpp"
#include "graph/views/dot.hpp"
#include "graph/views/render.hpp"
#include "graph/views/replay.hpp"

namespace tapegrad::tools {

namespace {

// The page's style and script; the data and the frames are put between them.
constexpr std::string_view kHead = R"html(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>)html";

constexpr std::string_view kStyle = R"html(</title>
<style>
  html, body { height: 100%; }
  body { margin: 0; font-family: "DejaVu Sans", sans-serif; font-size: 14px; color: #222;
         display: flex; flex-direction: column; }
  header { padding: 8px 14px; background: #f3f3f3; border-bottom: 1px solid #ccc; }
  header h1 { font-size: 16px; margin: 0 0 6px 0; }
  button { font-size: 14px; padding: 3px 12px; }
  #step { margin-left: 10px; }
  #zoom { margin-left: 16px; }
  main { display: flex; flex: 1; min-height: 0; }
  /* The drawing is zoomed and panned by a transform on its svg; the frame clips it. */
  #frames { flex: 1; position: relative; overflow: hidden; cursor: grab; touch-action: none; }
  #frames.dragging { cursor: grabbing; }
  #frames div.frame { position: absolute; inset: 0; }
  #frames svg { position: absolute; left: 0; top: 0; transform-origin: 0 0; }
  #frames g.node[data-element] { cursor: pointer; }
  #frames g.node.selected > :is(polygon, ellipse, path) { stroke: #c00; stroke-width: 3; }
  aside { width: 25em; padding: 8px 14px; border-left: 1px solid #ccc; overflow-y: auto; }
  aside h2 { font-size: 14px; margin: 6px 0; }
  table { border-collapse: collapse; width: 100%; }
  td, th { padding: 1px 6px; text-align: left; font-variant-numeric: tabular-nums; }
  td.sum { text-align: right; font-family: "DejaVu Sans Mono", monospace; }
  tr.param { cursor: pointer; }
  tr.param:hover { background: #eef; }
  tr.param.changed td.sum { background: #fff0c0; }
  tr.param.selected { outline: 2px solid #c00; }
  /* Long lines wrap rather than run out of the panel. */
  pre#explain { white-space: pre-wrap; overflow-wrap: anywhere; font-size: 12px; background: #fafafa;
                border: 1px solid #ddd; padding: 6px; min-height: 4em; }
</style>
</head>
<body>
<header>
  <h1 id="title"></h1>
  <button id="prev" type="button" title="Previous step (←)">◀ Previous</button>
  <button id="next" type="button" title="Next step (→)">Next ▶</button>
  <span id="zoom">
    <button id="zoom-out" type="button" title="Zoom out (-)">−</button>
    <button id="fit" type="button" title="Fit the drawing to the window (0)">Fit</button>
    <button id="zoom-in" type="button" title="Zoom in (+)">+</button>
  </span>
  <span id="step"></span>
</header>
<main>
<div id="frames">
)html";

constexpr std::string_view kTail = R"html(</div>
<aside>
  <h2 id="sums-heading">Running sums</h2>
  <table><thead><tr><th>parameter element</th><th>sum of contributions</th></tr></thead>
  <tbody id="sums"></tbody></table>
  <h2>Explanation</h2>
  <pre id="explain">Click a parameter element (a blue box, or a row above) to see its chain rule.</pre>
</aside>
</main>
<script>
"use strict";
const data = JSON.parse(document.getElementById("data").textContent);
const frames = Array.from(document.querySelectorAll("div.frame"));
const last = frames.length - 1;
const rows = new Map();  // parameter element name → its row in the panel
let current = 0;
let selected = null;

document.getElementById("title").textContent = data.title;
const body = document.getElementById("sums");
for (const p of data.parameters) {
  const row = document.createElement("tr");
  row.className = "param";
  const name = document.createElement("td");
  name.textContent = data.vertices[p].name;
  const sum = document.createElement("td");
  sum.className = "sum";
  sum.dataset.element = data.vertices[p].name;
  row.append(name, sum);
  row.addEventListener("click", () => select(data.vertices[p].name));
  body.append(row);
  rows.set(data.vertices[p].name, row);
}
for (const frame of frames)
  for (const node of frame.querySelectorAll("g.node")) {
    // Node names: "12" in the boxes layout, "v12" (a unit) or "w12" (a weight) in the network
    // layout (graph/views/network_dot.cpp), for vertex 12.
    const name = /^[vw]?(\d+)$/.exec(node.querySelector("title").textContent);
    const vertex = name ? data.vertices[Number(name[1])] : undefined;
    if (vertex && vertex.kind === "parameter") node.dataset.element = vertex.name;
  }

function format(value) {
  return value === 0 ? "0" : value.toPrecision(6).replace(/(\.\d*?)0+(e|$)/, "$1$2").replace(/\.(e|$)/, "$1");
}

function show(k) {
  current = Math.max(0, Math.min(last, k));
  frames.forEach((frame, i) => { frame.hidden = i !== current; });
  const frame = data.frames[current];
  document.getElementById("step").textContent = frame.caption;
  const prev = document.getElementById("prev"), next = document.getElementById("next");
  prev.disabled = current === 0;
  next.disabled = current === last;
  // Keep keyboard focus on a button that can still be pressed.
  if (document.activeElement === next && next.disabled && !prev.disabled) prev.focus();
  if (document.activeElement === prev && prev.disabled && !next.disabled) next.focus();
  document.getElementById("sums-heading").textContent =
      current === last ? "Gradients: every contribution summed" : "Running sums";
  data.parameters.forEach((p, i) => {
    const value = frame.running[i];
    const row = rows.get(data.vertices[p].name);
    const cell = row.querySelector("td.sum");
    cell.textContent = value === null ? "—" : format(value);
    cell.dataset.value = value === null ? "" : String(value);
    row.classList.toggle("changed", frame.changed.includes(i));
  });
}

function select(name) {
  selected = name;
  document.getElementById("explain").textContent = data.explain[name];
  for (const [n, row] of rows) row.classList.toggle("selected", n === name);
  for (const node of document.querySelectorAll("#frames g.node[data-element]"))
    node.classList.toggle("selected", node.dataset.element === name);
}

document.getElementById("prev").addEventListener("click", () => show(current - 1));
document.getElementById("next").addEventListener("click", () => show(current + 1));
document.addEventListener("keydown", (event) => {
  // Alt+arrows (history) and Ctrl/Meta+Home/End belong to the browser.
  if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey || event.defaultPrevented)
    return;
  const moves = { ArrowRight: current + 1, ArrowLeft: current - 1, Home: 0, End: last };
  if (!(event.key in moves)) return;
  event.preventDefault();
  show(moves[event.key]);
});
document.getElementById("frames").addEventListener("click", (event) => {
  if (event.currentTarget.dataset.dragged) {
    delete event.currentTarget.dataset.dragged;
    return;
  }
  const node = event.target.closest("g.node[data-element]");
  if (node) select(node.dataset.element);
});
// Zoom and pan: one view (scale, then offset in CSS px) for every frame, so that stepping keeps
// the place one looks at. Wheel zooms about the pointer, dragging pans, + and - zoom about the
// centre, 0 fits, Shift+arrows pan.
const area = document.getElementById("frames");
const view = { scale: 1, x: 0, y: 0 };
function draw() {
  for (const svg of area.querySelectorAll("svg"))
    svg.style.transform = `translate(${view.x}px, ${view.y}px) scale(${view.scale})`;
}
function size() {
  const svg = frames[current].querySelector("svg");
  return { width: svg.width.baseVal.value, height: svg.height.baseVal.value };
}
function fit() {
  const { width, height } = size();
  view.scale = Math.min(area.clientWidth / width, area.clientHeight / height);
  view.x = (area.clientWidth - width * view.scale) / 2;
  view.y = (area.clientHeight - height * view.scale) / 2;
  draw();
}
function zoom(factor, cx = area.clientWidth / 2, cy = area.clientHeight / 2) {
  const scale = Math.max(0.05, Math.min(40, view.scale * factor));
  view.x = cx - (cx - view.x) * (scale / view.scale);
  view.y = cy - (cy - view.y) * (scale / view.scale);
  view.scale = scale;
  draw();
}
function pan(dx, dy) { view.x += dx; view.y += dy; draw(); }
area.addEventListener("wheel", (event) => {
  event.preventDefault();
  const box = area.getBoundingClientRect();
  zoom(Math.exp(-event.deltaY * 0.002), event.clientX - box.left, event.clientY - box.top);
}, { passive: false });
let drag = null;
area.addEventListener("pointerdown", (event) => {
  if (event.button !== 0) return;
  delete area.dataset.dragged;
  drag = { x: event.clientX, y: event.clientY, moved: false };
});
window.addEventListener("pointermove", (event) => {
  if (!drag) return;
  const dx = event.clientX - drag.x, dy = event.clientY - drag.y;
  if (!drag.moved && Math.hypot(dx, dy) < 4) return;  // a click, not yet a drag
  drag.moved = true;
  area.classList.add("dragging");
  drag.x = event.clientX;
  drag.y = event.clientY;
  pan(dx, dy);
});
window.addEventListener("pointerup", () => {
  if (drag && drag.moved) area.dataset.dragged = "1";  // the click that ends a drag selects nothing
  drag = null;
  area.classList.remove("dragging");
});
document.getElementById("zoom-in").addEventListener("click", () => zoom(1.25));
document.getElementById("zoom-out").addEventListener("click", () => zoom(0.8));
document.getElementById("fit").addEventListener("click", fit);
document.addEventListener("keydown", (event) => {
  if (event.altKey || event.ctrlKey || event.metaKey || event.defaultPrevented) return;
  const step = 60;
  const pans = { ArrowRight: [-step, 0], ArrowLeft: [step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] };
  if (event.shiftKey && event.key in pans) pan(...pans[event.key]);
  else if (event.key === "+" || event.key === "=") zoom(1.25);
  else if (event.key === "-") zoom(0.8);
  else if (event.key === "0") fit();
  else return;
  event.preventDefault();
});
window.addEventListener("resize", fit);
show(0);
fit();
</script>
</body>
</html>
)html";

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
// made unique in the page by a prefix for the frame.
std::string inline_svg(const std::string& svg, std::size_t frame) {
  const std::size_t start = svg.find("<svg");
  if (start == std::string::npos) throw Error("dot --html: Graphviz returned no <svg> element");
  std::string out;
  const std::string prefix = fmt::format(" id=\"f{}-", frame);
  for (std::size_t i = start; i < svg.size();) {
    const std::size_t id = svg.find(" id=\"", i);
    if (id == std::string::npos) {
      out.append(svg, i, std::string::npos);
      break;
    }
    out.append(svg, i, id - i);
    out += prefix;
    i = id + 5;
  }
  return out;
}

DotFormat titled(DotFormat format, std::string title) {
  format.title = std::move(title);
  return format;
}

// The frames' data (caption, each parameter element's running sum or null, the elements whose
// sums changed), and their SVG drawings into `svgs`: frame 0 is the forward pass, frame k ≥ 1
// backward step k.
nlohmann::json frames_json(const ComputationGraph& graph, const std::vector<ReplayFrame>& replay,
                           const std::vector<GraphVertex>& parameters, const ViewerOptions& viewer,
                           std::vector<std::string>& svgs) {
  const DotFormat format{.layout = viewer.layout, .details = viewer.details};
  ComputationGraph forward = graph;
  for (GraphVertex v : boost::make_iterator_range(boost::vertices(forward)))
    forward[v].grads.clear();
  svgs.push_back(
      render_dot(to_dot(forward, titled(format, "Forward pass: each element's value")), "svg"));
  nlohmann::json frames = nlohmann::json::array();
  frames.push_back({{"caption", fmt::format("Forward pass (0 of {}): press Next or → to run "
                                            "backward one op at a time",
                                            replay.size())},
                    {"running", std::vector<std::nullptr_t>(parameters.size(), nullptr)},
                    {"changed", nlohmann::json::array()}});
  for (std::size_t k = 0; k < replay.size(); ++k) {
    const ReplayFrame& frame = replay[k];
    const std::string caption = fmt::format(
        "Backward step {} of {}: {} ({}) passes its gradient back; each edge sends "
        "derivative × gradient in",
        k + 1, replay.size(), frame.op, frame.tensor);
    svgs.push_back(
        render_dot(to_dot(replay_frame_graph(graph, replay, k), titled(format, caption)), "svg"));
    nlohmann::json running = nlohmann::json::array(), changed = nlohmann::json::array();
    for (std::size_t i = 0; i < parameters.size(); ++i) {
      const GraphVertex v = parameters[i];
      running.push_back(frame.touched[v] ? nlohmann::json(frame.running[v]) : nlohmann::json());
      for (const ReplayContribution& c : frame.contributions)
        if (c.source == v) {
          changed.push_back(i);
          break;
        }
    }
    frames.push_back({{"caption", caption}, {"running", running}, {"changed", changed}});
  }
  return frames;
}

}  // namespace

std::string viewer_html(const ExplainSubject& subject, const ExplainOptions& options,
                        const ViewerOptions& viewer) {
  const ComputationGraph& graph = subject.expanded;
  const std::vector<ReplayFrame> replay = backward_replay(graph);
  const std::size_t n = boost::num_vertices(graph);

  nlohmann::json data;
  data["title"] = fmt::format("Backward pass, step by step: {}", subject.title);
  data["vertices"] = nlohmann::json::array();
  std::vector<GraphVertex> parameters;
  for (GraphVertex v = 0; v < n; ++v) {
    const VertexInfo& info = graph[v];
    const char* kind = info.kind == VertexKind::kParameter ? "parameter"
                       : info.kind == VertexKind::kOp      ? "op"
                                                           : "input";
    data["vertices"].push_back({{"name", info.name}, {"kind", kind}});
    if (info.kind == VertexKind::kParameter) parameters.push_back(v);
  }
  data["parameters"] = parameters;

  std::vector<std::string> svgs;
  data["frames"] = frames_json(graph, replay, parameters, viewer, svgs);

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
  html += kHead;
  html += escape_html(data["title"].get<std::string>());
  html += kStyle;
  for (std::size_t k = 0; k < svgs.size(); ++k) {
    html += fmt::format("<div class=\"frame\" data-frame=\"{}\"{}>\n", k, k == 0 ? "" : " hidden");
    html += inline_svg(svgs[k], k);
    html += "</div>\n";
  }
  html += "<script type=\"application/json\" id=\"data\">";
  html += json;
  html += "</script>\n";
  html += kTail;
  return html;
}

}  // namespace tapegrad::tools
