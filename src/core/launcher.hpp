#pragma once
// What the launcher (mpirun, srun) tells a process before MPI_Init: its rank, from the
// environment. Used to let one process speak for all when arguments are rejected.
namespace collbench::core {

// OMPI_COMM_WORLD_RANK, PMIX_RANK, PMI_RANK or SLURM_PROCID; -1 when none is set.
int launcher_rank();

}  // namespace collbench::core
