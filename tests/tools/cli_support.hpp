// For the tests of the `tapegrad` command: run the built program in a child process, as a user
// runs it, and give each test a folder of its own.
#pragma once

#include <fmt/format.h>
#include <sys/wait.h>
#include <catch2/catch.hpp>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <string_view>

namespace tapegrad::testing {

struct Run {
  int status = -1;     // exit status
  std::string output;  // stdout and stderr together
};

// Runs a shell command and collects what it writes to stdout (add 2>&1 for stderr too); the
// status is -1 if the command did not exit normally (a signal).
inline Run run_shell(const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  Run run;
  std::array<char, 4096> buffer;
  while (std::size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe))
    run.output.append(buffer.data(), n);
  const int status = pclose(pipe);
  run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

// Runs `tapegrad <arguments>` in `folder`, through the shell.
inline Run run_tapegrad(const std::string& arguments,
                        const std::filesystem::path& folder = std::filesystem::current_path()) {
  Run run =
      run_shell(fmt::format("cd '{}' && '{}' {} 2>&1", folder.string(), TAPEGRAD_CLI, arguments));
  REQUIRE(run.status != -1);
  return run;
}

// A fresh, empty folder, removed at the end of the test.
struct TempFolder {
  std::filesystem::path path;
  TempFolder() {
    std::random_device random;
    path = std::filesystem::temp_directory_path() /
           fmt::format("tapegrad-cli-test-{:x}{:x}", random(), random());
    std::filesystem::create_directories(path);
  }
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;
  ~TempFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
};

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_file(const std::filesystem::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  REQUIRE(out);
}

}  // namespace tapegrad::testing
