#include "backend/mpi/mpi_backend.hpp"

#include <algorithm>
#include <climits>
#include <csignal>
#include <cstring>
#include <string>
#include <unistd.h>
#include <vector>

#include "backend/mpi/mpi_t.hpp"
#include "backend/mpi/mpi_types.hpp"
#include "backend/mpi/mpi_world_comm.hpp"
#include "core/error.hpp"
#include "core/host_clock.hpp"

namespace collbench::backend {

namespace {

using core::Collective;
using core::HostClock;

// One collective call with every argument bound; `fn` is the only indirection in the loop.
struct Call {
  int (*fn)(const Call&) = nullptr;
  const void* send = nullptr;
  void* recv = nullptr;
  int count = 0;
  MPI_Datatype type = MPI_BYTE;
  MPI_Op op = MPI_SUM;
  int root = 0;
  MPI_Comm comm = MPI_COMM_NULL;
  core::DataType dtype = core::DataType::float32;
  bool avg = false;       // divide the result by the rank count afterwards
  void* avg_buf = nullptr;
  std::uint64_t avg_count = 0;
  int nranks = 1;
  int rank = 0;
  int ring_step = 1;  // sendrecv: send to rank+step, receive from rank-step (-1: the ring reversed)
  // alltoallv: per-peer counts and displacements, in elements (MPI_Alltoallv's ints)
  const int* send_counts = nullptr;
  const int* send_displs = nullptr;
  const int* recv_counts = nullptr;
  const int* recv_displs = nullptr;
};

int finish_avg(const Call& c, int rc) {
  if (c.avg && c.avg_buf) mpi::divide_by_ranks(c.dtype, c.avg_buf, c.avg_count, c.nranks);
  return rc;
}
int call_allreduce(const Call& c) {
  return finish_avg(c, MPI_Allreduce(c.send, c.recv, c.count, c.type, c.op, c.comm));
}
int call_allgather(const Call& c) {
  return MPI_Allgather(c.send, c.count, c.type, c.recv, c.count, c.type, c.comm);
}
int call_reducescatter(const Call& c) {
  return finish_avg(c, MPI_Reduce_scatter_block(c.send, c.recv, c.count, c.type, c.op, c.comm));
}
int call_alltoall(const Call& c) {
  return MPI_Alltoall(c.send, c.count, c.type, c.recv, c.count, c.type, c.comm);
}
// nccl-tests' sendrecv_perf ring (sendrecv.cu:48-60): send to rank+1, receive from rank-1; or the
// ring reversed (--sendrecv-ring reverse).
int call_sendrecv(const Call& c) {
  return MPI_Sendrecv(c.send, c.count, c.type, (c.rank + c.nranks + c.ring_step) % c.nranks, 0, c.recv, c.count, c.type,
                      (c.rank + c.nranks - c.ring_step) % c.nranks, 0, c.comm, MPI_STATUS_IGNORE);
}
int call_alltoallv(const Call& c) {
  return MPI_Alltoallv(c.send, c.send_counts, c.send_displs, c.type, c.recv, c.recv_counts, c.recv_displs, c.type,
                       c.comm);
}
int call_broadcast(const Call& c) { return MPI_Bcast(c.recv, c.count, c.type, c.root, c.comm); }
int call_reduce(const Call& c) {
  return finish_avg(c, MPI_Reduce(c.send, c.recv, c.count, c.type, c.op, c.root, c.comm));
}

std::string no_in_place(Collective c) {
  return std::string("no in-place ") + std::string(core::name(c)) +
         ": a rank would receive into the buffer it is sending from (nccl-tests times it but does not check it)";
}

class MpiBackend final : public Backend {
 public:
  MpiBackend(MPI_Comm world, const mpi::ControlSettings& settings) {
    m_comm = mpi::configured_dup(world, settings);
    for (const auto& [name, value] : settings) m_settings += (m_settings.empty() ? "" : " ") + name + "=" + value;
    MPI_Comm_set_errhandler(m_comm, MPI_ERRORS_RETURN);
    MPI_Comm_rank(m_comm, &m_rank);
    MPI_Comm_size(m_comm, &m_nranks);
  }
  ~MpiBackend() override {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized) MPI_Comm_free(&m_comm);
  }

