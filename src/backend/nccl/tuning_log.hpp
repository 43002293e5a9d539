#pragma once
// NCCL's own choice of algorithm and protocol, read from its TUNING debug lines (rank 0 prints one
// per collective call with NCCL_DEBUG=INFO NCCL_DEBUG_SUBSYS=TUNING), enqueue.cc in NCCL 2.28:
//   host:pid:tid [dev] NCCL INFO AllReduce: 1048576 Bytes -> Algo RING proto SIMPLE channel{Lo..Hi}={0..31}
// NCCL 2.28's symmetric kernels log instead (symmetric_sched.cc:228-231, rank 0, TUNING):
//   host:pid:tid [dev] NCCL INFO AllReduce [Symmetric]: 1048576 Bytes -> Kernel AllReduce_RSxLD_AGxST nchannels 8 nthreads 512 nWorks 1
// and collectives on the copy engines log no TUNING line at all: their only marker is one INIT
// line per communicator, at its first such call (ce_coll.cc:48):
//   host:pid:tid [dev] NCCL INFO Init CE, rank 0 baseUCSymReadyPtr 0x.., baseUCSymComplPtr 0x.., seq num 0
// Pure text parsing: no CUDA, tested on the host.
#include <cstdint>
#include <map>
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
  // A symmetric kernel's line: the kernel's name (AllReduce_RSxLD_AGxST …); algo and proto empty,
  // channel_lo 0 and channel_hi nchannels-1. Empty on the normal path.
  std::string kernel;
  int nthreads = 0;
  int nworks = 0;
};

std::optional<TuningLine> parse_tuning_line(std::string_view line);

// The last TUNING line for `func` in `text` (the log's new part since the previous read).
std::optional<TuningLine> last_tuning_line(std::string_view text, std::string_view func);

// Whether `text` holds NCCL's "Init CE" line (ce_coll.cc:48): this communicator has set up its
// copy-engine collectives, so a later AllGather/AlltoAll without a TUNING line went through them.
bool logged_init_ce(std::string_view text);

// A case's notes from the log's new part `text`: nccl_algo, nccl_proto and nccl_channels from its
// last TUNING line for `func`, or nccl_kernel ("symmetric <kernel>") and nccl_channels from a
// symmetric kernel's; with no TUNING line, nccl_path "copy engine …" when `copy_engine_possible`
// and NCCL has logged "Init CE" (now or before: `init_ce` keeps it for the communicator).
std::map<std::string, std::string> tuning_notes(std::string_view text, std::string_view func, bool copy_engine_possible,
                                                bool& init_ce);

// NCCL's log redirected to a file of this process for --nccl-tuning-info. NCCL reads NCCL_DEBUG*
// once per process, at its first message (debug.cc), and keeps the file open: every communicator
// of the process writes to it, so each reader starts at the file's end when it is made.
class TuningLog {
 public:
  // Sets NCCL_DEBUG=INFO, NCCL_DEBUG_SUBSYS (TUNING, INIT and the user's own) and NCCL_DEBUG_FILE before
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
