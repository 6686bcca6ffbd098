// Reading a whole input file (a model config, a data set) into memory, with an error that names
// the file and the operating system's reason. Internal to the library's readers.
#pragma once

#include <string>

namespace tapegrad::detail {

// The file's bytes. Throws Error "cannot read 'path': <reason>" if it cannot be opened or read
// (missing, a folder, no permission).
std::string read_whole_file(const std::string& path);

}  // namespace tapegrad::detail
