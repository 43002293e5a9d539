#include "core/collective.hpp"

#include <algorithm>
#include <string>

#include "core/error.hpp"

namespace collbench::core {

std::string_view name(Collective c) {
  switch (c) {
    case Collective::allreduce: return "allreduce";
    case Collective::allgather: return "allgather";
    case Collective::reducescatter: return "reducescatter";
    case Collective::alltoall: return "alltoall";
    case Collective::broadcast: return "broadcast";
    case Collective::reduce: return "reduce";
    case Collective::sendrecv: return "sendrecv";
    case Collective::alltoallv: return "alltoallv";
  }
  return "?";
}

std::string_view nccl_tests_name(Collective c) {
  switch (c) {
    case Collective::allreduce: return "all_reduce_perf";
    case Collective::allgather: return "all_gather_perf";
    case Collective::reducescatter: return "reduce_scatter_perf";
    case Collective::alltoall: return "alltoall_perf";
    case Collective::broadcast: return "broadcast_perf";
    case Collective::reduce: return "reduce_perf";
    case Collective::sendrecv: return "sendrecv_perf";
    case Collective::alltoallv: return "alltoallv_perf";
  }
  return "?";
}

std::optional<Collective> find_collective(std::string_view n) {
  for (const Collective c : kAllCollectives)
    if (n == name(c)) return c;
  return std::nullopt;
}

std::optional<Collective> find_nccl_tests_program(std::string_view program) {
  for (const Collective c : kAllCollectives)
    if (program == nccl_tests_name(c)) return c;
  return std::nullopt;
}

bool takes_op(Collective c) {
  return c == Collective::allreduce || c == Collective::reducescatter || c == Collective::reduce;
}

bool has_root(Collective c) { return c == Collective::broadcast || c == Collective::reduce; }

std::vector<Collective> parse_collectives(std::string_view list) {
  std::vector<Collective> out;
  auto add = [&out](Collective c) {
    for (Collective have : out)
      if (have == c) return;
    out.push_back(c);
  };
  std::size_t pos = 0;
  while (pos <= list.size()) {
    std::size_t comma = list.find(',', pos);
    if (comma == std::string_view::npos) comma = list.size();
    std::string_view tok = list.substr(pos, comma - pos);
    pos = comma + 1;
    if (tok == "all") {
      for (Collective c : {Collective::allreduce, Collective::allgather, Collective::reducescatter,
                           Collective::alltoall})
        add(c);
      continue;
    }
    if (tok == "every") {
      for (Collective c : kAllCollectives) add(c);
      continue;
    }
    bool found = false;
    for (Collective c : kAllCollectives) {
      if (name(c) == tok) {
        add(c);
        found = true;
      }
    }
    if (!found)
      throw InputError("--coll '" + std::string(tok) +
                       "': expected a comma-separated list of allreduce allgather reducescatter "
                       "alltoall broadcast reduce sendrecv alltoallv, or 'all' or 'every'");
  }
  return out;
}

namespace {

// alltoallv.cu:371-399: the largest send and receive of any rank (one rank's, for generated
// traffic, which is balanced).
void alltoallv_counts(const Traffic& tr, int nranks, std::uint64_t param_count, std::uint64_t elt, CollShape& s) {
  const std::uint64_t total = param_count * static_cast<std::uint64_t>(nranks) * elt;
  const int senders = tr.from_matrix() ? nranks : 1;
  for (int i = 0; i < senders; ++i) {
    std::uint64_t sent = 0, received = 0;
    for (int j = 0; j < nranks; ++j) {
      sent += tr.peer_bytes(i, j, nranks, total) / elt;
      received += tr.peer_bytes(j, i, nranks, total) / elt;
    }
    s.send_count = std::max(s.send_count, sent);
    // Generated traffic is balanced: nccl-tests takes rank 0's send for both.
    s.recv_count = std::max(s.recv_count, tr.from_matrix() ? received : sent);
  }
}

}  // namespace

CollShape shape(Collective c, std::uint64_t requested_bytes, DataType t, int nranks, const Traffic* traffic) {
  const std::uint64_t elt = size_of(t);
  const std::uint64_t n = static_cast<std::uint64_t>(nranks);
  const std::uint64_t count = requested_bytes / elt;
  // Per-rank chunk rounded down to a multiple of 16 bytes: (count/n) & -(16/eltSize).
  const std::uint64_t base = (count / n) & ~(16 / elt - 1);
  CollShape s;
  switch (c) {
    case Collective::allreduce:
    case Collective::broadcast:
    case Collective::reduce:
    case Collective::sendrecv:
      s.send_count = s.recv_count = s.param_count = count;
      break;
    case Collective::allgather:
      s.send_count = base;
      s.recv_count = base * n;
      s.param_count = base;
      break;
    case Collective::reducescatter:
      s.send_count = base * n;
      s.recv_count = base;
      s.param_count = base;
      break;
    case Collective::alltoall:
      s.send_count = s.recv_count = base * n;
      s.param_count = base;
      break;
    case Collective::alltoallv: {
      static const Traffic kDefault;
      const Traffic& tr = traffic ? *traffic : kDefault;
      s.param_count = tr.from_matrix() ? 0 : base;
      alltoallv_counts(tr, nranks, s.param_count, elt, s);
      break;
    }
  }
  s.send_bytes = s.send_count * elt;
  s.recv_bytes = s.recv_count * elt;
  s.bytes = s.send_bytes > s.recv_bytes ? s.send_bytes : s.recv_bytes;
  return s;
}

double bus_factor(Collective c, int nranks) {
  const double n = nranks;
  switch (c) {
    case Collective::allreduce: return 2.0 * (n - 1) / n;
    case Collective::allgather:
    case Collective::reducescatter:
    case Collective::alltoall:
    case Collective::alltoallv: return (n - 1) / n;
    case Collective::broadcast:
    case Collective::reduce:
    case Collective::sendrecv: return 1.0;
  }
  return 0.0;
}

double bus_factor(std::string_view collective, int nranks) {
  const auto c = find_collective(collective);
  return c && nranks > 0 ? bus_factor(*c, nranks) : 0.0;
}

}  // namespace collbench::core
