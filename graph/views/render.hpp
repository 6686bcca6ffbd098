// Rendering DOT text with Graphviz, in-process (libgvc): no `dot` program is run. Graphviz is
// not thread-safe, so calls are serialised by a lock inside.
#pragma once

#include <string>
#include <string_view>

namespace tapegrad {

// The layout ("dot") of `dot_text` rendered as `format` ("svg", "png", or any other format the
// installed Graphviz plugins provide); returns the file's bytes. Throws Error with Graphviz's
// message for a DOT syntax error, an empty graph text, or an unknown format.
std::string render_dot(std::string_view dot_text, std::string_view format);

// True if Graphviz parses `dot_text` as a graph (agmemread succeeds). Errors are not printed.
bool dot_parses(std::string_view dot_text);

// Writes `dot_text` to `path` as DOT, SVG or PNG, chosen by the extension (.dot, .gv, .svg,
// .png), through write_file_atomically. Throws Error naming an unknown extension, and rendering
// or file errors as render_dot and write_file_atomically do.
void write_graph(std::string_view path, std::string_view dot_text);

}  // namespace tapegrad
