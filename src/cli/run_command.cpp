#include "cli/run_command.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>

#include <nlohmann/json.hpp>

#include "backend/mpi/mpi_backend.hpp"
#include "backend/nccl/nccl_backend.hpp"
#include "core/host_clock.hpp"
#include "measure/session.hpp"
#include "measure/world.hpp"
#include "report/table.hpp"
#include "results/json.hpp"
#include "results/metadata.hpp"

#ifndef COLLBENCH_VERSION
#define COLLBENCH_VERSION "0.0.0"
#endif

namespace collbench::cli {

namespace {

// Rank 0's sink: the table on stdout, and the JSON document rewritten after every row so that a
// crash or timeout loses at most the case in flight.
class RootSink final : public measure::ResultSink {
 public:
  RootSink(results::RunDocument& doc, std::string json_path, const plan::RunPlan& plan)
      : m_doc(doc), m_path(std::move(json_path)), m_plan(plan), m_table(stdout) {}
  report::TablePrinter& table() { return m_table; }
  // The path was checked before the run, so a failure now (disk full, directory removed) is the
  // run failing, not bad input.
  void flush() {
    if (m_path.empty()) return;
    try {
      results::write_document_file(m_path, m_doc);
    } catch (const core::InputError& e) {
      throw core::RunError(e.what());
    }
  }
  void begin_collective(core::Collective c) override {
    m_table.begin_collective(core::name(c), core::nccl_tests_name(c), m_plan.placements);
  }
  void row(std::span<const results::ResultRecord> records) override {
    m_table.row(records);
    m_doc.results.insert(m_doc.results.end(), records.begin(), records.end());
    flush();
  }
  void end_collective(core::Collective) override { m_table.end_collective(); }

