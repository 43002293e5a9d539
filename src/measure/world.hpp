#pragma once
// The job's ranks, as measurement needs them: rank, size, hosts, and the few cross-rank
// operations that merge samples and take decisions together (the control plane). Two kinds: an MPI
// world (mpirun, srun with PMI; measure/mpi_world.hpp) and an NCCL world (torchrun, Kubernetes,
// srun --mpi=none, collbench launch: a communicator of its own over NCCL's bootstrap;
// backend/nccl/nccl_world.hpp). No MPI, CUDA or NCCL type appears here.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace collbench::measure {

class World {
 public:
  virtual ~World() = default;
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  int rank() const { return m_rank; }
  int size() const { return m_size; }
  bool is_root() const { return m_rank == 0; }
  const std::string& host() const { return m_hosts[static_cast<std::size_t>(m_rank)]; }
  const std::vector<std::string>& hosts() const { return m_hosts; }  // by rank
  // This rank among the ranks sharing its node (MPI_COMM_TYPE_SHARED, or the launcher's
  // LOCAL_RANK / SLURM_LOCALID): one GPU each.
  int local_rank() const { return m_local_rank; }
  int local_size() const { return m_local_size; }
  // This world's rank `r` as a rank of the whole job.
  int job_rank(int r) const { return m_job_ranks[static_cast<std::size_t>(r)]; }
  const std::vector<int>& job_ranks() const { return m_job_ranks; }

  // The MPI library ("Open MPI v4.1.4 …"), or "" for a world without MPI.
  virtual std::string library_version() const = 0;
  // What carries the control plane, for the metadata: "mpi", "nccl", "none" (one rank).
  virtual std::string control_plane() const = 0;

  // The ranks of this world that pass the same `color` (collective over this world), as a world
  // of their own: ranks renumbered in order; hosts and node-local rank kept, so each rank keeps
  // its device. A negative color sits out: those ranks get nullptr.
  virtual std::unique_ptr<World> split(int color) const = 0;

  virtual void barrier() const = 0;
  virtual void max_in_place(std::span<double> values) const = 0;  // element-wise max over ranks
  virtual std::int64_t sum(std::int64_t value) const = 0;
  virtual void broadcast_bytes(void* data, std::size_t bytes) const = 0;  // from rank 0
  int broadcast(int value) const {  // from rank 0
    broadcast_bytes(&value, sizeof value);
    return value;
  }
  // Rank 0 receives every rank's string, by rank (other ranks get an empty vector).
  virtual std::vector<std::string> gather_strings(const std::string& mine) const = 0;
  // Rank 0 receives every rank's `mine` (same length on all ranks) concatenated by rank.
  virtual std::vector<double> gather(std::span<const double> mine) const = 0;
  // Ends this rank (and, where the launcher allows, the job) with `exit_code`.
  [[noreturn]] virtual void abort(int exit_code) const = 0;

 protected:
  World() = default;
  int m_rank = 0;
  int m_size = 1;
  int m_local_rank = 0;
  int m_local_size = 1;
  std::vector<std::string> m_hosts;
  std::vector<int> m_job_ranks;
};

// One process alone: every operation is local.
class SoloWorld final : public World {
 public:
  SoloWorld(std::string host, int local_rank = 0, int local_size = 1);
  std::string library_version() const override { return ""; }
  std::string control_plane() const override { return "none"; }
  std::unique_ptr<World> split(int color) const override;
  void barrier() const override {}
  void max_in_place(std::span<double>) const override {}
  std::int64_t sum(std::int64_t value) const override { return value; }
  void broadcast_bytes(void*, std::size_t) const override {}
  std::vector<std::string> gather_strings(const std::string& mine) const override { return {mine}; }
  std::vector<double> gather(std::span<const double> mine) const override { return {mine.begin(), mine.end()}; }
  [[noreturn]] void abort(int exit_code) const override;
};

// This machine's host name (gethostname).
std::string this_host();

// A fatal signal (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT) prints which rank and host crashed and
// exits 3, which the launcher (mpirun, srun, torchrun, collbench launch) passes on as the job's code.
void install_crash_handler(int rank, const std::string& host);

}  // namespace collbench::measure
