#include "read_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "../../../graph/errors.hpp"
#include "../limits.hpp"

namespace tapegrad::detail {
namespace {

[[noreturn]] void fail(const std::string& path, int error) {
  throw Error(fmt::format("cannot read '{}': {}", path, std::strerror(error)));
}

constexpr std::size_t kChunk = 1 << 16;

}  // namespace

InputFile::InputFile(const std::string& path) : path_(path) {
  if (path.empty()) throw Error("cannot read a file with an empty name");
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) fail(path, errno);
  struct stat status {};
  if (::fstat(fd_, &status) == 0 && S_ISREG(status.st_mode)) {
    regular_ = true;
    size_ = static_cast<std::uint64_t>(status.st_size);
  }
}

InputFile::~InputFile() {
  if (fd_ >= 0) ::close(fd_);
}

std::size_t InputFile::read_some(char* buffer, std::size_t size) {
  for (;;) {
    const ssize_t got = ::read(fd_, buffer, size);
    if (got >= 0) return static_cast<std::size_t>(got);
    if (errno != EINTR) fail(path_, errno);  // a folder opens but fails here with EISDIR
  }
}

std::size_t InputFile::append(std::string& out, std::uint64_t count) {
  std::uint64_t done = 0;
  char buffer[kChunk];
  while (done < count) {
    const std::size_t got =
        read_some(buffer, static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, count - done)));
    if (got == 0) break;
    out.append(buffer, got);
    done += got;
  }
  return static_cast<std::size_t>(done);
}

std::string read_capped(const std::string& path, std::uint64_t max_bytes, std::string_view what,
                        std::string_view variable, bool stop_at_nul) {
  InputFile file(path);
  const auto too_large = [&] {
    return Error(fmt::format("{}: the file is larger than {}, the limit for {}; set {} to raise it",
                             path, format_bytes(max_bytes), what, variable));
  };
  if (file.has_size() && file.size() > max_bytes) throw too_large();
  std::string bytes;
  char buffer[kChunk];
  while (const std::size_t got = file.read_some(buffer, sizeof buffer)) {
    if (bytes.size() + got > max_bytes) throw too_large();
    bytes.append(buffer, got);
    if (stop_at_nul && std::memchr(buffer, '\0', got) != nullptr) break;
  }
  return bytes;
}

}  // namespace tapegrad::detail
