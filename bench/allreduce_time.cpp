// The cost of one MPI_Allreduce (sum) of n floats between the ranks of this job, apart from any
// waiting: a barrier lines the ranks up before each timed call. Prints the median over 2000
// calls, after 200 untimed ones, for the sizes given (default: the 64-256-1 model's 16,897
// parameters, and 2^20, one full bucket of data-parallel training).
//
//   mpirun -np 2 build/bench/tapegrad_allreduce_time [n ...]
#include <mpi.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, ranks = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  std::vector<long> sizes;
  for (int i = 1; i < argc; ++i) sizes.push_back(std::atol(argv[i]));
  if (sizes.empty()) sizes = {16897, 1 << 20};
  for (const long n : sizes) {
    std::vector<float> values(static_cast<std::size_t>(n), 1.0f);
    std::vector<double> seconds;
    for (int call = 0; call < 2200; ++call) {
      std::fill(values.begin(), values.end(), 1.0f);  // sums would double each call otherwise
      MPI_Barrier(MPI_COMM_WORLD);
      const double start = MPI_Wtime();
      MPI_Allreduce(MPI_IN_PLACE, values.data(), static_cast<int>(n), MPI_FLOAT, MPI_SUM,
                    MPI_COMM_WORLD);
      if (call >= 200) seconds.push_back(MPI_Wtime() - start);
    }
    std::nth_element(seconds.begin(), seconds.begin() + 1000, seconds.end());
    if (rank == 0)
      std::printf("allreduce of %ld floats over %d ranks: median %.1f us\n", n, ranks,
                  seconds[1000] * 1e6);
  }
  MPI_Finalize();
  return 0;
}