 private:
  results::RunDocument& m_doc;
  std::string m_path;
  const plan::RunPlan& m_plan;
  report::TablePrinter m_table;
};

class NullSink final : public measure::ResultSink {
 public:
  void begin_collective(core::Collective) override {}
  void row(std::span<const results::ResultRecord>) override {}
  void end_collective(core::Collective) override {}
};

results::RunMetadata make_metadata(const RunConfig& cfg, const measure::World& world, const backend::BackendInfo& info,
                                   int argc, char** argv, char** envp) {
  results::RunMetadata m;
  m.version = COLLBENCH_VERSION;
  for (int i = 0; i < argc; ++i) m.command_line.emplace_back(argv[i]);
  m.start_time = results::iso8601_utc(std::chrono::system_clock::now());
  m.backend = info.name;
  m.predicted = info.predicted;
  m.backend_library = info.library;
  m.timer = info.timer;
  m.nranks = world.size();
  m.hosts = results::ranks_per_host(world.hosts());
  m.env = results::filtered_env(envp);
  m.settings = cfg.settings;
  m.settings["mpi_library"] = world.library_version();
  return m;
}

// Rank 0 probes for a GPU and every rank learns the answer: "auto" becomes nccl or mpi, and
// "nccl" without a GPU is refused here, once, on every rank alike.
std::string resolve_backend(const RunConfig& cfg, const measure::World& world, std::string* refusal) {
  if (cfg.backend != "auto" && cfg.backend != "nccl") return cfg.backend;
  backend::nccl::GpuProbe probe;
  if (world.is_root()) probe = backend::nccl::probe_gpus();
  const int gpus = world.broadcast(probe.count);
  if (cfg.backend == "nccl") {
    if (gpus == 0 && world.is_root()) *refusal = "--backend nccl: " + probe.why + " on " + world.host() + "; --backend mpi runs on CPUs";
    return gpus > 0 ? "nccl" : "";
  }
  if (world.is_root()) {
    if (gpus > 0)
      std::fprintf(stderr, "collbench: backend nccl (%d GPU(s) visible on %s; --backend mpi for host memory)\n", gpus, world.host().c_str());
    else
      std::fprintf(stderr, "collbench: backend mpi (%s)\n", probe.why.c_str());
    if (gpus == 0 && cfg.nccl_options_given)
      std::fprintf(stderr, "collbench: the nccl backend's options are ignored on the mpi backend\n");
  }
  return gpus > 0 ? "nccl" : "mpi";
}

// Every rank builds its nccl backend; a rank that fails says why, and rank 0 prints the first
// failure (by rank) so the job stops with one line, not one per rank.
std::unique_ptr<backend::Backend> make_nccl(const RunConfig& cfg, const measure::World& world, std::string* failure) {
  backend::nccl::JobInfo job;
  job.rank = world.rank();
  job.size = world.size();
  job.local_rank = world.local_rank();
  job.local_size = world.local_size();
  job.host = world.host();
  job.broadcast_from_root = [&world](void* data, std::size_t bytes) { world.broadcast_bytes(data, bytes); };
  std::unique_ptr<backend::Backend> be;
  std::string mine;
  try {
    be = backend::nccl::make_nccl_backend(job, cfg.nccl);
  } catch (const core::Error& e) {
    mine = e.what();
  }
  for (const std::string& m : world.gather_strings(mine))
    if (!m.empty() && failure->empty()) *failure = m;
  if (world.broadcast(failure->empty() ? 0 : 1) != 0) be.reset();
  return be;
}

// Backend facts into the metadata: job-wide details, and each rank's device gathered to rank 0.
void add_backend_details(results::RunMetadata& m, const backend::Backend& be, const measure::World& world) {
  m.backend_details = be.job_details();
  const nlohmann::json mine = be.rank_details();
  const std::vector<std::string> all = world.gather_strings(mine.empty() ? std::string() : mine.dump());
  for (std::size_t r = 0; r < all.size(); ++r) {
    if (all[r].empty()) continue;
    results::DeviceRecord d;
    d.rank = static_cast<int>(r);
    d.host = world.hosts()[r];
    d.details = nlohmann::json::parse(all[r]).get<std::map<std::string, std::string>>();
    m.devices.push_back(std::move(d));
  }
}

// A refusal every rank reaches: rank 0 says it in one line before any rank leaves, so the launcher
// cannot kill rank 0 (on another rank's non-zero exit) before the line is out.
core::ExitCode fail_together(const measure::World& world, const std::string& message, core::ExitCode code) {
  if (world.is_root()) {
    std::fprintf(stderr, "collbench: %s\n", message.c_str());
    std::fflush(stderr);
  }
  world.barrier();
  return code;
}

// Rank 0 checks the JSON path; every rank learns the verdict, so all exit 2 together.
bool json_path_ok(const RunConfig& cfg, const measure::World& world) {
  int ok = 1;
  if (world.is_root() && !cfg.json_path.empty()) {
    try {
      results::check_writable(cfg.json_path);
    } catch (const core::InputError& e) {
      std::fprintf(stderr, "collbench: %s\n", e.what());
      ok = 0;
    }
  }
  return world.broadcast(ok) == 1;
}

}  // namespace

core::ExitCode run_command(const RunConfig& cfg, int* argc, char*** argv, char** envp) {
  if (cfg.backend == "model")
    throw core::InputError("--backend model: not available yet in this build; use --backend mpi or nccl");
  const int saved_argc = *argc;
  char** saved_argv = *argv;
  measure::World world(argc, argv);
  measure::install_crash_handler(world.rank(), world.host());
  core::HostClock::init();
  if (!json_path_ok(cfg, world)) return core::ExitCode::bad_input;

  if (cfg.plan.root >= world.size())
    return fail_together(world, fmt::format("--root {}: expected a rank below the job's size {}", cfg.plan.root, world.size()),
                         core::ExitCode::bad_input);

  std::string refusal;
  const std::string chosen = resolve_backend(cfg, world, &refusal);
  std::unique_ptr<backend::Backend> be;
  if (chosen == "nccl") {
    be = make_nccl(cfg, world, &refusal);
  } else if (chosen == "mpi") {
    be = backend::make_mpi_backend(world.comm());
  }
  if (!be)  // the nccl backend could not start: one line from rank 0, exit 3 on every rank
    return fail_together(world, refusal, core::ExitCode::run_failed);
  be->set_faults(core::faults_for_rank(cfg.faults, world.rank()));

  results::RunDocument doc;
  doc.metadata = make_metadata(cfg, world, be->info(), saved_argc, saved_argv, envp);
  add_backend_details(doc.metadata, *be, world);
  RootSink root_sink(doc, cfg.json_path, cfg.plan);
  NullSink null_sink;
  // The nccl backend aborts its own communicator at --timeout and records the case; the job-wide
  // watchdog stays as a backstop 30 s later (a call that never returns to the backend).
  const bool own_timeout = be->info().aborts_on_timeout && cfg.timeout_s > 0;
  measure::SessionOptions sopt{cfg.measure, own_timeout ? cfg.timeout_s + 30.0 : cfg.timeout_s};
  core::ExitCode code = core::ExitCode::ok;
  try {
    if (world.is_root()) {
      root_sink.table().preamble(doc.metadata);
      if (world.size() == 1)
        root_sink.table().note("1 rank: bus bandwidth is 0 by definition (nothing crosses a link), as in nccl-tests");
      if (!cfg.faults.empty()) root_sink.table().note("FAULT INJECTION ACTIVE (COLLBENCH_INJECT): results are not real");
      root_sink.flush();
    }
    code = measure::run_session(*be, world, cfg.plan, sopt, world.is_root() ? static_cast<measure::ResultSink&>(root_sink) : null_sink);
  } catch (const core::Error& e) {
    std::fprintf(stderr, "collbench: rank %d on %s: %s\n", world.rank(), world.host().c_str(), e.what());
    // After a timeout every rank aborts; rank 0 first writes the record, so the others give it time.
    if (!world.is_root() && dynamic_cast<const core::TimeoutError*>(&e) != nullptr)
      std::this_thread::sleep_for(std::chrono::seconds(3));
    if (world.is_root()) {
      doc.status = "failed";
      doc.metadata.end_time = results::iso8601_utc(std::chrono::system_clock::now());
      try {
        root_sink.flush();
      } catch (const core::Error& again) {
        std::fprintf(stderr, "collbench: %s\n", again.what());
      }
    }
    world.abort(static_cast<int>(core::ExitCode::run_failed));
  }
  if (world.is_root()) {
    doc.status = code == core::ExitCode::wrong ? "wrong" : "ok";
    doc.metadata.end_time = results::iso8601_utc(std::chrono::system_clock::now());
    root_sink.flush();
    if (code == core::ExitCode::wrong) std::fprintf(stderr, "collbench: wrong results (see #wrong); exit 1\n");
  }
  return code;
}

}  // namespace collbench::cli
