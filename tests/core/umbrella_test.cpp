// The umbrella headers promise whole parts of the API in one include: core.hpp every public
// header of tapegrad::core, io.hpp of tapegrad::io, views.hpp of tapegrad::views, and
// tapegrad.hpp all three. A header of one part must not be in another part's umbrella (a core
// user would then need io's or views' dependencies).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>

#include "tapegrad.hpp"

namespace file_core_umbrella_test {  // the file's own scope: the test programs are unity builds

namespace {

namespace fs = std::filesystem;

std::string read(const fs::path& path) {
  std::ifstream in(path);
  REQUIRE(in);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The public headers under `dirs` (detail/ folders are internal), as "graph/tape.hpp".
std::set<std::string> headers_in(const fs::path& root, std::initializer_list<const char*> dirs,
                                 std::initializer_list<const char*> excluded = {}) {
  std::set<std::string> headers;
  for (const char* dir : dirs)
    for (const fs::directory_entry& entry : fs::directory_iterator(root / dir)) {
      if (entry.path().extension() != ".hpp") continue;
      headers.insert(std::string(dir) + "/" + entry.path().filename().string());
    }
  for (const char* dir : excluded)
    std::erase_if(headers, [&](const std::string& h) { return h.rfind(dir, 0) == 0; });
  return headers;
}

// The headers an umbrella includes, in the form above.
std::set<std::string> included_by(const std::string& umbrella) {
  std::set<std::string> included;
  const std::string tag = "#include \"";
  for (std::size_t at = umbrella.find(tag); at != std::string::npos;
       at = umbrella.find(tag, at + 1)) {
    const std::size_t begin = at + tag.size();
    included.insert(umbrella.substr(begin, umbrella.find('"', begin) - begin));
  }
  return included;
}

}  // namespace

TEST_CASE("each umbrella header includes exactly its part's public headers", "[core][api]") {
  const fs::path root(TAPEGRAD_SOURCE_DIR);
  const auto core = headers_in(root, {"graph", "ops", "optim", "models", "models/seed"});
  const auto io = headers_in(root, {"models/io"});
  const auto views = headers_in(root, {"graph/views"});
  CHECK(core.size() > 25);
  CHECK(included_by(read(root / "core.hpp")) == core);
  auto io_with_core = io;
  io_with_core.insert("core.hpp");
  CHECK(included_by(read(root / "io.hpp")) == io_with_core);
  auto views_with_core = views;
  views_with_core.insert("core.hpp");
  CHECK(included_by(read(root / "views.hpp")) == views_with_core);
  CHECK(included_by(read(root / "tapegrad.hpp")) ==
        std::set<std::string>{"core.hpp", "io.hpp", "views.hpp"});
}

TEST_CASE("no core header includes an io or views header", "[core][api]") {
  const fs::path root(TAPEGRAD_SOURCE_DIR);
  for (const std::string& header :
       headers_in(root, {"graph", "ops", "optim", "models", "models/seed"})) {
    const std::string text = read(root / header);
    INFO(header);
    CHECK(text.find("/io/") == std::string::npos);
    CHECK(text.find("views/") == std::string::npos);
    CHECK(text.find("boost/") == std::string::npos);
    CHECK(text.find("nlohmann/") == std::string::npos);
    CHECK(text.find("graphviz/") == std::string::npos);
  }
}

}  // namespace file_core_umbrella_test
