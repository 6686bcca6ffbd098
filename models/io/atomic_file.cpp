// models/io/atomic_file.hpp: temporary files beside their targets, renamed over them once complete,
// and the bookkeeping that keeps them from piling up: a registry that a signal handler empties,
// and a sweep for those of killed runs.
#include "atomic_file.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <set>
#include <string>

#include "../../graph/errors.hpp"

namespace tapegrad {
namespace {

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

// "dir/" and "name" of "dir/name"; "" and "name" for a bare name.
std::pair<std::string, std::string> split_path(std::string_view path) {
  const std::size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return {"", std::string(path)};
  return {std::string(path.substr(0, slash + 1)), std::string(path.substr(slash + 1))};
}

// Makes the rename itself durable. Best effort: the new contents are already in place.
void sync_folder(const std::string& folder) {
  const int fd = ::open(folder.empty() ? "." : folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

// ".tmp-" + a process id of up to 10 digits + "." + mkstemp's 6 characters: the room a
// temporary's suffix may need, whatever the process id.
constexpr std::size_t kSuffixRoom = 5 + 10 + 1 + 6;

std::size_t longest_name(const std::string& folder) {
  const long limit = ::pathconf(folder.empty() ? "." : folder.c_str(), _PC_NAME_MAX);
  return limit > 0 ? static_cast<std::size_t>(limit) : NAME_MAX;
}

// The part of a temporary's name before ".tmp-": the target's name, or, if that leaves no room
// for the suffix, its start and "~" and a hash of the whole name (FNV-1a), so that two long names
// with the same start still get different temporaries.
std::string temporary_stem(const std::string& folder, const std::string& name) {
  const std::size_t limit = longest_name(folder);
  if (name.size() + kSuffixRoom <= limit) return name;
  std::uint32_t hash = 2166136261u;
  for (unsigned char c : name) hash = (hash ^ c) * 16777619u;
  const std::string tag = fmt::format("~{:08x}", hash);
  std::size_t keep = limit > kSuffixRoom + tag.size() ? limit - kSuffixRoom - tag.size() : 0;
  while (keep > 0 && (static_cast<unsigned char>(name[keep]) & 0xC0) == 0x80) --keep;  // UTF-8
  return name.substr(0, keep) + tag;
}

// ---- Temporaries being written, for the signal handler ------------------------------------------
// Fixed slots of static storage, claimed and released with atomics: the handler may read them at
// any moment and must not allocate or lock.

enum SlotState : int { kFree = 0, kFilling = 1, kActive = 2 };
struct Slot {
  std::atomic<int> state{kFree};
  char path[PATH_MAX];
};
constexpr int kSlots = 32;
Slot slots[kSlots];
static_assert(std::atomic<int>::is_always_lock_free, "the signal handler needs lock-free atomics");

int register_temporary(const std::string& path) {
  if (path.size() >= PATH_MAX) return -1;  // not removed on a signal; the sweep will do it
  for (int i = 0; i < kSlots; ++i) {
    int expected = kFree;
    if (!slots[i].state.compare_exchange_strong(expected, kFilling)) continue;
    std::memcpy(slots[i].path, path.c_str(), path.size() + 1);
    slots[i].state.store(kActive);
    return i;
  }
  return -1;
}

void unregister_temporary(int slot) {
  if (slot >= 0) slots[slot].state.store(kFree);
}

extern "C" void remove_temporaries_and_die(int signal) {
  for (Slot& slot : slots)
    if (slot.state.load() == kActive) ::unlink(slot.path);
  // SA_RESETHAND restored the default action; the signal is delivered again once this returns.
  ::raise(signal);
}

// ---- Temporaries left by killed runs ------------------------------------------------------------

bool all_of(std::string_view text, int (*is)(int)) {
  for (char c : text)
    if (!is(static_cast<unsigned char>(c))) return false;
  return !text.empty();
}

// True if `rest` (what follows "<stem>.tmp-") names a temporary whose writer is gone.
bool is_stale(std::string_view rest, bool legacy_stem) {
  if (legacy_stem && rest.size() == 6 && all_of(rest, [](int c) { return std::isalnum(c); }))
    return true;  // "<name>.tmp-XXXXXX": written by a version without process ids in names
  const std::size_t dot = rest.find('.');
  if (dot == std::string_view::npos || dot > 10 || rest.size() != dot + 7) return false;
  const std::string_view pid = rest.substr(0, dot), random = rest.substr(dot + 1);
  if (!all_of(pid, [](int c) { return std::isdigit(c); }) ||
      !all_of(random, [](int c) { return std::isalnum(c); }))
    return false;
  const long long id = std::stoll(std::string(pid));
  if (id <= 0 || id > INT_MAX || id == ::getpid()) return false;
  return ::kill(static_cast<pid_t>(id), 0) != 0 && errno == ESRCH;
}

// Sweeps each target once per process: a checkpoint written every epoch scans its folder once.
void remove_stale_temporaries_once(const std::string& target) {
  static std::mutex mutex;
  static std::set<std::string> swept;
  {
    const std::lock_guard lock(mutex);
    if (!swept.insert(target).second) return;
  }
  remove_stale_temporaries(target);
}

}  // namespace

std::string resolve_output_path(std::string_view path_view) {
  const std::string path(path_view);
  struct stat link {};
  if (::lstat(path.c_str(), &link) != 0 || !S_ISLNK(link.st_mode)) return path;
  char* real = ::realpath(path.c_str(), nullptr);
  if (real == nullptr) {
    const int error = errno;
    std::string target(PATH_MAX, '\0');
    const ssize_t length = ::readlink(path.c_str(), target.data(), target.size());
    target.resize(length > 0 ? static_cast<std::size_t>(length) : 0);
    throw Error(fmt::format(
        "cannot write '{}': it is a symbolic link to '{}', which {}; give the path of a file to "
        "write, or remove the link",
        path, target,
        error == ENOENT ? "does not exist"
                        : fmt::format("cannot be followed ({})", std::strerror(error))));
  }
  std::string resolved(real);
  std::free(real);
  return resolved;
}

std::string temporary_pattern(std::string_view target) {
  const auto [folder, name] = split_path(target);
  return fmt::format("{}{}.tmp-{}.XXXXXX", folder, temporary_stem(folder, name), ::getpid());
}

std::size_t remove_stale_temporaries(std::string_view target) {
  const auto [folder, name] = split_path(target);
  const std::string stem = temporary_stem(folder, name) + ".tmp-";
  const std::string legacy = name + ".tmp-";
  DIR* listing = ::opendir(folder.empty() ? "." : folder.c_str());
  if (listing == nullptr) return 0;
  std::size_t removed = 0;
  while (const dirent* entry = ::readdir(listing)) {
    const std::string_view sibling = entry->d_name;
    const bool ours = sibling.starts_with(stem), old = sibling.starts_with(legacy);
    if (!ours && !old) continue;
    const std::string_view rest = sibling.substr((ours ? stem : legacy).size());
    if (is_stale(rest, old) && ::unlink((folder + std::string(sibling)).c_str()) == 0) ++removed;
  }
  ::closedir(listing);
  return removed;
}

void remove_temporaries_on_signals() {
  for (int signal : {SIGINT, SIGTERM, SIGHUP}) {
    struct sigaction current {};
    if (::sigaction(signal, nullptr, &current) != 0 || current.sa_handler == SIG_IGN) continue;
    struct sigaction action {};
    action.sa_handler = remove_temporaries_and_die;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESETHAND;
    ::sigaction(signal, &action, nullptr);
  }
}

// ---- StagedFiles --------------------------------------------------------------------------------

StagedFiles::~StagedFiles() {
  for (const Staged& file : staged_) {
    ::unlink(file.temporary.c_str());
    unregister_temporary(file.slot);
  }
}

void StagedFiles::add(std::string_view path, std::string_view bytes) {
  if (path.empty()) throw Error("cannot write a file with an empty name");
  const std::string target = resolve_output_path(path);
  struct stat existing {};
  const bool exists = ::stat(target.c_str(), &existing) == 0;
  if (exists && S_ISDIR(existing.st_mode))
    throw Error(fmt::format("cannot write '{}': it is a folder", path));
  if (exists && !S_ISREG(existing.st_mode))
    throw Error(fmt::format(
        "cannot write '{}': it is not a regular file (a device, pipe or socket), and tapegrad "
        "replaces the files it writes whole",
        path));
  remove_stale_temporaries_once(target);

  std::string temporary = temporary_pattern(target);
  const int fd = ::mkstemp(temporary.data());
  if (fd < 0) fail("creating a temporary file in its folder", path, errno);
  const int slot = register_temporary(temporary);
  // From here on, any failure removes the temporary file and leaves the target untouched.
  const auto abandon = [&](std::string_view what, int error, bool close) {
    if (close) ::close(fd);
    ::unlink(temporary.c_str());
    unregister_temporary(slot);
    fail(what, path, error);
  };
  if (const int error = write_all(fd, bytes); error != 0) abandon("write", error, true);
  // mkstemp creates the file with mode 0600: keep the target's mode if it exists, else use
  // 0644. (Reading the umask would mean setting it, which races with other threads.)
  const mode_t mode = exists ? existing.st_mode & 07777 : 0644;
  if (::fchmod(fd, mode) != 0) abandon("chmod", errno, true);
  if (::fsync(fd) != 0) abandon("fsync", errno, true);
  if (::close(fd) != 0) abandon("close", errno, false);
  staged_.push_back({target, std::move(temporary), slot});
}

void StagedFiles::commit() {
  std::set<std::string> folders;
  while (!staged_.empty()) {
    const Staged& file = staged_.front();
    if (::rename(file.temporary.c_str(), file.target.c_str()) != 0)
      fail("rename over the target", file.target, errno);  // the destructor removes the rest
    unregister_temporary(file.slot);
    folders.insert(split_path(file.target).first);
    staged_.erase(staged_.begin());
  }
  for (const std::string& folder : folders) sync_folder(folder);
}

void write_file_atomically(std::string_view path, std::string_view bytes) {
  StagedFiles file;
  file.add(path, bytes);
  file.commit();
}

}  // namespace tapegrad
