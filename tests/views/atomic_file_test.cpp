// write_file_atomically: the new contents replace the old at once; a failed write leaves the old
// file as it was, removes its temporary file, and says which file and why. Links are followed,
// long names fit, leftovers of killed runs are swept, and a signal removes what is in progress.
#include <catch2/catch.hpp>

#include <fmt/format.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "tapegrad.hpp"

namespace file_views_atomic_file_test {  // the file's own scope: the test programs are unity builds

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

TEST_CASE("a symbolic link is followed: its target is replaced and the link kept",
          "[views][atomic]") {
  TemporaryFolder folder;
  fs::create_directory(folder.path / "store");
  write_plainly(folder.path / "store" / "weights.st", "old");
  fs::create_symlink("store/weights.st", folder.path / "link.st");
  write_file_atomically((folder.path / "link.st").string(), "new");
  CHECK(fs::is_symlink(folder.path / "link.st"));
  CHECK(read_file(folder.path / "store" / "weights.st") == "new");
  CHECK(folder.entries() == std::set<std::string>{"link.st", "store"});
}

TEST_CASE("a link to nothing and a target that is no regular file are refused", "[views][atomic]") {
  TemporaryFolder folder;
  fs::create_symlink("missing.st", folder.path / "dangling.st");
  CHECK_THROWS_WITH(write_file_atomically((folder.path / "dangling.st").string(), "x"),
                    Contains("it is a symbolic link to 'missing.st', which does not exist"));
  CHECK(fs::is_symlink(folder.path / "dangling.st"));
  REQUIRE(::mkfifo((folder.path / "fifo").c_str(), 0600) == 0);
  CHECK_THROWS_WITH(write_file_atomically((folder.path / "fifo").string(), "x"),
                    Contains("it is not a regular file"));
  CHECK(fs::is_fifo(folder.path / "fifo"));
  CHECK(folder.entries() == std::set<std::string>{"dangling.st", "fifo"});
}

TEST_CASE("a name too long for a temporary beside it gets a shortened one", "[views][atomic]") {
  TemporaryFolder folder;
  for (std::size_t length : {233u, 245u, 255u}) {
    INFO(length);
    const std::string name(length, 'n');
    const std::string pattern = temporary_pattern((folder.path / name).string());
    CHECK(fs::path(pattern).filename().string().size() <= 255);
    write_file_atomically((folder.path / name).string(), "contents");
    CHECK(read_file(folder.path / name) == "contents");
  }
  // Two long names that share their start get different temporaries.
  // NOTE: appended, not `std::string(250, 'a') + "1"`, on which g++ 12 -O3 reports a false
  // -Warray-bounds inside libstdc++.
  std::string first(250, 'a'), second(250, 'a');
  first += '1';
  second += '2';
  CHECK(fs::path(temporary_pattern(first)).filename() !=
        fs::path(temporary_pattern(second)).filename());
  CHECK(folder.entries().size() == 3);
}

TEST_CASE("temporaries of killed runs beside a target are removed by the next write",
          "[views][atomic]") {
  TemporaryFolder folder;
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  REQUIRE(child > 0);
  ::waitpid(child, nullptr, 0);  // its process id now names no process
  const std::vector<std::string> stale{
      "out.st.tmp-AbC123",  // from a version without process ids in the name
      fmt::format("out.st.tmp-{}.Xyz987", child),
  };
  const std::vector<std::string> kept{
      "out.st.tmp-1.Abcdef",     // process 1 is alive: its write may be in progress
      "other.st.tmp-AbC123",     // another target's
      "out.st.tmp-AbC1234",      // not a temporary's name
      "out.st.tmp-notanumber.x"  // nor this
  };
  for (const std::string& name : stale) write_plainly(folder.path / name, "partial");
  for (const std::string& name : kept) write_plainly(folder.path / name, "partial");
  write_file_atomically((folder.path / "out.st").string(), "whole");
  std::set<std::string> expected(kept.begin(), kept.end());
  expected.insert("out.st");
  CHECK(folder.entries() == expected);
}

TEST_CASE("StagedFiles replaces all of its files or none", "[views][atomic]") {
  TemporaryFolder folder;
  write_plainly(folder.path / "weights.st", "old weights");
  write_plainly(folder.path / "loss.csv", "old log");
  {
    FileSizeLimit limit(64);
    StagedFiles files;
    files.add((folder.path / "weights.st").string(), "new weights");
    CHECK_THROWS_WITH(files.add((folder.path / "loss.csv").string(), std::string(4096, 'x')),
                      Contains("loss.csv"));
  }  // destroyed without commit
  CHECK(read_file(folder.path / "weights.st") == "old weights");
  CHECK(read_file(folder.path / "loss.csv") == "old log");
  CHECK(folder.entries() == std::set<std::string>{"loss.csv", "weights.st"});
  StagedFiles files;
  files.add((folder.path / "weights.st").string(), "new weights");
  files.add((folder.path / "loss.csv").string(), "new log");
  CHECK(read_file(folder.path / "weights.st") == "old weights");  // nothing before commit
  files.commit();
  CHECK(read_file(folder.path / "weights.st") == "new weights");
  CHECK(read_file(folder.path / "loss.csv") == "new log");
  CHECK(folder.entries() == std::set<std::string>{"loss.csv", "weights.st"});
}

TEST_CASE("SIGINT or SIGTERM while writing removes the temporaries and ends by the signal",
          "[views][atomic][signals]") {
  for (int signal : {SIGINT, SIGTERM}) {
    INFO(strsignal(signal));
    TemporaryFolder folder;
    write_plainly(folder.path / "weights.st", "old");
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {  // no Catch here: the status says what happened
      remove_temporaries_on_signals();
      StagedFiles files;
      files.add((folder.path / "weights.st").string(), "new");
      files.add((folder.path / "log.csv").string(), "log");
      ::raise(signal);
      ::_exit(99);  // not reached if the signal ends the process
    }
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    CHECK(WIFSIGNALED(status));
    CHECK((WIFSIGNALED(status) && WTERMSIG(status) == signal));
    CHECK(read_file(folder.path / "weights.st") == "old");
    CHECK(folder.entries() == std::set<std::string>{"weights.st"});
  }
}

}  // namespace file_views_atomic_file_test
