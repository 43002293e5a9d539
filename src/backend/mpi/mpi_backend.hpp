#pragma once
// The host backend: host buffers and MPI collectives, timed on the host clock. Open MPI's tuned
// component is its "algorithm" knob (../shared/reference/ompi-tuned.md), read at MPI_Init.
#include <mpi.h>

#include <memory>

#include "backend/backend.hpp"

namespace collbench::backend {

std::unique_ptr<Backend> make_mpi_backend(MPI_Comm comm);

}  // namespace collbench::backend
