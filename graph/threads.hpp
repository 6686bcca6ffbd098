// How many threads tapegrad's matrix products may use. One number for the whole process, read
// by every thread that runs steps: products large enough to pay for splitting (at least
// kParallelGemmVolume multiply-adds) run on that many threads, every smaller one on the calling
// thread alone. The default is the TAPEGRAD_NUM_THREADS environment variable, else the first
// number of OMP_NUM_THREADS, else the machine's cores (std::thread::hardware_concurrency).
//
// Results are deterministic for a given thread count: the same inputs give the same bits, run
// after run; a different count may split a product's sums differently and so change the last
// bits of float results.
//
// The products run on oneDNN (float) and OpenBLAS (double; and float where tapegrad was built
// with TAPEGRAD_GEMM=blas); tapegrad's own elementwise loops stay on the calling thread
// (bench/RESULTS.md: they are a few percent of the largest steps measured).
#pragma once

#include <cstddef>

namespace tapegrad {

// Sets the count (n ≥ 1; throws std::invalid_argument otherwise). Safe to call from any thread;
// products that have started keep the count they started with.
void set_num_threads(int n);

// The count in force. The first call reads the environment; a malformed value there (not a
// whole number from 1 to 1024) throws std::invalid_argument naming the variable.
int get_num_threads();

// Products with fewer multiply-adds than this (m·n·k) run on one thread: below it, waking a
// second thread costs more than it saves (bench/RESULTS.md, "Threads").
namespace detail {
// The count the environment asks for, read afresh (get_num_threads reads it once); throws as
// get_num_threads does.
int threads_from_environment();
}  // namespace detail

inline constexpr std::size_t kParallelGemmVolume = std::size_t{1} << 22;

}  // namespace tapegrad
