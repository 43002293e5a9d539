#pragma once
// NCCL's own choice of algorithm and protocol, read from its TUNING debug lines (rank 0 prints one
// per collective call with NCCL_DEBUG=INFO NCCL_DEBUG_SUBSYS=TUNING), enqueue.cc in NCCL 2.28:
//   host:pid:tid [dev] NCCL INFO AllReduce: 1048576 Bytes -> Algo RING proto SIMPLE channel{Lo..Hi}={0..31}
// Pure text parsing: no CUDA, tested on the host.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace collbench::backend::nccl {

struct TuningLine {
  std::string func;  // AllReduce, AllGather, ReduceScatter, Broadcast, Reduce
  std::uint64_t bytes = 0;
  std::string algo;  // RING, TREE, NVLS, NVLS_TREE, COLLNET_DIRECT, COLLNET_CHAIN, PAT
  std::string proto; // LL, LL128, SIMPLE
  int channel_lo = 0;
  int channel_hi = 0;
};

std::optional<TuningLine> parse_tuning_line(std::string_view line);

// The last TUNING line for `func` in `text` (the log's new part since the previous read).
std::optional<TuningLine> last_tuning_line(std::string_view text, std::string_view func);

// NCCL's log redirected to a file of this process for --nccl-tuning-info. NCCL reads NCCL_DEBUG*
// once per process, at its first message (debug.cc), and keeps the file open: every communicator
// of the process writes to it, so each reader starts at the file's end when it is made.
class TuningLog {
 public:
  // Sets NCCL_DEBUG=INFO, NCCL_DEBUG_SUBSYS (TUNING and the user's own) and NCCL_DEBUG_FILE before
  // NCCL's first call; the user's settings are read the first time only.
  TuningLog();
  const std::string& path() const { return m_path; }
  // The text NCCL appended since the last read (or since this reader was made). The lines the
  // user's own NCCL_DEBUG would have shown (its warnings above all) are written to stderr.
  std::string read_new();

 private:
  std::string m_path;
  std::uint64_t m_offset = 0;
};

}  // namespace collbench::backend::nccl
