#pragma once
// What the text and JSON readers share: turning one row of an nccl-tests table (one placement)
// into a ResultRecord, with what the source lacks listed in `missing`, and the document around it.
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ingest/nccl_tests.hpp"

namespace collbench::ingest::detail {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// One placement's numbers from a row.
struct Measurement {
  double time_us = kNaN;    // nccl-tests' time: the mean over the timed iterations (host clock)
  double algbw = kNaN;      // as printed
  double busbw = kNaN;      // as printed
  std::int64_t wrong = -1;  // -1: not given (N/A, or the old 'error' column)
  std::string max_error;    // <= 2.11: the 'error' column (max absolute deviation), as printed
  // Per-iteration statistics (-I 1 text columns, or -J *_per_iter), NaN when absent.
  double min_us = kNaN, max_us = kNaN, p50_us = kNaN, p99_us = kNaN, cv = kNaN;
  std::vector<double> samples_us;  // -J times_us
  bool host_enqueue = false;       // -C 1: 'cputime' / cpu_time, the host's enqueue time, not completion
};

// The columns shared by both placements of a row, and where it came from.
struct RowContext {
  std::string collective;  // collbench name; "" when not modelled (the row is skipped)
  std::string program;     // what the log calls it, for notes
  std::string datatype, op;
  std::optional<int> root;  // absent: no root column (<= 2.11)
  std::uint64_t bytes = 0, count = 0;
  int nranks = 0;           // 0: not known
  int iters = 0, warmup_iters = 0;
  bool iters_known = false;
  std::optional<bool> validation;  // the header's "validation: N"; absent when not printed
  // -a/--average as the log's command line gave it: how each process's time was reduced over
  // ranks (0 rank 0's, 1 the mean, 2 the min, 3 the max); 1, nccl-tests' default, when not shown.
  int average = 1;
  // Where the row is: its line in a text log, or its index in a JSON's results (for notes, and
  // the record's backend_notes "source_line" / "source_index").
  std::size_t line = 0;
  std::size_t index = 0;
  bool json = false;
  std::string where(const std::string& file) const;
};

// A rank a device line may name: no job has a million ranks. A larger one (or a negative one) is a
// garbled line, not a device: the fuzzer's rank 1111111111 made the importer allocate 35 GB.
inline constexpr int kMaxDeviceRank = (1 << 20) - 1;

class Builder {
 public:
  Builder(std::string name, const ImportOptions& options);
  void reserve(std::size_t records) { m_doc.results.reserve(records), m_reps.reserve(records); }

  results::RunMetadata& metadata() { return m_doc.metadata; }
  results::ImportInfo& info() { return *m_doc.metadata.imported; }
  // A note once, however many times it is raised.
  void note(const std::string& text);
  // A row of the table that is not imported (garbled, cut short, a time that is not positive):
  // the note names its line, and the log is not complete (reports/IMPORT.md).
  void drop_row(const std::string& text);
  // Adds a row's records, one per placement; a row of a collective, type or op collbench does not
  // model is counted and skipped (one note per kind at the end).
  void add_row(const RowContext& row, const std::vector<std::pair<std::string, Measurement>>& parts);
  // Devices of a run block: the first block's become the document's hosts and devices.
  void set_devices(const std::vector<results::DeviceRecord>& devices);  // ranks within 0..kMaxDeviceRank
  std::size_t records() const { return m_doc.results.size(); }
  std::size_t skipped_rows() const;  // rows of tests, types or ops collbench does not model
  // Whether the run's end (its footer) is in the log; by default info().complete. An edited log
  // ("# Truncated …") is not complete, yet its run ended.
  void set_ended(bool ended) { m_ended = ended; }
  // Document status from what was read: "running" when the log was cut off (no footer),
  // "failed" when it reports a test failure, "wrong" when a record has wrong elements.
  ImportedLog finish(bool failed);

 private:
  void add(const RowContext& row, const std::string& collective, const std::string& datatype, const std::string& op,
           const std::string& placement, const Measurement& m);
  void nccl_tests_figure(const RowContext& row, const Measurement& m, results::ResultRecord& r);
  void record_algbw_definition();
  std::string m_name;
  ImportOptions m_options;
  results::RunDocument m_doc;
  std::vector<int> m_reps;
  std::unordered_map<std::uint64_t, int> m_seen;  // case key (hashed) -> times seen (for reps)
  std::map<std::string, int> m_skipped;         // why -> rows
  std::map<std::string, std::set<std::string>> m_printed_ops;  // collective without an op -> ops its rows printed
  std::set<std::string> m_notes_seen;
  std::optional<bool> m_ended;
  bool m_dropped = false;  // drop_row() was called
};

// nccl-tests' -a/--average among a command line's arguments (the program's, after its name): the
// last one given ("-a 0", "-a0", "--average 0", "--average=0"), read as nccl-tests' strtol(…, 0)
// reads it; 1 (its default, src/common.cu:120) when none is given.
int average_mode(const std::vector<std::string>& args);
// The same for a line of a text log that names `program` (program_in): nullopt when nothing
// follows the program's name, which is then no command line ("# Collective test starting: …").
std::optional<int> command_line_average(std::string_view line, std::string_view program);

// alltoallv_perf's traffic as collbench's runs describe it (settings.alltoallv_traffic,
// core::Traffic::describe), from nccl-tests' environment (NCCL_TESTS_ALLTOALLV_MATRIX_FILE, _SCALE,
// _SPREAD read as alltoallv.cu:149-170 reads them) or from a NCCL_TESTS_ALLTOALLV_PRINT_SUMMARY line's
// "mode=… spread=… matrix_dim=… scale=…" words; "" when they do not say.
std::string alltoallv_traffic_of_env(const std::map<std::string, std::string>& env);
std::string alltoallv_traffic_of_summary(const std::vector<std::string_view>& words);

// NCCL_VERSION_CODE as a version: 22809 -> "2.28.9" (since 2.9: X*10000 + Y*100 + Z; before, X*1000 + Y*100 + Z).
std::string nccl_version_of(int code);
// The ranks a row's algbw/busbw ratio implies (0 when it cannot tell).
int nranks_from_factor(const std::string& collective, double algbw, double busbw);
// The collective that a table's columns imply when the log names no program: "" when they
// cannot tell (allgather and alltoall print the same columns).
std::string infer_collective(const std::string& op, std::optional<int> root, std::uint64_t bytes, std::uint64_t count,
                             int element_bytes, int nranks);

}  // namespace collbench::ingest::detail
