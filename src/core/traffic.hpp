#pragma once
// All-to-all-v's traffic: how many bytes each rank sends each peer. The two ways nccl-tests 2.19.6
// defines it (src/alltoallv.cu), so that collbench's figures compare with alltoallv_perf's:
// - generated (nccl-tests' default): each size is what a rank sends to all peers together, spread
//   between uniform (spread 0) and distance-weighted (spread 1: rank i sends rank j bytes in
//   proportion to (j - i) mod n, nothing to itself) — NCCL_TESTS_ALLTOALLV_SPREAD, alltoallv.cu:360-368;
// - a matrix file: cell [i][j] is the bytes rank i sends rank j, scaled, whatever the size asked
//   for — NCCL_TESTS_ALLTOALLV_MATRIX_FILE and _SCALE, alltoallv.cu:177-317.
// Every per-peer count is rounded down to 16 bytes, as nccl-tests does (alltoallv.cu:307, 367).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/datatype.hpp"

namespace collbench::core {

class Traffic {
 public:
  // nccl-tests' default: generated, spread 1 (distance-weighted).
  Traffic() = default;
  static Traffic generated(double spread);
  // Reads a whitespace-separated square matrix of byte counts. Throws InputError naming the
  // file, the row and column, and what was expected.
  static Traffic matrix_file(const std::string& path, double scale);
  // "uniform", "spread:F" (F in [0, 1]) or "matrix:FILE"; throws InputError naming `flag`.
  static Traffic parse(std::string_view spec, double scale, std::string_view flag);

  bool from_matrix() const { return m_dim > 0; }
  int dim() const { return m_dim; }
  double spread() const { return m_spread; }
  // "generated, spread 1 (distance-weighted)", "matrix traffic.txt (4x4, scale 1)".
  std::string describe() const;
  // Throws InputError when the job has more ranks than the matrix has rows.
  void require_ranks(int nranks) const;

  // Bytes rank `from` sends rank `to`; `total_bytes` is what each rank sends in all (generated
  // traffic only: a matrix ignores it).
  std::uint64_t peer_bytes(int from, int to, int nranks, std::uint64_t total_bytes) const;

 private:
  double m_spread = 1.0;
  int m_dim = 0;
  double m_scale = 1.0;
  std::string m_path;
  std::vector<std::uint64_t> m_matrix;  // m_dim * m_dim, scaled and 16-byte aligned
};

// One rank's side of an all-to-all-v, in elements of the data type.
struct PeerCounts {
  std::vector<std::uint64_t> send;         // to each peer
  std::vector<std::uint64_t> recv;         // from each peer
  std::vector<std::uint64_t> send_offset;  // where each peer's block starts in the send buffer
  std::vector<std::uint64_t> recv_offset;  // where each peer's block lands in the receive buffer
  std::vector<std::uint64_t> source_offset;// where this rank's block starts in each peer's send buffer
};

// `param_count` is nccl-tests' per-peer count (core::shape's): the total each rank sends is
// param_count * nranks elements (generated traffic). A null `t` is nccl-tests' default, as in
// core::shape.
PeerCounts peer_counts(const Traffic* t, int rank, int nranks, std::uint64_t param_count, DataType dtype);

}  // namespace collbench::core
