#include "read_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

#include "../../../graph/errors.hpp"

namespace tapegrad::detail {
namespace {

[[noreturn]] void fail(const std::string& path, int error) {
  throw Error(fmt::format("cannot read '{}': {}", path, std::strerror(error)));
}

}  // namespace

std::string read_whole_file(const std::string& path) {
  if (path.empty()) throw Error("cannot read a file with an empty name");
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(path, errno);
  std::string bytes;
  char buffer[1 << 16];
  for (;;) {
    const ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got == 0) break;
    if (got < 0) {
      if (errno == EINTR) continue;
      const int error = errno;  // a folder opens but fails here with EISDIR
      ::close(fd);
      fail(path, error);
    }
    bytes.append(buffer, static_cast<std::size_t>(got));
  }
  ::close(fd);
  return bytes;
}

}  // namespace tapegrad::detail
