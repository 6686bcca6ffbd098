// Writing a file so that readers see either the old contents or the new, never a torn mix: the
// bytes go to a temporary file in the target's folder, are flushed to disk, and the temporary is
// renamed over the target (rename is atomic within one file system). tapegrad writes every file
// this way.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace tapegrad {

// Replaces the file at `path` with `bytes`. On any failure the temporary file is removed, the
// old target (if any) is left as it was, and Error is thrown naming the file and the OS error.
// A symbolic link is followed: its final target is replaced and the link kept; a link to nothing
// and a target that is not a regular file (a folder, a device such as /dev/null) are refused.
void write_file_atomically(std::string_view path, std::string_view bytes);

// Several files replaced together: add() writes each one's temporary file (synced) at once,
// commit() renames them all over their targets. A failure before commit() - or destroying the
// object without it - removes the temporaries and leaves every target as it was, so a command
// that fails while writing its third output has not replaced the first two.
class StagedFiles {
 public:
  StagedFiles() = default;
  StagedFiles(const StagedFiles&) = delete;
  StagedFiles& operator=(const StagedFiles&) = delete;
  ~StagedFiles();

  void add(std::string_view path, std::string_view bytes);
  void commit();

 private:
  struct Staged {
    std::string target;     // symbolic links resolved
    std::string temporary;  // in the target's folder
    int slot;               // in the registry of temporaries removed on a signal, or -1
  };
  std::vector<Staged> staged_;
};

// The name of the file write_file_atomically(path) writes: `path` itself, or where a symbolic link
// leads. Throws Error for a link to nothing (or a loop of links).
std::string resolve_output_path(std::string_view path);

// The pattern (for mkstemp) of the temporary file for `target` (a resolved path): in the same
// folder, "<name>.tmp-<pid>.XXXXXX", with <name> shortened and tagged by a hash of the full name
// when that would not fit the file system's limit on a name's length (NAME_MAX).
std::string temporary_pattern(std::string_view target);

// Removes the temporary files that runs killed while writing `target` (SIGKILL, a power cut)
// left beside it: its siblings named like its temporaries whose process no longer runs, and those
// of tapegrad versions that did not put the process id in the name. write_file_atomically does
// this once per target and process. Returns the number removed.
std::size_t remove_stale_temporaries(std::string_view target);

// For programs: on SIGINT, SIGTERM or SIGHUP, remove the temporary files being written, then end
// by the same signal. A signal that was ignored when this is called stays ignored. (The library
// never installs handlers on its own.)
void remove_temporaries_on_signals();

}  // namespace tapegrad
