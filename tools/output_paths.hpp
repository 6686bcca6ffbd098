// The files a command will write, checked before it does any work: each one's folder exists and
// takes new files, and no output is the same file as another output or as an input (compared by
// device and inode, through symbolic links; a file not yet written by its folder's device and
// inode and its name). A long run then never fails at its end over a path that was wrong from
// the start, and never replaces what it reads.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tapegrad::tools {

// Whether an output may be the same file as an input: only the main result (--out) with
// --overwrite-input, since it is written once, at the end of a run that succeeded.
enum class InputOverwrite { kRefuse, kAllow };

class OutputPlan {
 public:
  // A file the command reads; one that does not exist is left for its reader to report.
  void input(std::string_view flag, std::string_view path);
  // A file the command writes whole (models/io/atomic_file.hpp).
  void output(std::string_view flag, std::string_view path,
              InputOverwrite overwrite = InputOverwrite::kRefuse);
  // A folder the command creates if needed and writes files into (dot --replay).
  void output_folder(std::string_view flag, std::string_view path);

  // Throws Error naming the flag and the path of the first problem.
  void check() const;

 private:
  struct Entry {
    std::string flag, path;
    InputOverwrite overwrite = InputOverwrite::kRefuse;
  };
  std::vector<Entry> inputs_, outputs_, folders_;
};

}  // namespace tapegrad::tools