  BackendInfo info() const override { return {"mpi", mpi::library_version(), HostClock::source(), false}; }

  void reserve(std::uint64_t send_bytes, std::uint64_t recv_bytes) override {
    if (send_bytes > m_send.size()) m_send.assign(send_bytes, std::byte{0});
    if (recv_bytes > m_recv.size()) m_recv.assign(recv_bytes, std::byte{0});
  }

  std::string unsupported(const CaseSpec& c) const override {
    if (c.shape.param_count > static_cast<std::uint64_t>(INT_MAX))
      return "count " + std::to_string(c.shape.param_count) + " exceeds MPI's int count limit";
    if (c.coll == Collective::alltoallv) {
      if (c.in_place) return no_in_place(c.coll);
      if (std::max(c.shape.send_count, c.shape.recv_count) > static_cast<std::uint64_t>(INT_MAX))
        return "a rank's " + std::to_string(std::max(c.shape.send_count, c.shape.recv_count)) +
               " elements exceed MPI_Alltoallv's int displacements";
      return {};
    }
    if (c.shape.param_count == 0) return "size rounds down to 0 elements per rank";
    if (c.coll == Collective::sendrecv && c.in_place) return no_in_place(c.coll);
    return {};
  }

  // Each record says what its communicator was configured with through MPI_T.
  std::map<std::string, std::string> case_notes() override {
    if (m_settings.empty()) return {};
    return {{"mpi_t", m_settings}};
  }

  void prepare(const CaseSpec& c) override;
  void run_timed(std::span<double> out_us) override;
  void run_probe(std::span<double> outside_us, std::span<double> inside_us) override;
  std::uint64_t check(const verify::Pattern& pattern) override;

 private:
  void apply_blocking_faults() const {
    if (m_faults.crash) std::raise(SIGSEGV);
    while (m_faults.hang) pause();
  }
  template <bool Delay>
  void timed_loop(std::size_t n);

