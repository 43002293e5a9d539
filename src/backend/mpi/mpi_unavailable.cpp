// Stands in for the MPI world and backend in a build without MPI (COLLBENCH_WITH_MPI=OFF): the
// factories say why they cannot run.
#include "backend/mpi/mpi_backend.hpp"
#include "backend/mpi/mpi_world.hpp"
#include "core/error.hpp"

namespace collbench::backend {

namespace mpi {

bool built_with_mpi() { return false; }

std::unique_ptr<measure::World> make_mpi_world(int*, char***) {
  throw core::InputError("this collbench was built without MPI (COLLBENCH_WITH_MPI=OFF): start it with torchrun, "
                         "srun --mpi=none or collbench launch, or build it with MPI for mpirun");
}

}  // namespace mpi

std::unique_ptr<Backend> make_mpi_backend(const measure::World&) {
  throw core::InputError("--backend mpi: this collbench was built without MPI (COLLBENCH_WITH_MPI=OFF); backends nccl "
                         "and model are available");
}

std::unique_ptr<Backend> make_mpi_backend(const measure::World& world, const std::map<std::string, std::string>&) {
  return make_mpi_backend(world);
}

}  // namespace collbench::backend
