#pragma once
// The host backend: host buffers and MPI collectives, timed on the host clock. Open MPI's tuned
// component is its "algorithm" knob (../shared/reference/ompi-tuned.md), read at MPI_Init.
#include <memory>

#include "backend/backend.hpp"
#include "measure/world.hpp"

namespace collbench::backend {

// The MPI backend over an MPI world's communicator. Throws core::InputError for a world without
// MPI (torchrun, srun --mpi=none, collbench launch) or a build without MPI.
std::unique_ptr<Backend> make_mpi_backend(const measure::World& world);

}  // namespace collbench::backend
