// Test helper for the MPI_T scope test (test_mpit_scope.cpp), after ../shared/reference/ompi-mpit.md:
// runs one collective once on a communicator and prints, on rank 0, the FNV-1a hash of the result
// bits. `env` mode dups MPI_COMM_WORLD plainly (the settings came in the launch environment);
// `mpit` mode dups it through collbench's own backend::mpi::configured_dup with the settings.
// Launched with Open MPI's PML monitoring (pml_monitoring_enable=2, enable_output=1), each rank
// also prints at MPI_Finalize the collective-internal messages it sent to each peer: which
// algorithm ran shows in them even where the result bits cannot (gathers, broadcasts).
//
//   mpit_probe env|mpit COLLECTIVE COUNT [name=value ...]
#include <mpi.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "backend/mpi/mpi_t.hpp"
#include "core/error.hpp"

namespace {

std::uint64_t fnv1a(const void* data, std::size_t bytes) {
  const auto* p = static_cast<const unsigned char*>(data);
  std::uint64_t h = 1469598103934665603ull;
  for (std::size_t i = 0; i < bytes; ++i) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

int run(MPI_Comm comm, const std::string& coll, int count) {
  int rank = 0, size = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  // Values spanning 2^-20..2^20 with random signs: a reduction's bits depend on its order.
  std::mt19937 gen(static_cast<unsigned>(1234 + rank));
  std::uniform_real_distribution<float> expo(-20.0f, 20.0f);
  std::vector<float> send(static_cast<std::size_t>(count) * static_cast<std::size_t>(size));
  for (float& v : send) v = std::ldexp(1.0f + expo(gen) / 64.0f, static_cast<int>(expo(gen))) * (gen() % 2 ? 1.0f : -1.0f);
  std::vector<float> recv(send.size(), 0.0f);
  int rc = MPI_SUCCESS;
  std::size_t result = static_cast<std::size_t>(count);
  if (coll == "allreduce") rc = MPI_Allreduce(send.data(), recv.data(), count, MPI_FLOAT, MPI_SUM, comm);
  else if (coll == "allgather") rc = MPI_Allgather(send.data(), count, MPI_FLOAT, recv.data(), count, MPI_FLOAT, comm), result = recv.size();
  else if (coll == "reducescatter") rc = MPI_Reduce_scatter_block(send.data(), recv.data(), count, MPI_FLOAT, MPI_SUM, comm);
  else if (coll == "alltoall") rc = MPI_Alltoall(send.data(), count, MPI_FLOAT, recv.data(), count, MPI_FLOAT, comm), result = recv.size();
  else if (coll == "broadcast") rc = MPI_Bcast(send.data(), count, MPI_FLOAT, 0, comm), recv = send;
  else if (coll == "reduce") rc = MPI_Reduce(send.data(), recv.data(), count, MPI_FLOAT, MPI_SUM, 0, comm);
  else return 2;
  if (rc != MPI_SUCCESS) {
    std::printf("probe: %s failed (%d)\n", coll.c_str(), rc);
    return 3;
  }
  if (rank == 0) std::printf("hash %016llx\n", static_cast<unsigned long long>(fnv1a(recv.data(), result * sizeof(float))));
  std::fflush(stdout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) return 2;
  MPI_Init(&argc, &argv);
  collbench::backend::mpi::ControlSettings settings;
  for (int i = 4; i < argc; ++i) {
    const std::string a = argv[i];
    settings[a.substr(0, a.find('='))] = a.substr(a.find('=') + 1);
  }
  int code = 0;
  try {
    MPI_Comm comm = collbench::backend::mpi::configured_dup(MPI_COMM_WORLD, std::string(argv[1]) == "mpit" ? settings
                                                                                                          : collbench::backend::mpi::ControlSettings{});
    MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN);
    code = run(comm, argv[2], std::atoi(argv[3]));
    MPI_Comm_free(&comm);
    collbench::backend::mpi::finish_mpi_t();  // as collbench's MPI world does: the monitoring then prints
  } catch (const collbench::core::Error& e) {
    std::printf("probe: %s\n", e.what());
    code = 3;
  }
  MPI_Finalize();
  return code;
}
