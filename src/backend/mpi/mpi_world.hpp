#pragma once
// The MPI world: MPI_COMM_WORLD as mpirun or srun (PMI) started it, or an MPI singleton. No MPI
// type here; the MPI backend reaches the communicator through mpi_world_comm.hpp.
#include <memory>

#include "measure/world.hpp"

namespace collbench::backend::mpi {

// Whether this collbench was built with MPI (COLLBENCH_WITH_MPI).
bool built_with_mpi();
// MPI_Init_thread, then the world's ranks, hosts and node-local ranks (MPI_COMM_TYPE_SHARED).
// Throws core::RunError when MPI fails, core::InputError when built without MPI.
std::unique_ptr<measure::World> make_mpi_world(int* argc, char*** argv);

}  // namespace collbench::backend::mpi
