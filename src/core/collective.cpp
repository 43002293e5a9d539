#include "core/collective.hpp"

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
                       "alltoall broadcast reduce, or 'all' or 'every'");
  }
  return out;
}

CollShape shape(Collective c, std::uint64_t requested_bytes, DataType t, int nranks) {
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
    case Collective::alltoall: return (n - 1) / n;
    case Collective::broadcast:
    case Collective::reduce: return 1.0;
  }
  return 0.0;
}

double bus_factor(std::string_view collective, int nranks) {
  const auto c = find_collective(collective);
  return c && nranks > 0 ? bus_factor(*c, nranks) : 0.0;
}

}  // namespace collbench::core
