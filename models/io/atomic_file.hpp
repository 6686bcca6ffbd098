// Writing a file so that readers see either the old contents or the new, never a torn mix: the
// bytes go to a temporary file in the target's folder, are flushed to disk, and the temporary is
// renamed over the target (rename is atomic within one file system). tapegrad writes every file
// this way.
#pragma once

#include <string_view>

namespace tapegrad {

// Replaces the file at `path` with `bytes`. On any failure the temporary file is removed, the
// old target (if any) is left as it was, and Error is thrown naming the file and the OS error.
void write_file_atomically(std::string_view path, std::string_view bytes);

}  // namespace tapegrad
