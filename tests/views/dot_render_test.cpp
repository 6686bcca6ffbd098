// DOT export and in-process rendering: the text of both views parses with Graphviz and renders
// to SVG and PNG; styles mark kinds and the highlighted path; write_graph picks the format by
// extension.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "views_support.hpp"

namespace file_views_dot_render_test {  // the file's own scope: the test programs are unity builds

using namespace tapegrad;
using namespace tapegrad::views_test;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

const std::string kPngSignature = "\x89PNG\r\n\x1a\n";

std::size_t occurrences(const std::string& text, const std::string& part) {
  std::size_t count = 0;
  for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1))
    ++count;
  return count;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A fresh folder under the system's temporary folder, removed at the end of the test.
struct TemporaryFolder {
  std::filesystem::path path;
  TemporaryFolder() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "tapegrad-views-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~TemporaryFolder() { std::filesystem::remove_all(path); }
};

}  // namespace

TEST_CASE("DOT of both views parses and renders to SVG and PNG in-process", "[views][dot]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  SeedGraph seed(tape);
  for (const ComputationGraph& graph : {tensor_view(tape, seed.E), expanded_view(tape, seed.E)}) {
    const std::string dot = to_dot(graph, DotFormat{"seed network", "LR"});
    CHECK_THAT(dot, StartsWith("digraph"));
    CHECK(dot_parses(dot));
    const std::string svg = render_dot(dot, "svg");
    CHECK_THAT(svg, Contains("<svg"));
    CHECK_THAT(svg, Contains("z(1−z)"));  // UTF-8 labels survive
    const std::string png = render_dot(dot, "png");
    CHECK_THAT(png, StartsWith(kPngSignature));
    CHECK(png.size() > 1000);
  }
}

TEST_CASE("DOT styles: kinds, the loss, and the highlighted path", "[views][dot]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  SeedGraph seed(tape);
  ComputationGraph graph = tensor_view(tape, seed.E);
  std::string dot = to_dot(graph);
  CHECK(occurrences(dot, "shape=doubleoctagon") == 1);     // the loss
  CHECK(occurrences(dot, R"(fillcolor="#cfe2f3")") == 4);  // w w0 v v0
  CHECK(occurrences(dot, "shape=ellipse") == 2);           // x y
  CHECK(occurrences(dot, "penwidth=3") == 0);
  CHECK(occurrences(dot, "shape=box, style=\"rounded,filled\"") == 3);  // a z ŷ
  CHECK_THAT(dot, Contains("rankdir=\"LR\""));
  CHECK_THAT(dot, Contains(R"dot(label="∂z/∂a = z(1−z)")dot"));
  // Programmer details only when asked for: the kind and shape, the bytes saved for backward.
  CHECK_THAT(dot,
             Contains(R"(label="z\nvalue [)") && !Contains("sigmoid [2]") && !Contains("saved"));
  const std::string detailed = to_dot(graph, {.details = true});
  CHECK_THAT(detailed, Contains(R"(label="z\nsigmoid [2]\nvalue [)"));
  CHECK_THAT(detailed,
             Contains(R"(\nsaved 72 B")"));  // a = linear(x, W, b) keeps x and W: 9 doubles

  highlight(graph, "w");
  dot = to_dot(graph);
  CHECK(occurrences(dot, R"(color="#ff6600", fontcolor="#ff6600", penwidth=3)") == 4);  // edges
  CHECK(occurrences(dot, R"(, color="#ff6600", penwidth=3])") == 5);  // w a z ŷ E
  CHECK(dot_parses(dot));
}

TEST_CASE("DOT quoting escapes quotes and backslashes in names", "[views][dot]") {
  CHECK(dot_quoted(R"(say "hi" \ ok)") == R"("say \"hi\" \\ ok")");
  CHECK(dot_quoted("two\nlines") == R"("two\nlines")");
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  Parameter<double> p(Tensor<double>({1}, {2.0}), R"(w"1\)");
  Var<double> s = sum(mul(p, p)).named("s");
  s.backward();
  const std::string dot = to_dot(tensor_view(tape, s));
  CHECK(dot_parses(dot));
  CHECK_THAT(render_dot(dot, "svg"), Contains(R"(w&quot;1\)"));
}

TEST_CASE("Graphviz errors become tapegrad errors", "[views][render]") {
  CHECK_FALSE(dot_parses("digraph { a -> }"));
  CHECK_FALSE(dot_parses(""));
  CHECK(dot_parses("digraph { a -> b }"));  // the parser recovers after an error
  CHECK_THROWS_WITH(render_dot("digraph { a -> ", "svg"), Contains("cannot parse"));
  CHECK_THROWS_WITH(render_dot("digraph { a -> b }", "nonsense"),
                    Contains("cannot render format 'nonsense'"));
  CHECK_THAT(render_dot("digraph { a -> b }", "svg"), Contains("<svg"));
}

TEST_CASE("write_graph chooses DOT, SVG or PNG by extension", "[views][render]") {
  Tape<double> tape;
  TapeGuard<double> guard(tape);
  SeedGraph seed(tape);
  const std::string dot = to_dot(expanded_view(tape, seed.E));
  TemporaryFolder folder;
  write_graph((folder.path / "seed.dot").string(), dot);
  write_graph((folder.path / "seed.svg").string(), dot);
  write_graph((folder.path / "seed.PNG").string(), dot);
  CHECK(read_file(folder.path / "seed.dot") == dot);
  CHECK_THAT(read_file(folder.path / "seed.svg"), Contains("<svg"));
  CHECK_THAT(read_file(folder.path / "seed.PNG"), StartsWith(kPngSignature));
  CHECK_THROWS_WITH(write_graph((folder.path / "seed.jpeg2").string(), dot),
                    Contains("unknown extension '.jpeg2'"));
  CHECK_THROWS_WITH(write_graph((folder.path / "seed").string(), dot), Contains("(none)"));
  CHECK_THROWS_AS(write_graph((folder.path / "bad.svg").string(), "digraph {"), Error);
  CHECK_FALSE(std::filesystem::exists(folder.path / "seed.jpeg2"));
  CHECK_FALSE(std::filesystem::exists(folder.path / "bad.svg"));
  CHECK(std::distance(std::filesystem::directory_iterator(folder.path),
                      std::filesystem::directory_iterator()) == 3);
}

}  // namespace file_views_dot_render_test