  MPI_Comm m_comm = MPI_COMM_NULL;
  std::string m_settings;  // "name=value …" written through MPI_T for m_comm
  int m_rank = 0;
  int m_nranks = 1;
  mpi::MpiTypes m_types;
  std::vector<std::byte> m_send;
  std::vector<std::byte> m_recv;
  std::vector<std::uint64_t> m_stamps;
  std::vector<int> m_counts;  // alltoallv: send counts, send displacements, receive counts, displacements
  CaseSpec m_case;
  Call m_call;
  void* m_input = nullptr;   // where this rank's input goes for the bound case
  void* m_output = nullptr;  // where this rank's result lands
  bool m_has_result = true;  // false on non-root ranks of reduce
};

void MpiBackend::prepare(const CaseSpec& c) {
  m_case = c;
  const std::size_t elt = core::size_of(c.dtype);
  std::byte* send = m_send.data();
  std::byte* recv = m_recv.data();
  Call call;
  call.count = static_cast<int>(c.shape.param_count);
  call.type = m_types.datatype(c.dtype);
  call.op = m_types.op(c.dtype, c.op);
  call.root = c.root;
  call.comm = m_comm;
  call.dtype = c.dtype;
  call.nranks = m_nranks;
  call.rank = m_rank;
  call.send = c.in_place ? MPI_IN_PLACE : send;
  call.recv = recv;
  m_input = c.in_place ? recv : send;
  m_output = recv;
  switch (c.coll) {
    case Collective::allreduce: call.fn = call_allreduce; break;
    case Collective::allgather:
      call.fn = call_allgather;
      if (c.in_place) m_input = recv + static_cast<std::size_t>(m_rank) * c.shape.param_count * elt;
      break;
    case Collective::reducescatter: call.fn = call_reducescatter; break;
    case Collective::alltoall: call.fn = call_alltoall; break;
    case Collective::sendrecv:
      call.fn = call_sendrecv;
      call.ring_step = c.reverse_ring ? -1 : 1;
      break;
    case Collective::alltoallv: {
      call.fn = call_alltoallv;
      const core::PeerCounts pc = core::peer_counts(c.traffic.get(), m_rank, m_nranks, c.shape.param_count, c.dtype);
      const auto n = static_cast<std::size_t>(m_nranks);
      m_counts.assign(4 * n, 0);
      for (std::size_t p = 0; p < n; ++p) {  // unsupported() bounded the totals by INT_MAX
        m_counts[p] = static_cast<int>(pc.send[p]);
        m_counts[n + p] = static_cast<int>(pc.send_offset[p]);
        m_counts[2 * n + p] = static_cast<int>(pc.recv[p]);
        m_counts[3 * n + p] = static_cast<int>(pc.recv_offset[p]);
      }
      call.send_counts = m_counts.data();
      call.send_displs = m_counts.data() + n;
      call.recv_counts = m_counts.data() + 2 * n;
      call.recv_displs = m_counts.data() + 3 * n;
      break;
    }
    case Collective::broadcast:
      call.fn = call_broadcast;
      // MPI_Bcast has one buffer: out of place, the root sends from its send buffer.
      if (!c.in_place && m_rank == c.root) call.recv = m_output = send;
      break;
    case Collective::reduce:
      call.fn = call_reduce;
      if (c.in_place && m_rank != c.root) call.send = recv;  // MPI_IN_PLACE only at the root
      break;
  }
  call.avg = c.op == core::RedOp::avg && core::takes_op(c.coll);
  m_has_result = c.coll != Collective::reduce || m_rank == c.root;
  call.avg_buf = m_has_result ? m_output : nullptr;
  call.avg_count = c.shape.recv_count;
  m_call = call;
}

template <bool Delay>
void MpiBackend::timed_loop(std::size_t n) {
  std::uint64_t* stamps = m_stamps.data();
  const Call& call = m_call;
  stamps[0] = HostClock::ticks();
  for (std::size_t i = 0; i < n; ++i) {
    if constexpr (Delay) core::delay_us(m_faults.delay_us);
    const int rc = call.fn(call);
    stamps[i + 1] = HostClock::ticks();
    if (rc != MPI_SUCCESS) mpi::check_mpi(rc, core::name(m_case.coll).data());
  }
}

void MpiBackend::run_timed(std::span<double> out_us) {
  apply_blocking_faults();
  m_stamps.resize(out_us.size() + 1);
  if (m_faults.delay_us) timed_loop<true>(out_us.size());
  else timed_loop<false>(out_us.size());
  HostClock::durations_us(m_stamps, HostClock::us_per_tick(), out_us);
}

void MpiBackend::run_probe(std::span<double> outside_us, std::span<double> inside_us) {
  apply_blocking_faults();
  const std::size_t n = outside_us.size();
  m_stamps.resize(2 * n + 1);
  std::uint64_t* s = m_stamps.data();
  s[0] = HostClock::ticks();
  for (std::size_t i = 0; i < n; ++i) {
    if (m_faults.delay_us) core::delay_us(m_faults.delay_us);
    s[2 * i + 1] = HostClock::ticks();
    const int rc = m_call.fn(m_call);
    s[2 * i + 2] = HostClock::ticks();
    mpi::check_mpi(rc, core::name(m_case.coll).data());
  }
  const double us = HostClock::us_per_tick();
  for (std::size_t i = 0; i < n; ++i) {
    outside_us[i] = static_cast<double>(s[2 * i + 1] - s[2 * i]) * us;
    inside_us[i] = static_cast<double>(s[2 * i + 2] - s[2 * i + 1]) * us;
  }
}

std::uint64_t MpiBackend::check(const verify::Pattern& pattern) {
  const core::CollShape& shape = m_case.shape;
  pattern.poison(m_output, shape.recv_count);
  // A broadcast's input is the root's alone; elsewhere the output must stay poisoned until received.
  if (m_case.coll != Collective::broadcast || m_rank == m_case.root) pattern.fill_input(m_rank, shape, m_input);
  mpi::check_mpi(m_call.fn(m_call), core::name(m_case.coll).data());
  if (m_faults.corrupt && m_has_result) pattern.corrupt(m_output, shape.recv_count);
  return pattern.count_wrong(m_rank, shape, m_output);
}

}  // namespace

std::unique_ptr<Backend> make_mpi_backend(const measure::World& world) { return make_mpi_backend(world, {}); }

std::unique_ptr<Backend> make_mpi_backend(const measure::World& world, const std::map<std::string, std::string>& mpi_t) {
  return std::make_unique<MpiBackend>(mpi::world_comm(world), mpi_t);
}

}  // namespace collbench::backend
