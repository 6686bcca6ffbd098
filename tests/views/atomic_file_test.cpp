// write_file_atomically: the new contents replace the old at once; a failed write leaves the old
// file as it was, removes its temporary file, and says which file and why.
#include <catch2/catch.hpp>

#include <sys/resource.h>
#include <sys/stat.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

#include "tapegrad/tapegrad.hpp"

using namespace tapegrad;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

struct TemporaryFolder {
  fs::path path;
  TemporaryFolder() {
    std::string pattern = (fs::temp_directory_path() / "tapegrad-atomic-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~TemporaryFolder() { fs::remove_all(path); }

  std::set<std::string> entries() const {
    std::set<std::string> names;
    for (const auto& entry : fs::directory_iterator(path)) names.insert(entry.path().filename());
    return names;
  }
};

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_plainly(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// Limits the size of files this process may write, for the scope; writes past it fail with
// EFBIG instead of raising SIGXFSZ.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    REQUIRE(::getrlimit(RLIMIT_FSIZE, &previous_) == 0);
    previous_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    rlimit limit = previous_;
    limit.rlim_cur = bytes;
    REQUIRE(::setrlimit(RLIMIT_FSIZE, &limit) == 0);
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &previous_);
    std::signal(SIGXFSZ, previous_handler_);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;

 private:
  rlimit previous_{};
  void (*previous_handler_)(int) = nullptr;
};

}  // namespace

TEST_CASE("write_file_atomically replaces a file's contents", "[views][atomic]") {
  TemporaryFolder folder;
  const fs::path target = folder.path / "out.txt";
  write_file_atomically(target.string(), "first");
  CHECK(read_file(target) == "first");
  write_file_atomically(target.string(), std::string("second\0with a NUL", 17));
  CHECK(read_file(target) == std::string("second\0with a NUL", 17));
  CHECK(folder.entries() == std::set<std::string>{"out.txt"});  // no temporary left
  // A new file gets 0644; an existing one keeps its mode.
  CHECK((fs::status(target).permissions() & fs::perms::all) ==
        (fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
         fs::perms::others_read));
  fs::permissions(target, fs::perms::owner_read | fs::perms::owner_write);
  write_file_atomically(target.string(), "third");
  CHECK((fs::status(target).permissions() & fs::perms::all) ==
        (fs::perms::owner_read | fs::perms::owner_write));
}

TEST_CASE("a failed write keeps the old file and removes the temporary", "[views][atomic]") {
  TemporaryFolder folder;
  const fs::path target = folder.path / "graph.svg";
  write_plainly(target, "old contents");
  {
    FileSizeLimit limit(64);  // the new contents do not fit: write() fails with EFBIG
    CHECK_THROWS_WITH(write_file_atomically(target.string(), std::string(4096, 'x')),
                      Contains(target.string()) && Contains(std::strerror(EFBIG)));
  }
  CHECK(read_file(target) == "old contents");
  CHECK(folder.entries() == std::set<std::string>{"graph.svg"});
}

TEST_CASE("a target in a missing folder is an error naming the file and the OS error",
          "[views][atomic]") {
  TemporaryFolder folder;
  const fs::path target = folder.path / "missing" / "graph.dot";
  CHECK_THROWS_WITH(write_file_atomically(target.string(), "digraph {}"),
                    Contains(target.string()) && Contains(std::strerror(ENOENT)));
  CHECK(folder.entries().empty());
}

TEST_CASE("a directory in the target's place is kept and no temporary is left", "[views][atomic]") {
  TemporaryFolder folder;
  const fs::path target = folder.path / "graph.png";
  fs::create_directory(target);
  write_plainly(target / "inside.txt", "kept");
  CHECK_THROWS_WITH(write_file_atomically(target.string(), "png bytes"),
                    Contains(target.string()) && Contains("it is a folder"));
  CHECK(fs::is_directory(target));
  CHECK(read_file(target / "inside.txt") == "kept");
  CHECK(folder.entries() == std::set<std::string>{"graph.png"});
}
