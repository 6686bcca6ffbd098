// tapegrad's graph views (the tapegrad::views library): a tape as a Boost.Graph, per tensor or
// per element; DOT export, SVG and PNG through Graphviz; paths from the loss to a weight; the
// backward pass replayed step by step.
#pragma once

#include "core.hpp"
#include "graph/views/dot.hpp"
#include "graph/views/graph_view.hpp"
#include "graph/views/names.hpp"
#include "graph/views/network.hpp"
#include "graph/views/paths.hpp"
#include "graph/views/render.hpp"
#include "graph/views/replay.hpp"
