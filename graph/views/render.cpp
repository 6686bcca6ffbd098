// libgvc's life cycle for one rendering: agmemread → gvLayout → gvRenderData, then everything
// freed in reverse, all in one process-wide gvContext. Graphviz reports errors through a
// process-wide callback, which is pointed at a buffer for the duration of each call (under the
// lock).
#include "render.hpp"

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <mutex>

#include "../../models/io/atomic_file.hpp"
#include "../errors.hpp"

namespace tapegrad {
namespace {

std::mutex graphviz_mutex;

// NOTE: one context for the whole process, created on first use and never freed. Graphviz
// 2.42's pango text plugin caches a pointer to the last font name, which lives in the context's
// font table: after gvFreeContext the next context's first layout reads freed memory
// (AddressSanitizer reports a heap-use-after-free in textspan_size). Call with the lock held.
GVC_t* shared_context() {
  static GVC_t* const context = gvContext();
  if (context == nullptr) throw Error("render: Graphviz could not create its context (gvContext)");
  return context;
}
std::string* graphviz_messages = nullptr;  // where the callback appends, while a call runs

int collect_message(char* text) {
  if (graphviz_messages != nullptr) *graphviz_messages += text;
  return 0;
}

// Holds the lock and collects Graphviz's messages for its lifetime; frees what it owns.
class GraphvizSession {
 public:
  GraphvizSession() : lock_(graphviz_mutex) {
    graphviz_messages = &messages_;
    previous_ = agseterrf(collect_message);
  }
  ~GraphvizSession() {
    if (graph_ != nullptr) {
      if (laid_out_) gvFreeLayout(shared_context(), graph_);
      agclose(graph_);
    }
    agseterrf(previous_);
    graphviz_messages = nullptr;
  }
  GraphvizSession(const GraphvizSession&) = delete;
  GraphvizSession& operator=(const GraphvizSession&) = delete;

  // Parses the text; false (with messages()) on a syntax error. agmemread needs a NUL-terminated
  // copy.
  bool parse(std::string_view dot_text) {
    const std::string text(dot_text);
    graph_ = agmemread(text.c_str());
    return graph_ != nullptr;
  }
  Agraph_t* graph() const { return graph_; }
  GVC_t* context() const { return shared_context(); }
  void laid_out() { laid_out_ = true; }
  // Graphviz's messages so far, on one line.
  std::string messages() const {
    std::string text = messages_;
    std::replace(text.begin(), text.end(), '\n', ' ');
    while (!text.empty() && text.back() == ' ') text.pop_back();
    return text.empty() ? "no message from Graphviz" : text;
  }

 private:
  std::lock_guard<std::mutex> lock_;
  std::string messages_;
  agusererrf previous_ = nullptr;
  Agraph_t* graph_ = nullptr;
  bool laid_out_ = false;
};

std::string lowercase_extension(std::string_view path) {
  const std::size_t dot = path.rfind('.');
  const std::size_t slash = path.rfind('/');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) return {};
  std::string extension(path.substr(dot + 1));
  for (char& c : extension) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return extension;
}

}  // namespace

std::string render_dot(std::string_view dot_text, std::string_view format) {
  GraphvizSession session;
  session.context();  // created before the first graph is read, as libgvc's examples do
  if (!session.parse(dot_text))
    throw Error(fmt::format("render: Graphviz cannot parse the DOT text: {}", session.messages()));
  if (gvLayout(session.context(), session.graph(), "dot") != 0)
    throw Error(fmt::format("render: Graphviz layout failed: {}", session.messages()));
  session.laid_out();
  char* data = nullptr;
  unsigned int length = 0;
  const std::string format_name(format);
  if (gvRenderData(session.context(), session.graph(), format_name.c_str(), &data, &length) != 0) {
    if (data != nullptr) gvFreeRenderData(data);
    throw Error(fmt::format("render: Graphviz cannot render format '{}' (try svg or png): {}",
                            format, session.messages()));
  }
  std::string bytes(data, length);
  gvFreeRenderData(data);
  return bytes;
}

bool dot_parses(std::string_view dot_text) {
  GraphvizSession session;
  return session.parse(dot_text);
}

void write_graph(std::string_view path, std::string_view dot_text) {
  const std::string extension = lowercase_extension(path);
  if (extension == "dot" || extension == "gv") {
    if (!dot_parses(dot_text))
      throw Error(fmt::format("write_graph '{}': the DOT text does not parse", path));
    write_file_atomically(path, dot_text);
  } else if (extension == "svg" || extension == "png") {
    write_file_atomically(path, render_dot(dot_text, extension));
  } else {
    throw Error(
        fmt::format("write_graph '{}': unknown extension '{}'; use .dot (or .gv), .svg or .png",
                    path, extension.empty() ? "(none)" : "." + extension));
  }
}

}  // namespace tapegrad
