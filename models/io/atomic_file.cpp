#include "atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "../../graph/errors.hpp"

namespace tapegrad {
namespace {

// The temporary file's name pattern: "<target>.tmp-XXXXXX" in the same folder, so that the
// final rename never crosses file systems.
std::string temporary_pattern(std::string_view path) {
  return fmt::format("{}.tmp-XXXXXX", path);
}

[[noreturn]] void fail(std::string_view what, std::string_view path, int error) {
  throw Error(fmt::format("cannot write '{}': {} failed: {}", path, what, std::strerror(error)));
}

// Writes all of `bytes` to `fd`, retrying short writes and interrupted calls; returns 0 or errno.
int write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t written = ::write(fd, bytes.data(), bytes.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    bytes.remove_prefix(static_cast<std::size_t>(written));
  }
  return 0;
}

// Makes the rename itself durable. Best effort: the new contents are already in place.
void sync_folder(std::string_view path) {
  const std::size_t slash = path.rfind('/');
  const std::string folder =
      slash == std::string_view::npos ? "." : std::string(path.substr(0, slash + 1));
  const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

void write_file_atomically(std::string_view path, std::string_view bytes) {
  if (path.empty()) throw Error("write_file_atomically: the file name is empty");
  std::string temporary = temporary_pattern(path);
  const int fd = ::mkstemp(temporary.data());
  if (fd < 0) fail("creating a temporary file in its folder", path, errno);

  // From here on, any failure removes the temporary file and leaves the target untouched.
  const auto abandon = [&](std::string_view what, int error) {
    ::close(fd);
    ::unlink(temporary.c_str());
    fail(what, path, error);
  };
  if (const int error = write_all(fd, bytes); error != 0) abandon("write", error);
  // mkstemp creates the file with mode 0600: keep the target's mode if it exists, else use
  // 0644. (Reading the umask would mean setting it, which races with other threads.)
  struct stat target {};
  const mode_t mode =
      ::stat(std::string(path).c_str(), &target) == 0 ? target.st_mode & 07777 : 0644;
  if (::fchmod(fd, mode) != 0) abandon("chmod", errno);
  if (::fsync(fd) != 0) abandon("fsync", errno);
  if (::close(fd) != 0) {
    const int error = errno;
    ::unlink(temporary.c_str());
    fail("close", path, error);
  }
  if (::rename(temporary.c_str(), std::string(path).c_str()) != 0) {
    const int error = errno;
    ::unlink(temporary.c_str());
    fail("rename over the target", path, error);
  }
  sync_folder(path);
}

}  // namespace tapegrad
