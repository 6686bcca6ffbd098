// tools/standard_streams.hpp.
#include "standard_streams.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>

namespace tapegrad::tools {

bool reserve_standard_streams() {
  bool stdout_open = true;
  for (int fd = 0; fd <= 2; ++fd) {
    if (::fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
    if (fd == 1) stdout_open = false;
    // open() returns the lowest free descriptor, which is this one.
    const int opened = ::open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
    if (opened != fd && opened >= 0) ::close(opened);
  }
  return stdout_open;
}

void print_error(std::string_view message) {
  const std::string line = "tapegrad: " + std::string(message) + "\n";
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
  std::clearerr(stderr);
}

bool report_failed() {
  return std::ferror(stdout) != 0 || !std::cout;
}

int finish_report(int status) {
  std::cout.flush();
  const bool flushed = std::fflush(stdout) == 0;
  const int error = errno;
  if (flushed && !report_failed()) return status;
  print_error(std::string("cannot write the report to standard output: ") +
              (flushed ? "a write failed" : std::strerror(error)));
  return kExitReportFailed;
}

}  // namespace tapegrad::tools
