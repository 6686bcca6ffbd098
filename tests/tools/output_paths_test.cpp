// Every output is checked before any work (tools/output_paths.hpp): a run never fails at its end
// over a path that was wrong from the start, never replaces an input unless told to, and never
// writes two results into one file.
#include <sys/stat.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "hardening_support.hpp"
#include "tools/output_paths.hpp"

namespace file_tools_output_paths_test {  // the file's own scope: the test programs are unity
                                          // builds

namespace fs = std::filesystem;
using namespace tapegrad;
using namespace tapegrad::testing;
using Catch::Contains;

namespace {

// A file's bytes and inode, to show it was neither rewritten nor replaced.
struct Snapshot {
  std::string bytes;
  ino_t inode = 0;
  friend bool operator==(const Snapshot&, const Snapshot&) = default;
};
Snapshot snapshot(const fs::path& path) {
  struct stat status {};
  REQUIRE(::stat(path.c_str(), &status) == 0);
  return {read_file(path), status.st_ino};
}

}  // namespace

TEST_CASE("an output that is an input, or two outputs in one file, are refused before any work",
          "[tools][outputs]") {
  SeedFolder folder;
  fs::create_symlink("w.st", folder.path / "link-to-w.st");
  fs::create_hard_link(folder.path / "w.st", folder.path / "hard-w.st");
  write_file(folder.path / "o.st", "previous output");
  struct Case {
    std::string arguments, message;
  };
  const std::vector<Case> cases{
      {kTrain + "--out w.st", "--out 'w.st' is the same file as the input --weights 'w.st'"},
      {kTrain + "--out link-to-w.st", "the same file as the input --weights 'w.st'"},
      {kTrain + "--out hard-w.st", "the same file as the input --weights 'w.st'"},
      {kTrain + "--out d.csv", "--out 'd.csv' is the same file as the input --data 'd.csv'"},
      {kTrain + "--out o.st --log o.st", "--out 'o.st' and --log 'o.st' are the same file"},
      {kTrain + "--out o.st --plot o.st", "--out 'o.st' and --plot 'o.st' are the same file"},
      {kTrain + "--out o.st --log new.csv --plot new.csv", "--log 'new.csv' and --plot"},
      {kTrain + "--out o.st --checkpoint w.st", "checkpoints are written during the run"},
      {kTrain + "--out o.st --checkpoint w.st --overwrite-input",
       "checkpoints are written during the run"},
      {kTrain + "--out o.st --log m.json --overwrite-input",
       "--log 'm.json' is the same file as the input --model"},
      {"init --model m.json --out m.json", "--out 'm.json' is the same file as the input --model"},
      {kGrad + "--out d.csv", "--out 'd.csv' is the same file as the input --data"},
  };
  const Snapshot weights = snapshot(folder.path / "w.st"), data = snapshot(folder.path / "d.csv");
  const Snapshot config = snapshot(folder.path / "m.json"), out = snapshot(folder.path / "o.st");
  for (const Case& c : cases) {
    const Run run =
        folder.run(c.arguments + (c.arguments.starts_with("train") ? " --epochs 3" : ""));
    INFO(c.arguments << "\n" << run.output);
    CHECK(run.status == 2);
    CHECK_THAT(run.output, Contains(c.message));
    CHECK_THAT(run.output, !Contains("loss sse at the start"));  // refused before any work
  }
  CHECK(snapshot(folder.path / "w.st") == weights);
  CHECK(snapshot(folder.path / "d.csv") == data);
  CHECK(snapshot(folder.path / "m.json") == config);
  CHECK(snapshot(folder.path / "o.st") == out);
  CHECK_FALSE(folder.exists("new.csv"));
}

TEST_CASE("with --overwrite-input, --out replaces the input weights once the run has succeeded",
          "[tools][outputs]") {
  SeedFolder folder;
  const std::string before = folder.read("w.st");
  const Run run = folder.run(kTrain + "--epochs 2 --out w.st --overwrite-input");
  INFO(run.output);
  REQUIRE(run.status == 0);
  CHECK(folder.read("w.st") != before);
  read_safetensors((folder.path / "w.st").string());  // whole and readable
}

TEST_CASE("an output whose folder is missing, not a folder or not writable is refused first",
          "[tools][outputs]") {
  SeedFolder folder;
  write_file(folder.path / "plain", "a file, not a folder");
  REQUIRE(::mkfifo((folder.path / "fifo").c_str(), 0600) == 0);
  struct Case {
    std::string arguments, message;
  };
  const std::vector<Case> cases{
      {"--out missing-dir/t.st",
       "--out 'missing-dir/t.st': the folder 'missing-dir' does not exist"},
      {"--out o.st --log missing-dir/loss.csv", "--log 'missing-dir/loss.csv': the folder"},
      {"--out o.st --plot plain/p.svg", "--plot 'plain/p.svg': 'plain' is not a folder"},
      {"--out o.st --checkpoint missing-dir/c.st", "--checkpoint 'missing-dir/c.st'"},
      {"--out ''", "--out: the file name is empty"},
      {"--out .", "--out '.' is a folder"},
      // A pipe of the test's own, not /dev/null: code that replaced it would harm only the test.
      {"--out fifo", "--out 'fifo' is a pipe; tapegrad replaces the files it writes whole"},
      {"--out /proc/version", "cannot create files in the folder '/proc'"},
  };
  for (const Case& c : cases) {
    // 200 epochs would take a while; a refusal comes at once and prints no epoch.
    const Run run = folder.run(kTrain + c.arguments + " --epochs 200");
    INFO(c.arguments << "\n" << run.output);
    CHECK(run.status == 2);
    CHECK_THAT(run.output, Contains(c.message) && !Contains("epoch"));
  }
  CHECK_FALSE(folder.exists("o.st"));
  CHECK(std::filesystem::is_fifo(folder.path / "fifo"));
}

TEST_CASE("a folder the user may not write in is refused before training (as another user)",
          "[tools][outputs]") {
  // Root writes anywhere, so the command runs as nobody (setpriv), on files nobody can read, in a
  // folder nobody may write in.
  SeedFolder folder;
  fs::create_directory(folder.path / "read-only");
  fs::create_directory(folder.path / "writable");
  fs::permissions(folder.path / "read-only", fs::perms(0555));
  fs::permissions(folder.path / "writable", fs::perms(0777));
  const auto as_nobody = [&](const std::string& arguments) {
    return run_shell(
        fmt::format("cd '{}' && setpriv --reuid=65534 --regid=65534 --clear-groups "
                    "'{}' {} 2>&1",
                    folder.path.string(), TAPEGRAD_CLI, arguments));
  };
  REQUIRE(::geteuid() == 0);  // the test runs as root in CI and here; nobody is then distinct
  const Run refused = as_nobody(kTrain + "--epochs 200 --out writable/o.st --plot read-only/p.svg");
  INFO(refused.output);
  CHECK(refused.status == 2);
  CHECK_THAT(refused.output, Contains("--plot 'read-only/p.svg': cannot create files in the "
                                      "folder 'read-only': Permission denied") &&
                                 !Contains("epoch"));
  CHECK_FALSE(folder.exists("writable/o.st"));
  const Run allowed = as_nobody(kTrain + "--epochs 1 --out writable/o.st --plot writable/p.svg");
  INFO(allowed.output);
  CHECK(allowed.status == 0);
}

TEST_CASE("a symbolic link as --out is followed: the target is replaced, the link kept",
          "[tools][outputs]") {
  SeedFolder folder;
  fs::create_directory(folder.path / "store");
  write_file(folder.path / "store" / "target.st", "old");
  fs::create_symlink("store/target.st", folder.path / "link.st");
  const Run run = folder.run(kTrain + "--epochs 1 --out link.st");
  INFO(run.output);
  REQUIRE(run.status == 0);
  CHECK(fs::is_symlink(folder.path / "link.st"));
  CHECK(fs::read_symlink(folder.path / "link.st") == "store/target.st");
  read_safetensors((folder.path / "store" / "target.st").string());  // the new weights
  // A link to nothing is refused: where to write would be a guess.
  fs::create_symlink("store/none.st", folder.path / "dangling.st");
  const Run dangling = folder.run(kTrain + "--epochs 1 --out dangling.st");
  CHECK(dangling.status == 2);
  CHECK_THAT(dangling.output, Contains("--out: cannot write 'dangling.st': it is a symbolic link "
                                       "to 'store/none.st', which does not exist"));
  CHECK_FALSE(fs::exists(folder.path / "store" / "none.st"));
  // A loop of links: the reason was spliced into the sentence ("which Too many levels of ...").
  fs::create_symlink("loop-b.st", folder.path / "loop-a.st");
  fs::create_symlink("loop-a.st", folder.path / "loop-b.st");
  const Run loop = folder.run(kTrain + "--epochs 1 --out loop-a.st");
  CHECK(loop.status == 2);
  CHECK_THAT(loop.output, Contains("--out: cannot write 'loop-a.st': it is a symbolic link to "
                                   "'loop-b.st', which cannot be followed (Too many levels of "
                                   "symbolic links); give the path of a file to write"));
}

TEST_CASE("a 245-character file name is written: the temporary name fits NAME_MAX",
          "[tools][outputs]") {
  SeedFolder folder;
  const std::string name = std::string(242, 'w') + ".st";
  REQUIRE(name.size() == 245);
  const Run run = folder.run(kTrain + "--epochs 1 --checkpoint " + name + " --out " + name +
                             "-final");  // 251 characters: fits, its ".tmp-..." would not
  INFO(run.output);
  CHECK(run.status == 0);
  CHECK(folder.exists(name));
  CHECK(folder.exists(name + "-final"));
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(folder.path)) ++entries;
  CHECK(entries == 5);  // m.json, d.csv, w.st and the two outputs: no temporary left
}

TEST_CASE("OutputPlan compares a file not yet written by its folder and its name",
          "[tools][outputs]") {
  SeedFolder folder;
  fs::create_directory(folder.path / "sub");
  fs::create_symlink("sub", folder.path / "alias");
  tools::OutputPlan plan;
  plan.output("--out", (folder.path / "sub" / "new.st").string());
  plan.output("--log", (folder.path / "alias" / "new.st").string());  // the same, by another path
  CHECK_THROWS_WITH(plan.check(), Contains("are the same file"));
  tools::OutputPlan distinct;
  distinct.output("--out", (folder.path / "sub" / "a.st").string());
  distinct.output("--log", (folder.path / "alias" / "b.st").string());
  CHECK_NOTHROW(distinct.check());
  CHECK_FALSE(fs::exists(folder.path / "sub" / "a.st"));  // checking writes nothing
  CHECK(fs::is_empty(folder.path / "sub"));
}

}  // namespace file_tools_output_paths_test
