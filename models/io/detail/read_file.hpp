// Reading input files (a model config, a data set, a weights file) with errors that name the file
// and the operating system's reason, and with a cap on how much is read: a pipe or a device such
// as /dev/zero is read like a file, up to the cap (models/io/limits.hpp). Internal to the readers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tapegrad::detail {

// An open input file. Errors: "cannot read 'path': <reason>" (missing, a folder, no permission).
class InputFile {
 public:
  explicit InputFile(const std::string& path);
  ~InputFile();
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  // Up to `size` bytes into `buffer`; 0 once the file has ended.
  std::size_t read_some(char* buffer, std::size_t size);
  // Appends up to `count` bytes to `out`, fewer only if the file ends first; returns how many.
  std::size_t append(std::string& out, std::uint64_t count);
  // A regular file's size, known before reading; pipes and devices have none.
  bool has_size() const { return regular_; }
  std::uint64_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
  bool regular_ = false;
  std::uint64_t size_ = 0;
};

// The file's bytes, at most `max_bytes` of them: a longer file is an Error "<path>: the file is
// larger than <max_bytes>, the limit for <what>; set <variable> to raise it". With stop_at_nul,
// reading stops after a chunk holding a NUL byte (no text format has one; the caller's parser
// then names its place), so /dev/zero fails at once instead of at the cap.
std::string read_capped(const std::string& path, std::uint64_t max_bytes, std::string_view what,
                        std::string_view variable, bool stop_at_nul);

}  // namespace tapegrad::detail
