#include "backend/mpi/mpi_world.hpp"

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "backend/mpi/mpi_t.hpp"
#include "backend/mpi/mpi_types.hpp"
#include "backend/mpi/mpi_world_comm.hpp"
#include "core/error.hpp"

namespace collbench::backend::mpi {

namespace {

#define CHECK_MPI(call) check_mpi((call), #call " at " __FILE__ ":" COLLBENCH_STR(__LINE__))
#define COLLBENCH_STR2(x) #x
#define COLLBENCH_STR(x) COLLBENCH_STR2(x)

class MpiWorld final : public measure::World {
 public:
  MpiWorld(int* argc, char*** argv) {
    int provided = 0;
    CHECK_MPI(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided));
    CHECK_MPI(MPI_Comm_dup(MPI_COMM_WORLD, &m_comm));
    MPI_Comm_set_errhandler(m_comm, MPI_ERRORS_RETURN);
    CHECK_MPI(MPI_Comm_rank(m_comm, &m_rank));
    CHECK_MPI(MPI_Comm_size(m_comm, &m_size));
    char name[256] = {};
    const std::string host = measure::this_host();
    host.copy(name, sizeof(name) - 1);
    std::vector<char> all(static_cast<std::size_t>(m_size) * sizeof(name));
    CHECK_MPI(MPI_Allgather(name, sizeof(name), MPI_CHAR, all.data(), sizeof(name), MPI_CHAR, m_comm));
    for (int r = 0; r < m_size; ++r) m_hosts.emplace_back(all.data() + static_cast<std::size_t>(r) * sizeof(name));
    MPI_Comm local = MPI_COMM_NULL;
    CHECK_MPI(MPI_Comm_split_type(m_comm, MPI_COMM_TYPE_SHARED, m_rank, MPI_INFO_NULL, &local));
    CHECK_MPI(MPI_Comm_rank(local, &m_local_rank));
    CHECK_MPI(MPI_Comm_size(local, &m_local_size));
    MPI_Comm_free(&local);
    for (int r = 0; r < m_size; ++r) m_job_ranks.push_back(r);
  }
  ~MpiWorld() override {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (finalized) return;
    MPI_Comm_free(&m_comm);
    if (m_owns_mpi) {
      mpi::finish_mpi_t();
      MPI_Finalize();
    }
  }

  MPI_Comm comm() const { return m_comm; }
  std::string library_version() const override { return mpi::library_version(); }
  std::string control_plane() const override { return "mpi"; }

  std::unique_ptr<measure::World> split(int color) const override {
    std::unique_ptr<MpiWorld> sub(new MpiWorld());
    CHECK_MPI(MPI_Comm_split(m_comm, color < 0 ? MPI_UNDEFINED : color, m_rank, &sub->m_comm));
    // Every rank of this world learns every rank's color, so each part knows its members in order.
    std::vector<int> colors(static_cast<std::size_t>(m_size));
    CHECK_MPI(MPI_Allgather(&color, 1, MPI_INT, colors.data(), 1, MPI_INT, m_comm));
    if (color < 0) return nullptr;
    MPI_Comm_set_errhandler(sub->m_comm, MPI_ERRORS_RETURN);
    CHECK_MPI(MPI_Comm_rank(sub->m_comm, &sub->m_rank));
    CHECK_MPI(MPI_Comm_size(sub->m_comm, &sub->m_size));
    for (int r = 0; r < m_size; ++r) {
      if (colors[static_cast<std::size_t>(r)] != color) continue;
      sub->m_job_ranks.push_back(m_job_ranks[static_cast<std::size_t>(r)]);
      sub->m_hosts.push_back(m_hosts[static_cast<std::size_t>(r)]);
    }
    sub->m_local_rank = m_local_rank;
    sub->m_local_size = m_local_size;
    return sub;
  }

  void barrier() const override { CHECK_MPI(MPI_Barrier(m_comm)); }
  void max_in_place(std::span<double> values) const override {
    CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, values.data(), static_cast<int>(values.size()), MPI_DOUBLE, MPI_MAX, m_comm));
  }
  std::int64_t sum(std::int64_t value) const override {
    std::int64_t total = 0;
    CHECK_MPI(MPI_Allreduce(&value, &total, 1, MPI_INT64_T, MPI_SUM, m_comm));
    return total;
  }
  void broadcast_bytes(void* data, std::size_t bytes) const override {
    CHECK_MPI(MPI_Bcast(data, static_cast<int>(bytes), MPI_BYTE, 0, m_comm));
  }
  std::vector<std::string> gather_strings(const std::string& mine) const override {
    const int len = static_cast<int>(mine.size());
    std::vector<int> lens(static_cast<std::size_t>(m_size));
    CHECK_MPI(MPI_Gather(&len, 1, MPI_INT, lens.data(), 1, MPI_INT, 0, m_comm));
    std::vector<int> offsets(static_cast<std::size_t>(m_size), 0);
    int total = 0;
    for (std::size_t r = 0; r < lens.size() && m_rank == 0; ++r) {
      offsets[r] = total;
      total += lens[r];
    }
    std::vector<char> all(static_cast<std::size_t>(std::max(total, 1)));
    CHECK_MPI(MPI_Gatherv(mine.data(), len, MPI_CHAR, all.data(), lens.data(), offsets.data(), MPI_CHAR, 0, m_comm));
    std::vector<std::string> out;
    if (m_rank != 0) return out;
    for (std::size_t r = 0; r < lens.size(); ++r) out.emplace_back(all.data() + offsets[r], static_cast<std::size_t>(lens[r]));
    return out;
  }
  std::vector<double> gather(std::span<const double> mine) const override {
    std::vector<double> all(m_rank == 0 ? mine.size() * static_cast<std::size_t>(m_size) : 0);
    const int n = static_cast<int>(mine.size());
    CHECK_MPI(MPI_Gather(mine.data(), n, MPI_DOUBLE, all.data(), n, MPI_DOUBLE, 0, m_comm));
    return all;
  }
  [[noreturn]] void abort(int exit_code) const override {
    MPI_Abort(MPI_COMM_WORLD, exit_code);
    std::_Exit(exit_code);
  }

 private:
  MpiWorld() : m_owns_mpi(false) {}
  bool m_owns_mpi = true;
  MPI_Comm m_comm = MPI_COMM_NULL;
};

}  // namespace

bool built_with_mpi() { return true; }

std::unique_ptr<measure::World> make_mpi_world(int* argc, char*** argv) { return std::make_unique<MpiWorld>(argc, argv); }

MPI_Comm world_comm(const measure::World& world) {
  if (const auto* w = dynamic_cast<const MpiWorld*>(&world)) return w->comm();
  throw core::InputError("--backend mpi: this job was not started by an MPI launcher (mpirun, srun --mpi=pmix); its "
                         "ranks talk over " + world.control_plane() + ", and the mpi backend needs MPI");
}

}  // namespace collbench::backend::mpi
