// tools/output_paths.hpp: each output is tried the way it will be written - a temporary file is
// created beside it and removed again - so that every reason the final write could fail for
// (no folder, no permission, a read-only file system, a name too long) shows up now.
#include "output_paths.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include "graph/errors.hpp"
#include "models/io/atomic_file.hpp"

namespace tapegrad::tools {

namespace {

// What a path names: an existing file by device and inode; one not yet written by its folder's
// device and inode and its own name.
struct Identity {
  dev_t device = 0;
  ino_t inode = 0;
  std::string name;  // empty for an existing file

  friend bool operator==(const Identity&, const Identity&) = default;
};

std::string folder_of(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string name_of(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string kind_of(mode_t mode) {
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
  if (S_ISFIFO(mode)) return "a pipe";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

std::string display(std::string_view flag, std::string_view path) {
  return flag.empty() ? fmt::format("'{}'", path) : fmt::format("{} '{}'", flag, path);
}

// Creates and removes a temporary file as write_file_atomically would for `target`; throws Error
// saying why that is impossible.
void try_writing(std::string_view flag, const std::string& shown, const std::string& target) {
  std::string probe = temporary_pattern(target);
  const int fd = ::mkstemp(probe.data());
  if (fd >= 0) {
    ::close(fd);
    ::unlink(probe.c_str());
    return;
  }
  const int error = errno;
  const std::string folder = folder_of(target);
  struct stat status {};
  const bool folder_exists = ::stat(folder.c_str(), &status) == 0;
  if (error == ENOENT && !folder_exists)
    throw Error(
        fmt::format("{}: the folder '{}' does not exist", display(flag, shown), folder_of(shown)));
  if (error == ENOTDIR)
    throw Error(fmt::format("{}: '{}' is not a folder", display(flag, shown), folder_of(shown)));
  throw Error(fmt::format("{}: cannot create files in the folder '{}': {}", display(flag, shown),
                          folder, std::strerror(error)));
}

// Checks one output file and returns what it names.
Identity check_output_file(std::string_view flag, const std::string& path) {
  if (path.empty())
    throw Error(fmt::format("{}: the file name is empty", flag.empty() ? "output" : flag));
  std::string target;
  try {
    target = resolve_output_path(path);
  } catch (const Error& error) {
    throw Error(fmt::format("{}: {}", flag.empty() ? "output" : flag, error.what()));
  }
  struct stat existing {};
  if (::stat(target.c_str(), &existing) == 0) {
    if (S_ISDIR(existing.st_mode))
      throw Error(
          fmt::format("{} is a folder; give the name of a file to write", display(flag, path)));
    if (!S_ISREG(existing.st_mode))
      throw Error(fmt::format(
          "{} is {}; tapegrad replaces the files it writes whole, so it writes only regular "
          "files",
          display(flag, path), kind_of(existing.st_mode)));
    try_writing(flag, path, target);
    return {existing.st_dev, existing.st_ino, ""};
  }
  try_writing(flag, path, target);
  struct stat folder {};
  if (::stat(folder_of(target).c_str(), &folder) != 0)
    throw Error(fmt::format("{}: cannot inspect the folder '{}': {}", display(flag, path),
                            folder_of(target), std::strerror(errno)));
  return {folder.st_dev, folder.st_ino, name_of(target)};
}

void check_output_folder(std::string_view flag, const std::string& path) {
  if (path.empty()) throw Error(fmt::format("{}: the folder name is empty", flag));
  // The folder itself if it exists, else the nearest existing folder above it, where
  // create_directories will make it.
  std::string existing = path;
  struct stat status {};
  while (::stat(existing.c_str(), &status) != 0) {
    if (errno != ENOENT)
      throw Error(fmt::format("{}: cannot use '{}': {}", display(flag, path), existing,
                              std::strerror(errno)));
    const std::string parent = folder_of(existing);
    if (parent == existing) break;
    existing = parent;
  }
  if (!S_ISDIR(status.st_mode))
    throw Error(fmt::format("{}: '{}' is not a folder", display(flag, path), existing));
  try_writing(flag, path, existing + "/.tapegrad-probe");
}

std::optional<Identity> input_identity(const std::string& path) {
  struct stat status {};
  if (path.empty() || ::stat(path.c_str(), &status) != 0) return std::nullopt;
  return Identity{status.st_dev, status.st_ino, ""};
}

}  // namespace

void OutputPlan::input(std::string_view flag, std::string_view path) {
  inputs_.push_back({std::string(flag), std::string(path)});
}

void OutputPlan::output(std::string_view flag, std::string_view path, InputOverwrite overwrite) {
  outputs_.push_back({std::string(flag), std::string(path), overwrite});
}

void OutputPlan::output_folder(std::string_view flag, std::string_view path) {
  folders_.push_back({std::string(flag), std::string(path)});
}

void OutputPlan::check() const {
  std::vector<Identity> written;
  for (const Entry& output : outputs_) {
    const Identity identity = check_output_file(output.flag, output.path);
    for (std::size_t k = 0; k < written.size(); ++k)
      if (written[k] == identity)
        throw Error(fmt::format("{} and {} are the same file; each output needs a file of its own",
                                display(outputs_[k].flag, outputs_[k].path),
                                display(output.flag, output.path)));
    for (const Entry& input : inputs_) {
      if (input_identity(input.path) != identity) continue;
      if (output.overwrite == InputOverwrite::kAllow) continue;
      if (output.flag == "--out")
        throw Error(fmt::format(
            "{} is the same file as the input {}; to replace the input with the result, add "
            "--overwrite-input (it is replaced only if the run succeeds), or choose another "
            "file",
            display(output.flag, output.path), display(input.flag, input.path)));
      throw Error(fmt::format("{} is the same file as the input {}; {}, so choose another file",
                              display(output.flag, output.path), display(input.flag, input.path),
                              output.flag == "--checkpoint"
                                  ? "checkpoints are written during the run, and one that fails "
                                    "later would already have replaced its input"
                                  : "an input is never overwritten by another kind of file"));
    }
    written.push_back(identity);
  }
  for (const Entry& folder : folders_) check_output_folder(folder.flag, folder.path);
}

}  // namespace tapegrad::tools
