// tapegrad.hpp promises the whole API in one include: every public header must be in it.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "tapegrad/tapegrad.hpp"

TEST_CASE("tapegrad.hpp includes every public header", "[core][api]") {
  namespace fs = std::filesystem;
  const fs::path root(TAPEGRAD_SOURCE_DIR);
  std::ifstream in(root / "tapegrad.hpp");
  REQUIRE(in);
  const std::string umbrella{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  std::size_t headers = 0;
  for (const char* dir : {"graph", "ops", "optim", "models"}) {
    for (const fs::directory_entry& entry : fs::directory_iterator(root / dir)) {
      if (entry.path().extension() != ".hpp") continue;  // ops/detail/ is internal
      const std::string include =
          "#include \"tapegrad/" + std::string(dir) + "/" + entry.path().filename().string() + "\"";
      INFO(include);
      CHECK(umbrella.find(include) != std::string::npos);
      ++headers;
    }
  }
  CHECK(headers > 20);
}
