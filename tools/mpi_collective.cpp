// The Collective of tools/collective.hpp over MPI's world communicator.
#include <fmt/format.h>
#include <mpi.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "collective.hpp"
#include "graph/errors.hpp"

namespace tapegrad::tools {

namespace {

// MPI counts are int: larger arrays go in pieces.
constexpr std::size_t kPiece = static_cast<std::size_t>(std::numeric_limits<int>::max());

template <class T>
MPI_Datatype type_of() {
  return sizeof(T) == sizeof(double) ? MPI_DOUBLE : MPI_FLOAT;
}

void check(int status, const char* what) {
  if (status == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(status, text, &length);
  throw Error(fmt::format("{}: {}", what, std::string(text, static_cast<std::size_t>(length))));
}

class MpiCollective final : public Collective {
 public:
  MpiCollective() {
    int initialized = 0;
    MPI_Initialized(&initialized);
    if (!initialized) {
      check(MPI_Init(nullptr, nullptr), "MPI_Init");
      owns_ = true;
    }
    // Errors come back as status codes (checked above) instead of ending the process silently.
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
  }
  ~MpiCollective() override {
    if (owns_) MPI_Finalize();
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  void allreduce_sum(std::span<float> values) override { allreduce(values); }
  void allreduce_sum(std::span<double> values) override { allreduce(values); }
  void broadcast(std::span<float> values) override { bcast(values); }
  void broadcast(std::span<double> values) override { bcast(values); }
  [[noreturn]] void abort(const std::string& message, int code) override {
    std::fprintf(stderr, "tapegrad: rank %d: %s\n", rank_, message.c_str());
    std::fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, code);
    std::_Exit(code);  // MPI_Abort does not return; this is in case an implementation does
  }

 private:
  template <class T>
  void allreduce(std::span<T> values) {
    for (std::size_t at = 0; at < values.size(); at += kPiece) {
      const int n = static_cast<int>(std::min(kPiece, values.size() - at));
      check(
          MPI_Allreduce(MPI_IN_PLACE, values.data() + at, n, type_of<T>(), MPI_SUM, MPI_COMM_WORLD),
          "MPI_Allreduce");
    }
  }
  template <class T>
  void bcast(std::span<T> values) {
    for (std::size_t at = 0; at < values.size(); at += kPiece) {
      const int n = static_cast<int>(std::min(kPiece, values.size() - at));
      check(MPI_Bcast(values.data() + at, n, type_of<T>(), 0, MPI_COMM_WORLD), "MPI_Bcast");
    }
  }

  int rank_ = 0, size_ = 1;
  bool owns_ = false;
};

}  // namespace

std::unique_ptr<Collective> make_mpi_collective() {
  return std::make_unique<MpiCollective>();
}

}  // namespace tapegrad::tools
