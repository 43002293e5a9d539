#pragma once
// The results schema as plain structs. reports/SCHEMA.md documents every field; bump
// kSchemaVersion on any change a reader would notice.
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/launcher.hpp"
#include "stats/summary.hpp"

namespace collbench::results {

// 2: fp8 types, "timeout" status, backend_notes per result, devices and backend_details in the
//    metadata (all optional when reading, so version 1 documents still load).
// 3: "failed" status (a sweep's case whose launch crashed or was killed before it ran).
// 4: per_rank[i].wrong (each rank's wrong elements) and "group" (a record measured by a part of
//    the job: one node, or a pair of nodes, with --per-node / --pairs). Both optional.
// 5: metadata.imported (a document imported from an nccl-tests/rccl-tests log by collbench import)
//    and a record's "missing" (the fields its source did not give). Both optional.
// 6: metadata.launch (the launcher, and under Slurm the job, step, nodes and tasks per node) and
//    hosts[i].slurm_node. Both optional; metadata.predicted (the model backend) is optional too.
// 7: a record's "nccl_tests" (nccl-tests' own figure: the mean over ranks of each rank's mean
//    iteration time, and the bandwidths from it). Optional.
// 8: metadata.launch's launchers "torchrun" and "collbench-launch" (jobs without MPI), its
//    "control_plane" ("mpi", "nccl", "none") and "rendezvous"/"rendezvous_source" (NCCL's
//    address, where it came from). Optional.
// 9: an imported record's "printed" (the time, algbw and busbw exactly as the log's row printed
//    them) and metadata.imported's "algbw_definition" (which algbw the log's all_gather /
//    reduce_scatter tables printed: nccl-tests changed it in 2020). Both optional.
inline constexpr int kSchemaVersion = 10;
inline constexpr const char* kSchemaName = "collbench.run";

// One rank's own view of a case: its per-iteration durations, and the time it spent outside the
// collective call per iteration (measured in a short probe after the timed loop). A straggler
// arrives late, so others wait inside the call while it does not: its outside time stands out.
struct RankSummary {
  int rank = 0;
  std::string host;
  stats::Summary time_us;      // this rank's own iteration durations
  double outside_call_us = 0;  // median time per iteration spent outside the collective call
  double in_call_us = 0;       // median time per iteration spent inside the collective call
  std::int64_t wrong = -1;     // this rank's wrong elements; -1 when not checked (or not known)
};

struct Straggler {
  int rank = 0;
  std::string host;
  double outside_call_us = 0;  // its median outside-call time
  double others_us = 0;        // median of the other ranks' outside-call medians
};

// The part of the job that measured a record, when it was not the whole job: one node alone
// (--per-node) or two nodes together (--pairs, in rounds). Ranks are the job's (world) ranks.
struct GroupNode {
  std::string label;       // the host, or "host:2-3" when the run split a host into several nodes
  std::string host;
  std::vector<int> ranks;  // its job ranks
};

struct GroupInfo {
  std::string kind;              // "node" | "pair"
  int round = 0;                 // pairs: the round (0-based); nodes: 0
  int index = 0;                 // the group within its round
  std::vector<GroupNode> nodes;  // one (node) or two (pair)
};

// The figure nccl-tests prints with its default -a 1: each process times its loop (steady_clock
// around the iterations, / iters), then the per-process times are averaged over ranks (nccl-tests
// src/common.cu:783 calls Allreduce(args, &deltaSec, average), 310-351 sum then divide by the
// process count); algbw and busbw come from that time (its getBw). In a measured record its time
// is at most time_us.mean (an iteration's max over ranks is at least each rank's own duration), so
// its busbw is at least busbw_mean_gbps.
// Format facts: ../shared/reference/nccl-tests-format.md ("Timing", "-a/--average").
struct NcclTestsFigure {
  double time_us = 0;     // mean over ranks of each rank's own mean iteration time
  double algbw_gbps = 0;  // bytes / time_us
  double busbw_gbps = 0;  // algbw_gbps x bus factor
};

// What an imported log's row printed, as parsed (schema 9): kept next to collbench's
// recalculation (algbw_mean_gbps …), which takes the time's digits and today's algbw definition.
// NaN where the row printed N/A (or nothing). The algbw is in the log's own definition: see
// ImportInfo::algbw_definition.
struct PrintedFigure {
  // 'time' ('cputime' with -C 1), in us: a 2017-2019 log's milliseconds x 1e3, else the digits printed
  double time_us = std::numeric_limits<double>::quiet_NaN();
  double algbw_gbps = std::numeric_limits<double>::quiet_NaN();
  double busbw_gbps = std::numeric_limits<double>::quiet_NaN();
};

struct ResultRecord {
  std::string collective;       // core::name(Collective)
  std::uint64_t bytes = 0;      // nccl-tests 'size': max(send, recv) bytes per rank
  std::uint64_t requested_bytes = 0;
  std::uint64_t count = 0;      // nccl-tests 'count': elements passed to the call
  std::string datatype;         // core::name(DataType)
  std::string op;               // core::name(RedOp), or "none" for collectives without one
  int root = -1;                // -1 for collectives without a root
  std::string placement;        // "out_of_place" | "in_place"
  int nranks = 0;
  std::int64_t wrong = 0;       // wrong elements summed over ranks; -1 when not checked
  bool checked = false;
  // "ok" | "wrong" | "skipped" (the backend cannot run it) | "timeout" (ran past --timeout; the
  // run stopped there with exit 3) | "failed" (a sweep's launch crashed, timed out or was killed
  // before the case could be measured; `error` says how)
  std::string status = "ok";
  std::string error;            // why the case was skipped or timed out
  int warmup_iters = 0;
  int iters = 0;                // timed iterations actually run
  std::string stop_reason;      // "iters" | "target_rel_ci" | "max_iters" | "time_budget"
  stats::Summary time_us;       // iteration time = max over ranks of each rank's duration
  double algbw_gbps = 0;        // from the median time
  double busbw_gbps = 0;        // from the median time
  double algbw_mean_gbps = 0;   // from the mean of time_us (max over ranks per iteration)
  double busbw_mean_gbps = 0;
  // nccl-tests' figure (schema 7): measured records, predictions (the predicted time) and imports
  // of logs run with nccl-tests' default -a 1. Absent in older documents and when not known.
  std::optional<NcclTestsFigure> nccl_tests;
  std::optional<PrintedFigure> printed;  // imported records only (schema 9)
  std::vector<RankSummary> per_rank;
  std::optional<Straggler> straggler;
  std::optional<GroupInfo> group;  // absent: the whole job measured the case
  std::vector<double> samples_us;  // only with --samples
  // What the backend says of the case: e.g. nccl_algo, nccl_proto, nccl_channels,
  // nccl_estimated_us (--nccl-tuning-info) and buffer_sets (nccl). Empty for mpi.
  std::map<std::string, std::string> backend_notes;
  // Imported records: the fields the source did not give ("time_us.p50", "wrong", "per_rank" …).
  // Such a field holds NaN (null in JSON), -1, or is empty; it was never made up.
  std::vector<std::string> missing;
};

// One rank's device, as the backend describes it (nccl: gpu, pci_bus_id, uuid, compute_capability …).
struct DeviceRecord {
  int rank = 0;
  std::string host;
  std::map<std::string, std::string> details;
};

struct HostRanks {
  std::string host;
  std::vector<int> ranks;
  std::string slurm_node;  // the node as Slurm names it (SLURMD_NODENAME) under srun; "" otherwise
};

// Where an imported document came from (collbench import): the log, its format, and what it lacks.
struct ImportInfo {
  std::string source;        // the file imported, as given
  std::string format;        // "nccl-tests text (2.13-2.17.2)", "nccl-tests JSON (version 2)", "rccl-tests text" …
  std::string tool;          // "nccl-tests" | "rccl-tests"
  std::string tool_version;  // "" when the log does not say
  std::string program;       // "all_reduce_perf" …; "" when the log does not say
  bool complete = false;     // the log's footer was read and no lines were left out ("# Truncated", "...")
  std::uint64_t source_bytes = 0;
  std::uint64_t fingerprint = 0;       // FNV-1a of the file's bytes: the same log imported twice is one source
  std::vector<std::string> missing;    // fields no record of the source has
  std::vector<std::string> notes;      // what the importer saw: cut off, rows skipped, several runs …
  double avg_busbw_gbps = 0;           // the log's footer "Avg bus bandwidth"; NaN when absent
  std::int64_t out_of_bounds = -1;     // the footer's "Out of bounds values"; -1 when absent
  // Which algbw the log's all_gather / reduce_scatter tables printed (schema 9): "current" (size /
  // time), "pre-2020 (nccl-tests #45)" (size x (n-1)/n / time, before nccl-tests ec1b5e2) or
  // "unknown"; "" when the log has no such table (the definitions agree for the others).
  std::string algbw_definition;
};

struct RunMetadata {
  std::string tool = "collbench";
  std::string version;                  // collbench version
  std::vector<std::string> command_line;
  std::string start_time;               // ISO 8601 UTC, e.g. 2026-11-21T10:00:00Z
  std::string end_time;
  std::string backend;                  // "mpi" | "nccl" | "model"
  bool predicted = false;               // true only for the model backend
  bool standin = false;                 // the nccl backend ran on the GPU stand-in (tests only)
  std::string backend_library;          // e.g. "Open MPI v4.1.4, ..."
  std::string timer;                    // "tsc" | "steady_clock" | "cuda_event" | …
  int nranks = 0;
  std::vector<HostRanks> hosts;
  // How the job was started (schema 6), rank 0's view: the launcher and, under Slurm, the job and
  // step. Absent in documents before schema 6 and in imports.
  std::optional<core::LaunchInfo> launch;
  std::map<std::string, std::string> env;  // only NCCL_*, OMPI_*, UCX_*, CUDA_*
  // The run's settings, as used: sizes, iterations, check, adaptive mode …
  std::map<std::string, std::string> settings;
  // Backend-wide facts (nccl: driver, runtime and NCCL versions, the ncclConfig_t in force) and
  // one entry per rank for its device. Empty for the mpi backend.
  std::map<std::string, std::string> backend_details;
  std::vector<DeviceRecord> devices;
  std::optional<ImportInfo> imported;  // present only in documents made by collbench import
};

struct RunDocument {
  int schema_version = kSchemaVersion;
  // "running" while the run goes on (a file left "running" was cut short: crash, timeout, kill),
  // then "ok" | "wrong" | "failed".
  std::string status = "running";
  RunMetadata metadata;
  std::vector<ResultRecord> results;
};

}  // namespace collbench::results
