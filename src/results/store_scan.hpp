#pragma once
// Reading a big store fast: `tune` and `check` need a dozen fields of each stored case, not its
// per-rank detail. scan_store maps the file and reads those fields straight from each line,
// skipping the rest of the JSON without building it (per_rank, samples). A line that is not in
// the form the store writes (one compact JSON object, no escapes in the fields read) is parsed
// in full by parse_store_line instead, so its errors still name PATH:LINE and what was expected.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace collbench::results {

// Views into the line (or into a parsed copy): valid only during the callback.
struct CaseDigest {
  std::string_view case_id, config_id, collective, datatype, op, placement, status, error;
  std::string_view knobs_json;  // the "knobs" object as JSON text ({"NCCL_ALGO":"allreduce:tree"})
  std::uint64_t bytes = 0;
  int nranks = 0;
  int rep = 0;
  std::int64_t wrong = 0;
  std::uint64_t n = 0;                      // timed iterations
  double p50_us = 0, p99_us = 0;            // iteration time (max over ranks)
  double ci_lo_us = 0, ci_hi_us = 0;        // confidence interval of the median
  double busbw_gbps = 0;                    // from the median time
};

struct ScanStats {
  std::uint64_t lines = 0;      // complete lines read
  std::uint64_t slow_lines = 0; // lines the fast path could not read, parsed in full
  std::uint64_t bytes = 0;      // bytes of complete lines
  bool torn_tail = false;       // a last line without its newline (cut short): not read
};

// Calls `on_case` for every complete line of DIR/results.jsonl-style file `path`, in file order.
// A missing file throws InputError "'PATH': cannot open …"; a malformed line throws InputError
// "PATH:LINE: …" (parse_store_line's message).
ScanStats scan_store(const std::string& path, const std::function<void(const CaseDigest&)>& on_case);

// The fast path alone, for tests and benchmarks: false when `line` needs the full parser.
bool scan_line(std::string_view line, CaseDigest& out);

}  // namespace collbench::results
