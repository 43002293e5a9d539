#pragma once
// The job's ranks, as measurement needs them: rank, size, hosts, and the few cross-rank
// reductions that merge samples. A thin layer over MPI_COMM_WORLD (every backend is launched by
// mpirun or srun; NCCL is bootstrapped over it too).
#include <mpi.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "backend/mpi/mpi_types.hpp"

namespace collbench::measure {

// Throws core::RunError naming the call, its file:line and MPI's message.
#define CHECK_MPI(call) ::collbench::backend::mpi::check_mpi((call), #call " at " __FILE__ ":" COLLBENCH_STR(__LINE__))
#define COLLBENCH_STR2(x) #x
#define COLLBENCH_STR(x) COLLBENCH_STR2(x)

class World {
 public:
  World(int* argc, char*** argv);
  ~World();
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  MPI_Comm comm() const { return m_comm; }
  int rank() const { return m_rank; }
  int size() const { return m_size; }
  bool is_root() const { return m_rank == 0; }
  const std::string& host() const { return m_hosts[static_cast<std::size_t>(m_rank)]; }
  const std::vector<std::string>& hosts() const { return m_hosts; }  // by rank
  // This rank among the ranks sharing its node (MPI_COMM_TYPE_SHARED): one GPU each.
  int local_rank() const { return m_local_rank; }
  int local_size() const { return m_local_size; }
  std::string library_version() const;

  // The ranks of this world that pass the same `color` (MPI_Comm_split, collective over this
  // world), as a world of their own: ranks renumbered in order; hosts and node-local rank kept, so
  // each rank keeps its device. Finalizes nothing when destroyed. A negative color sits out:
  // those ranks get nullptr.
  std::unique_ptr<World> split(int color) const;
  // This world's rank `r` as a rank of the whole job.
  int job_rank(int r) const { return m_job_ranks[static_cast<std::size_t>(r)]; }
  const std::vector<int>& job_ranks() const { return m_job_ranks; }

  void barrier() const;
  void max_in_place(std::span<double> values) const;  // element-wise max over ranks
  std::int64_t sum(std::int64_t value) const;
  int broadcast(int value) const;                     // from rank 0
  void broadcast_bytes(void* data, std::size_t bytes) const;  // from rank 0
  // Rank 0 receives every rank's string, by rank (other ranks get an empty vector).
  std::vector<std::string> gather_strings(const std::string& mine) const;
  // Rank 0 receives every rank's `mine` (same length on all ranks) concatenated by rank.
  std::vector<double> gather(std::span<const double> mine) const;
  [[noreturn]] void abort(int exit_code) const;

 private:
  World() = default;
  bool m_owns_mpi = true;
  std::vector<int> m_job_ranks;
  MPI_Comm m_comm = MPI_COMM_NULL;
  int m_rank = 0;
  int m_size = 1;
  int m_local_rank = 0;
  int m_local_size = 1;
  std::vector<std::string> m_hosts;
};

// After MPI_Init: a fatal signal (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT) prints which rank and
// host crashed and exits 3, which mpirun/srun pass on as the job's exit code.
void install_crash_handler(int rank, const std::string& host);

}  // namespace collbench::measure
