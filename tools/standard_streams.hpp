// The command's own output: its report on stdout and its errors on stderr. Either may be closed
// or unwritable (`>&-`, `2>/dev/full`, a reader that went away); the command then ends with exit
// status 3 (the report) or its own status (an error message that could not be shown), never with
// an abort or a report silently lost.
#pragma once

#include <string_view>

namespace tapegrad::tools {

// The exit statuses of `tapegrad`: 0 success; 1 a check failed (gradcheck, explain, an anomaly
// found by --detect-anomaly); 2 bad input or a file that could not be read or written; 3 the
// report could not be written to standard output.
inline constexpr int kExitReportFailed = 3;

// Gives file descriptors 0, 1 and 2 /dev/null if they are closed, so that no file the command
// opens takes their place (its report would then be written into, say, the weights). Returns
// false if standard output was closed.
bool reserve_standard_streams();

// "tapegrad: <message>" on stderr, bytes that are not UTF-8 as \xNN; never throws, whatever
// stderr is.
void print_error(std::string_view message);

// True if a write to stdout has failed so far.
bool report_failed();

// Flushes stdout; if the report could not be written, says so on stderr and returns 3, else
// `status`.
int finish_report(int status);

}  // namespace tapegrad::tools
