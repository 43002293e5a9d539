#pragma once
// The communicator of an MPI world, for the MPI backend. Included only inside src/backend/mpi/.
#include <mpi.h>

#include "measure/world.hpp"

namespace collbench::backend::mpi {

// The world's communicator; throws core::InputError when `world` is not an MPI world.
MPI_Comm world_comm(const measure::World& world);

}  // namespace collbench::backend::mpi
