// What the tests against real PyTorch in tests/nn share: a temporary folder for the files both
// sides write, running one of this folder's Python scripts, and an element-wise comparison.
#pragma once

#include <catch2/catch.hpp>

#include <stdlib.h>  // mkdtemp

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <span>
#include <string>

namespace tapegrad::test {

struct TemporaryFolder {
  std::filesystem::path path;
  TemporaryFolder() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "tapegrad-torch-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~TemporaryFolder() { std::filesystem::remove_all(path); }
  TemporaryFolder(const TemporaryFolder&) = delete;
  TemporaryFolder& operator=(const TemporaryFolder&) = delete;
};

// Runs tests/nn/<script> with `mode` and `folder`; fails the test if PyTorch is missing or the
// script fails.
inline void run_torch_script(const std::string& script, const std::string& mode,
                             const std::filesystem::path& folder) {
  if (std::system("/usr/bin/python3 -c 'import torch' > /dev/null 2>&1") != 0)
    FAIL(
        "PyTorch is not available to /usr/bin/python3; install Debian's python3-torch "
        "(scripts/install-deps.sh does) to run the tests against PyTorch");
  const std::filesystem::path path =
      std::filesystem::path(TAPEGRAD_SOURCE_DIR) / "tests/nn" / script;
  const std::string command =
      "/usr/bin/python3 '" + path.string() + "' " + mode + " '" + folder.string() + "'";
  REQUIRE(std::system(command.c_str()) == 0);
}

inline void check_close(const std::string& what, std::span<const double> ours,
                        std::span<const double> torch, double tolerance) {
  INFO(what);
  REQUIRE(ours.size() == torch.size());
  for (std::size_t i = 0; i < ours.size(); ++i) {
    INFO("element " << i << ": tapegrad " << ours[i] << ", torch " << torch[i]);
    CHECK(std::abs(ours[i] - torch[i]) <= tolerance * (1 + std::abs(torch[i])));
  }
}

}  // namespace tapegrad::test
