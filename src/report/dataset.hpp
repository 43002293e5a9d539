#pragma once
// What report and compare read, from any of: a run JSON file (collbench run --json), a sweep store
// (collbench sweep --out), an import store (collbench import --out), an nccl-tests / rccl-tests log
// or -J JSON file given directly (imported in memory), and a tune output (its summary.json, or the
// directory holding it). Records become series: one per source, configuration, collective, type,
// op, placement and rank count, with one point per size (repetitions combined).
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "results/record.hpp"

namespace collbench::report {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// One rank's own view of a point: medians over reps of its p50 iteration time and of its time
// outside the collective call (results::RankSummary).
struct RankPoint {
  int rank = 0;
  std::string host;
  double p50_us = kNaN;
  double outside_call_us = kNaN;
};

struct Point {
  std::uint64_t bytes = 0;
  int reps = 0;            // records combined (repetitions, runs)
  double time_us = kNaN;   // the series' basis: median over reps of each record's p50 (or mean)
  double busbw = kNaN;     // GB/s, from time_us; an import's on the mean basis: its printed busbw
  double mean_us = kNaN;   // median over reps of each record's time_us.mean (an import's: nccl-tests' time)
  // nccl-tests' figure (a record's nccl_tests): the median over reps of its time, and busbw from
  // that (an import's: the median of its printed busbw, where every repetition printed one above
  // 0.00); NaN when a record lacks it (documents before schema 7, logs run with another -a).
  double nccl_tests_us = kNaN;
  double nccl_tests_busbw = kNaN;
  double p50_us = kNaN;    // median over reps; NaN when the source has no percentiles
  double p90_us = kNaN;
  double p99_us = kNaN;
  double p999_us = kNaN;
  double lo_us = kNaN;     // confidence interval of time_us; NaN when the source gives none
  double hi_us = kNaN;
  std::int64_t wrong = 0;  // summed; -1 when not checked
  std::vector<RankPoint> ranks;  // per rank, where the records say (ascending rank)
};

struct Series {
  int source = 0;          // index into Dataset::sources
  std::string config;      // "default", "NCCL_ALGO=ring", or an imported log's label
  std::string collective, datatype, op, placement;
  int nranks = 0;
  int nnodes = 0;          // 0: not known
  std::string basis;       // "median" (collbench) or "mean" (nccl-tests' time, when no percentiles)
  std::vector<Point> points;  // ascending bytes
  // "SOURCE config" for legends: the configuration alone when the source is named by it.
  std::string label;
};

struct SourceInfo {
  std::string path;
  std::string kind;        // "run" | "sweep" | "import" | "log"
  std::string label;
  std::string backend;     // "mpi" | "nccl" | "model"
  std::string library;     // backend_library, e.g. "NCCL 2.28.9"
  std::string gpu;         // the first device's name, when known
  std::string status;      // the run's status: "ok", "running" (cut short) …
  std::string format;      // imported: the log's format
  bool predicted = false;  // model backend: every number is a prediction
  bool standin = false;    // the GPU stand-in (tests/standin): simulated, not a GPU measurement
  bool imported = false;
  int nranks = 0, nnodes = 0;
  std::string version;       // the collbench that measured (or imported) it; "" when not said
  std::string end_time;      // ISO 8601 UTC: the run's end, a sweep's last session's; "" when not said
  std::string nccl_version;  // nccl backend: the library loaded (backend_details nccl_library)
  std::string cuda_version;  // nccl backend: the CUDA runtime (backend_details cuda_runtime)
  std::string slurm_job_id;  // the run's Slurm job (metadata.launch), "" outside Slurm
  std::vector<std::string> notes;
};

struct TuneInfo {
  std::string path;
  nlohmann::json summary;  // schema collbench.tune
};

struct Dataset {
  std::vector<SourceInfo> sources;
  std::vector<Series> series;
  std::vector<TuneInfo> tunes;
};

// Throws InputError naming the input that is none of the above.
Dataset load_dataset(const std::vector<std::string>& inputs);

// One run document already in memory (run --prometheus), as load_dataset reads it from `path`.
Dataset dataset_of_run(const results::RunDocument& doc, const std::string& path);

}  // namespace collbench::report
