// What data-parallel training (`tapegrad train --data-parallel`, under mpirun) needs from the
// processes it runs in: each process's rank among them, sums and broadcasts of arrays, and a way
// to stop them all. The MPI implementation (tools/mpi_collective.cpp) is built when CMake finds
// MPI; without it, make_mpi_collective() throws Error saying so.
#pragma once

#include <memory>
#include <span>
#include <string>

namespace tapegrad::tools {

class Collective {
 public:
  virtual ~Collective() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // Sums `values` element by element over the ranks, in place, in every rank.
  virtual void allreduce_sum(std::span<float> values) = 0;
  virtual void allreduce_sum(std::span<double> values) = 0;
  // Copies rank 0's `values` into every rank's.
  virtual void broadcast(std::span<float> values) = 0;
  virtual void broadcast(std::span<double> values) = 0;
  // Ends every rank of the job: prints "tapegrad: rank R: <message>" on stderr, then stops the
  // job with exit status `code`.
  [[noreturn]] virtual void abort(const std::string& message, int code) = 0;
};

// Joins the MPI job this process was started in (MPI_Init), or a job of one process when it was
// not started by mpirun. Throws Error if tapegrad was built without MPI.
std::unique_ptr<Collective> make_mpi_collective();

}  // namespace tapegrad::tools
