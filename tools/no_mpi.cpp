// tools/collective.hpp in a build without MPI: data-parallel training is refused with a message.
#include "collective.hpp"
#include "graph/errors.hpp"

namespace tapegrad::tools {

std::unique_ptr<Collective> make_mpi_collective() {
  throw Error(
      "train: --data-parallel needs a tapegrad built with MPI (install libopenmpi-dev, as "
      "scripts/install-deps.sh does, and configure again)");
}

}  // namespace tapegrad::tools
