#pragma once
// The per-collective table, as nccl-tests keeps it: byte counts, per-rank rounding and the
// bus-bandwidth factor. Sizes follow nccl-tests exactly (src/*_perf.cu GetCollByteCount).
#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "core/datatype.hpp"
#include "core/traffic.hpp"

namespace collbench::core {

// sendrecv and alltoallv are nccl-tests' sendrecv_perf and alltoallv_perf: groups of ncclSend and
// ncclRecv (a ring: send to rank+1, receive from rank-1; and all-to-all with per-peer counts).
enum class Collective { allreduce, allgather, reducescatter, alltoall, broadcast, reduce, sendrecv, alltoallv };

inline constexpr std::array<Collective, 8> kAllCollectives = {
    Collective::allreduce, Collective::allgather, Collective::reducescatter, Collective::alltoall,
    Collective::broadcast, Collective::reduce,    Collective::sendrecv,      Collective::alltoallv};

std::string_view name(Collective c);             // "allreduce", …
std::string_view nccl_tests_name(Collective c);  // "all_reduce_perf", …
bool takes_op(Collective c);                     // allreduce, reducescatter, reduce
bool has_root(Collective c);                     // broadcast, reduce
// "allreduce,allgather", "all" (allreduce allgather reducescatter alltoall), "every" (all eight). Throws InputError naming the bad token.
std::vector<Collective> parse_collectives(std::string_view list);
// The collective a record's name ("allreduce" …) or an nccl-tests program ("all_reduce_perf")
// names; nullopt for anything else. Never throws: for readers of files that may hold others.
std::optional<Collective> find_collective(std::string_view name);
std::optional<Collective> find_nccl_tests_program(std::string_view program);

// Element counts and bytes of one case on `nranks` ranks, for a requested size in bytes.
struct CollShape {
  std::uint64_t send_count = 0;   // elements in each rank's send buffer
  std::uint64_t recv_count = 0;   // elements in each rank's receive buffer
  std::uint64_t param_count = 0;  // the count passed to the collective (nccl-tests 'count' column)
  std::uint64_t send_bytes = 0;
  std::uint64_t recv_bytes = 0;
  std::uint64_t bytes = 0;        // max(send, recv): nccl-tests 'size' column, algbw numerator
};

// alltoallv's counts follow `traffic` (nccl-tests' default, spread 1, when null): param_count is
// the per-peer count of generated traffic (0 with a matrix), send and receive counts the largest
// any rank sends and receives (alltoallv.cu:371-399).
CollShape shape(Collective c, std::uint64_t requested_bytes, DataType t, int nranks, const Traffic* traffic = nullptr);

// busbw = algbw * bus_factor. nccl-tests: allreduce 2(n-1)/n; allgather, reducescatter,
// alltoall, alltoallv (n-1)/n; broadcast, reduce, sendrecv 1. One rank gives 0 for (n-1)/n.
double bus_factor(Collective c, int nranks);
// The same by name; 0 for a name that is not a collective or a non-positive rank count.
double bus_factor(std::string_view collective, int nranks);

}  // namespace collbench::core
