// Runs a fuzz target (fuzz_*.cpp) once on every file of the folders given, without libFuzzer, so
// that the plain and sanitizer builds of the test suite replay the seed corpus and the
// regressions. A crash, a sanitizer report, a broken invariant or an exception other than
// tapegrad::Error fails the run; files named README* are notes, not inputs.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace fs = std::filesystem;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FOLDER...\n", argv[0]);
    return 2;
  }
  std::size_t replayed = 0;
  for (int arg = 1; arg < argc; ++arg) {
    const fs::path folder = argv[arg];
    if (!fs::is_directory(folder)) {
      std::fprintf(stderr, "%s: not a folder\n", folder.c_str());
      return 2;
    }
    std::vector<fs::path> files;
    for (const fs::directory_entry& entry : fs::directory_iterator(folder))
      if (entry.is_regular_file() && !entry.path().filename().string().starts_with("README"))
        files.push_back(entry.path());
    std::sort(files.begin(), files.end());  // the same order on every machine
    for (const fs::path& file : files) {
      std::ifstream in(file, std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
      if (in.bad()) {
        std::fprintf(stderr, "%s: cannot read\n", file.c_str());
        return 2;
      }
      std::printf("%s (%zu bytes)\n", file.c_str(), bytes.size());
      std::fflush(stdout);  // so that the file is named before any crash report
      // A heap block of exactly the input's size, as libFuzzer gives: a read past its end is an
      // AddressSanitizer report, not a read of a string's terminating NUL.
      const auto input = std::make_unique<std::uint8_t[]>(bytes.size());
      std::memcpy(input.get(), bytes.data(), bytes.size());
      LLVMFuzzerTestOneInput(input.get(), bytes.size());
      ++replayed;
    }
  }
  std::printf("replayed %zu inputs\n", replayed);
  return replayed == 0 ? 1 : 0;  // nothing to replay: the folders are wrong
}
