// The viewer's page: its head and style, and the header and container of the drawing
// (tools/viewer_page.hpp).
#include "viewer_page.hpp"

namespace tapegrad::tools::viewer_page {

const std::string_view kHead = R"html(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>)html";

const std::string_view kStyle = R"html(</title>
<style>
  html, body { height: 100%; }
  body { margin: 0; font-family: "DejaVu Sans", sans-serif; font-size: 14px; color: #222;
         display: flex; flex-direction: column; }
  header { padding: 8px 14px; background: #f3f3f3; border-bottom: 1px solid #ccc; }
  header h1 { font-size: 16px; margin: 0 0 6px 0; }
  button { font-size: 14px; padding: 3px 12px; }
  #step { margin-left: 10px; }
  #zoom, #view { margin-left: 16px; }
  main { display: flex; flex: 1; min-height: 0; }
  /* The drawing is zoomed and panned by a transform on its svg; the frame clips it. */
  #frames { flex: 1; position: relative; overflow: hidden; cursor: grab; touch-action: none; }
  #frames.dragging { cursor: grabbing; }
  #frames div.frame { position: absolute; inset: 0; }
  #frames svg { position: absolute; left: 0; top: 0; transform-origin: 0 0; }
  #frames g.node[data-element], #frames g.node[data-tensor] { cursor: pointer; }
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
  <button id="view" type="button" title="Switch between one vertex per element and one per tensor (V)"></button>
  <span id="step"></span>
</header>
<main>
<div id="frames">
)html";

}  // namespace tapegrad::tools::viewer_page
