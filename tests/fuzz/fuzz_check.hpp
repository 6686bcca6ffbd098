// What a fuzz target checks: a broken invariant prints what broke and aborts, which libFuzzer (or
// replay_main.cpp) reports as a crash on that input.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string_view>

#define TAPEGRAD_FUZZ_CHECK(condition)                                                       \
  do {                                                                                       \
    if (!(condition)) {                                                                      \
      std::fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                          \
    }                                                                                        \
  } while (false)

namespace tapegrad::fuzz {

// A reader's refusal must begin with the name it was given for the file, as each reader's header
// promises, so that a user knows which file is wrong.
inline void check_names_file(const std::exception& error, std::string_view file) {
  if (std::string_view(error.what()).starts_with(file)) return;
  std::fprintf(stderr, "invariant broken: the error does not begin with \"%.*s\": %s\n",
               static_cast<int>(file.size()), file.data(), error.what());
  std::abort();
}

}  // namespace tapegrad::fuzz
