#pragma once
// The host backend: host buffers and MPI collectives, timed on the host clock. Open MPI's tuned
// component is its "algorithm" knob (../shared/reference/ompi-tuned.md), chosen per communicator
// through MPI_T control variables (../shared/reference/ompi-mpit.md).
#include <map>
#include <memory>
#include <string>

#include "backend/backend.hpp"
#include "measure/world.hpp"

namespace collbench::backend {

// The MPI backend over an MPI world's communicator. Throws core::InputError for a world without
// MPI (torchrun, srun --mpi=none, collbench launch) or a build without MPI.
std::unique_ptr<Backend> make_mpi_backend(const measure::World& world);
// The same, its communicator configured with Open MPI control variables (name -> integer value,
// e.g. coll_tuned_allreduce_algorithm=4), written through MPI_T around its MPI_Comm_dup and
// restored after: later communicators keep the process's values. Collective over the world. Throws
// core::InputError for an unknown or read-only variable, or coll_tuned settings in a process
// launched without OMPI_MCA_coll_tuned_use_dynamic_rules=1 (Open MPI would ignore them).
std::unique_ptr<Backend> make_mpi_backend(const measure::World& world, const std::map<std::string, std::string>& mpi_t);

}  // namespace collbench::backend
