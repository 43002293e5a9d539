#include "measure/world.hpp"

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>

#include <cstdlib>
#include <string>

#include "backend/mpi/mpi_types.hpp"
#include "core/error.hpp"

namespace collbench::measure {

World::World(int* argc, char*** argv) {
  int provided = 0;
  CHECK_MPI(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided));
  CHECK_MPI(MPI_Comm_dup(MPI_COMM_WORLD, &m_comm));
  MPI_Comm_set_errhandler(m_comm, MPI_ERRORS_RETURN);
  CHECK_MPI(MPI_Comm_rank(m_comm, &m_rank));
  CHECK_MPI(MPI_Comm_size(m_comm, &m_size));
  char name[256] = {};
  gethostname(name, sizeof(name) - 1);
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

World::~World() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (finalized) return;
  MPI_Comm_free(&m_comm);
  if (m_owns_mpi) MPI_Finalize();
}

std::unique_ptr<World> World::split(int color) const {
  std::unique_ptr<World> sub(new World());
  sub->m_owns_mpi = false;
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

std::string World::library_version() const { return backend::mpi::library_version(); }

void World::barrier() const { CHECK_MPI(MPI_Barrier(m_comm)); }

void World::max_in_place(std::span<double> values) const {
  CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, values.data(), static_cast<int>(values.size()), MPI_DOUBLE,
                          MPI_MAX, m_comm));
}

std::int64_t World::sum(std::int64_t value) const {
  std::int64_t total = 0;
  CHECK_MPI(MPI_Allreduce(&value, &total, 1, MPI_INT64_T, MPI_SUM, m_comm));
  return total;
}

int World::broadcast(int value) const {
  CHECK_MPI(MPI_Bcast(&value, 1, MPI_INT, 0, m_comm));
  return value;
}

void World::broadcast_bytes(void* data, std::size_t bytes) const {
  CHECK_MPI(MPI_Bcast(data, static_cast<int>(bytes), MPI_BYTE, 0, m_comm));
}

std::vector<std::string> World::gather_strings(const std::string& mine) const {
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
  for (std::size_t r = 0; r < lens.size(); ++r)
    out.emplace_back(all.data() + offsets[r], static_cast<std::size_t>(lens[r]));
  return out;
}

std::vector<double> World::gather(std::span<const double> mine) const {
  std::vector<double> all(m_rank == 0 ? mine.size() * static_cast<std::size_t>(m_size) : 0);
  const int n = static_cast<int>(mine.size());
  CHECK_MPI(MPI_Gather(mine.data(), n, MPI_DOUBLE, all.data(), n, MPI_DOUBLE, 0, m_comm));
  return all;
}

void World::abort(int exit_code) const { MPI_Abort(MPI_COMM_WORLD, exit_code); std::_Exit(exit_code); }

namespace {
char g_crash_prefix[512];

extern "C" void on_fatal_signal(int sig) {
  char msg[600];
  const int n = std::snprintf(msg, sizeof(msg), "%s crashed with signal %d (%s); exit 3\n", g_crash_prefix, sig,
                              sig == SIGSEGV ? "SIGSEGV" : sig == SIGABRT ? "SIGABRT" : sig == SIGBUS ? "SIGBUS" : "fatal");
  if (n > 0) (void)!write(STDERR_FILENO, msg, static_cast<std::size_t>(n));
  _exit(static_cast<int>(core::ExitCode::run_failed));
}
}  // namespace

void install_crash_handler(int rank, const std::string& host) {
  std::snprintf(g_crash_prefix, sizeof(g_crash_prefix), "collbench: rank %d on %s:", rank, host.c_str());
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) std::signal(sig, on_fatal_signal);
}

}  // namespace collbench::measure
