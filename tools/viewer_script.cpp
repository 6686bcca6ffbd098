// The viewer's panel and script (tools/viewer_page.hpp).
#include "viewer_page.hpp"

namespace tapegrad::tools::viewer_page {

extern const std::string_view kScript = R"html(</div>
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
// The drawings of each view, one per frame: frames.expanded[k] and frames.collapsed[k].
const frames = { expanded: [], collapsed: [] };
for (const frame of document.querySelectorAll("div.frame")) frames[frame.dataset.view].push(frame);
const last = data.frames.length - 1;
const rows = new Map();  // parameter element name → its row in the panel
const vertexOf = new Map(data.vertices.map((vertex, v) => [vertex.name, v]));
let current = 0;
let mode = data.view;    // the view shown: "expanded" or "collapsed"
let selected = null;     // { element: name } or { tensor: index }

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
for (const frame of frames.expanded)
  for (const node of frame.querySelectorAll("g.node")) {
    // Node names: "12" in the boxes layout, "v12" (a unit) or "w12" (a weight) in the network
    // layout (graph/views/network_dot.cpp), for vertex 12.
    const name = /^[vw]?(\d+)$/.exec(node.querySelector("title").textContent);
    const vertex = name ? data.vertices[Number(name[1])] : undefined;
    if (vertex && vertex.kind === "parameter") node.dataset.element = vertex.name;
  }
for (const frame of frames.collapsed)
  for (const node of frame.querySelectorAll("g.node")) {
    // "t3" for tensor 3 (tools/viewer_collapsed.hpp).
    const name = /^t(\d+)$/.exec(node.querySelector("title").textContent);
    if (name && Number(name[1]) < data.tensors.length) node.dataset.tensor = name[1];
  }

function format(value) {
  return value === 0 ? "0" : value.toPrecision(6).replace(/(\.\d*?)0+(e|$)/, "$1$2").replace(/\.(e|$)/, "$1");
}

function show(k) {
  current = Math.max(0, Math.min(last, k));
  for (const [name, list] of Object.entries(frames))
    list.forEach((frame, i) => { frame.hidden = name !== mode || i !== current; });
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
  if (selected && selected.tensor !== undefined) describe(selected.tensor);
}

// The views: the button #view and the key V switch between them, keeping the step, and fit the
// drawing to the window.
const toggle = document.getElementById("view");
function setView(name) {
  mode = name;
  document.body.dataset.view = mode;
  toggle.textContent = mode === "collapsed" ? "Expand: a vertex per element"
                                            : "Collapse: a vertex per tensor";
  show(current);
  fit();
}
toggle.addEventListener("click", () => setView(mode === "collapsed" ? "expanded" : "collapsed"));

function mark() {
  const name = selected && selected.element;
  const tensor = selected ? (name !== undefined ? data.vertices[vertexOf.get(name)].tensor
                                                : selected.tensor) : -1;
  const members = new Set(selected && name === undefined
                          ? data.tensors[tensor].elements.map((v) => data.vertices[v].name) : [name]);
  for (const [n, row] of rows) row.classList.toggle("selected", members.has(n));
  for (const node of document.querySelectorAll("#frames g.node[data-element]"))
    node.classList.toggle("selected", node.dataset.element === name);
  for (const node of document.querySelectorAll("#frames g.node[data-tensor]"))
    node.classList.toggle("selected", Number(node.dataset.tensor) === tensor);
}

function select(name) {
  selected = { element: name };
  document.getElementById("explain").textContent = data.explain[name];
  mark();
}

// A tensor of the collapsed view: its elements with their values and the sums of the
// contributions they have received by this step.
function describe(t) {
  const tensor = data.tensors[t], sums = data.frames[current].sums;
  const names = tensor.elements.map((v) => data.vertices[v].name);
  const width = Math.max(...names.map((n) => n.length));
  const lines = [`${tensor.name} ${tensor.shape}: ${tensor.elements.length} element(s)`, "",
                 `${"element".padEnd(width)}  ${"value".padStart(12)}  ${"sum so far".padStart(12)}`];
  tensor.elements.forEach((v, i) => {
    const sum = sums[v] === null ? "—" : format(sums[v]);
    lines.push(`${names[i].padEnd(width)}  ${format(data.vertices[v].value).padStart(12)}  ${sum.padStart(12)}`);
  });
  if (tensor.kind === "parameter")
    lines.push("", "Click an element's row in the panel for its chain rule.");
  document.getElementById("explain").textContent = lines.join("\n");
}

function selectTensor(t) {
  selected = { tensor: t };
  describe(t);
  mark();
  const first = rows.get(data.vertices[data.tensors[t].elements[0]].name);
  if (first) first.scrollIntoView({ block: "nearest" });
}

document.getElementById("prev").addEventListener("click", () => show(current - 1));
document.getElementById("next").addEventListener("click", () => show(current + 1));
document.addEventListener("keydown", (event) => {
  // Alt+arrows (history) and Ctrl/Meta+Home/End belong to the browser.
  if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey || event.defaultPrevented)
    return;
  if (event.key === "v" || event.key === "V") {
    event.preventDefault();
    toggle.click();
    return;
  }
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
  const node = event.target.closest("g.node[data-element], g.node[data-tensor]");
  if (node && node.dataset.element !== undefined) select(node.dataset.element);
  else if (node) selectTensor(Number(node.dataset.tensor));
});
// Zoom and pan: one view (scale, then offset in CSS px) for every frame, so that stepping keeps
// the place one looks at. Wheel zooms about the pointer, dragging pans, + and - zoom about the
// centre, 0 fits, Shift+arrows pan.
const area = document.getElementById("frames");
const camera = { scale: 1, x: 0, y: 0 };
function draw() {
  for (const svg of area.querySelectorAll("svg"))
    svg.style.transform = `translate(${camera.x}px, ${camera.y}px) scale(${camera.scale})`;
}
function size() {
  const svg = frames[mode][current].querySelector("svg");
  return { width: svg.width.baseVal.value, height: svg.height.baseVal.value };
}
function fit() {
  const { width, height } = size();
  camera.scale = Math.min(area.clientWidth / width, area.clientHeight / height);
  camera.x = (area.clientWidth - width * camera.scale) / 2;
  camera.y = (area.clientHeight - height * camera.scale) / 2;
  draw();
}
function zoom(factor, cx = area.clientWidth / 2, cy = area.clientHeight / 2) {
  const scale = Math.max(0.05, Math.min(40, camera.scale * factor));
  camera.x = cx - (cx - camera.x) * (scale / camera.scale);
  camera.y = cy - (cy - camera.y) * (scale / camera.scale);
  camera.scale = scale;
  draw();
}
function pan(dx, dy) { camera.x += dx; camera.y += dy; draw(); }
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
setView(mode);
</script>
</body>
</html>
)html";

}  // namespace tapegrad::tools::viewer_page
