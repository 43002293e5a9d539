#pragma once
// Open MPI's coll/tuned settings chosen per communicator through MPI_T control variables
// (../shared/reference/ompi-mpit.md): with OMPI_MCA_coll_tuned_use_dynamic_rules=1 in every rank's
// environment at launch, a communicator made by MPI_Comm_dup after MPI_T_cvar_write uses the written
// algorithm (segment size, fanout); communicators made earlier keep theirs. tuned reads the values
// when it enables its module on the new communicator (coll_tuned_module.c,
// ompi_coll_tuned_forced_getvalues), so the writes are undone right after the dup.
// Included only inside src/backend/mpi/ and by the MPI tests: it carries mpi.h.
#include <mpi.h>

#include <map>
#include <string>

namespace collbench::backend::mpi {

// name (e.g. "coll_tuned_allreduce_algorithm") -> integer value as text.
using ControlSettings = std::map<std::string, std::string>;

// A duplicate of `parent` made while `settings` are written (on this rank; every rank of `parent`
// calls it with the same settings, as MPI_Comm_dup is collective). Each variable gets its value
// from before the call back afterwards. Throws core::InputError for a variable this Open MPI does
// not have, one that is not writeable, or a value that is not an integer; core::RunError when MPI_T
// refuses a write.
MPI_Comm configured_dup(MPI_Comm parent, const ControlSettings& settings);

// Ends collbench's use of MPI_T (kept open from the first configured dup on, as its start costs
// about a quarter of a second): the MPI world calls it before MPI_Finalize. Open MPI's PML
// monitoring, for one, prints nothing at MPI_Finalize while MPI_T is in use.
void finish_mpi_t();

}  // namespace collbench::backend::mpi
