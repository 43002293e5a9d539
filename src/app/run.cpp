#include "app/run.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <thread>

#include "app/backend_factory.hpp"
#include "app/driver.hpp"
#include "app/export.hpp"
#include "app/groups.hpp"
#include "app/interrupt.hpp"
#include "app/job.hpp"
#include "app/record_sinks.hpp"
#include "app/sweep_launch.hpp"
#include "backend/model/predictor.hpp"
#include "core/error.hpp"
#include "core/host_clock.hpp"
#include "core/launcher.hpp"
#include "measure/session.hpp"
#include "measure/world.hpp"
#include "plan/groups.hpp"
#include "report/table.hpp"
#include "results/json.hpp"
#include "results/metadata.hpp"

namespace collbench::app {

namespace {

// Rank 0 checks the output paths (--json, --prometheus); every rank learns the verdict, so all exit 2 together.
bool json_path_ok(const RunConfig& cfg, const measure::World& world) {
  int ok = 1;
  if (world.is_root() && (!cfg.json_path.empty() || !cfg.prometheus_path.empty())) {
    try {
      if (!cfg.json_path.empty()) results::check_writable(cfg.json_path);
      if (!cfg.prometheus_path.empty()) results::check_writable(cfg.prometheus_path, "--prometheus");
    } catch (const core::InputError& e) {
      std::fprintf(stderr, "collbench: %s\n", e.what());
      ok = 0;
    }
  }
  return world.broadcast(ok) == 1;
}

void finish(DocumentSink& doc, const std::string& status) { doc.finish(status); }

// SIGINT/SIGTERM: rank 0 writes what was measured with status "interrupted" and says so in one
// line; the others give it a moment before they go (app/interrupt.hpp).
std::function<void(int)> on_interrupt(const measure::World& world, DocumentSink& doc, const std::string& json_path) {
  if (!world.is_root()) return [](int) { std::this_thread::sleep_for(std::chrono::milliseconds(300)); };
  return [&doc, json_path](int sig) {
    std::size_t n = 0;
    try {
      doc.finish("interrupted");
      n = doc.records();
    } catch (const core::Error& e) {
      std::fprintf(stderr, "collbench: %s\n", e.what());
    }
    // mpirun and srun also pass SIGTERM on when another rank failed: the line says both.
    std::fprintf(stderr, "collbench: interrupted by %s after %zu records%s: a user's interrupt, or the launcher ending the "
                         "job after another rank failed (its own line says so); exit %d\n",
                 signal_name(sig), n,
                 json_path.empty() ? "" : (" (" + json_path + " holds them, status \"interrupted\")").c_str(), 128 + sig);
    std::fflush(stdout);
    std::fflush(stderr);
  };
}

// The nodes of --per-node / --pairs: a --ranks-per-node that does not fit the job is found before
// anything is measured (an empty `refusal` when it fits).
std::vector<plan::Node> group_nodes(const RunConfig& cfg, const measure::World& world, std::string* refusal) {
  if (!cfg.per_node && !cfg.pairs) return {};
  try {
    return plan::split_nodes(world.hosts(), cfg.ranks_per_node);
  } catch (const core::InputError& e) {
    *refusal = e.what();
    return {};
  }
}

// The plan on the whole job, then on its groups; rank 0 prints the table and keeps the document.
core::ExitCode run_job(const RunConfig& cfg, const measure::World& world, const core::LaunchInfo& launch, int argc,
                       char** argv, char** envp) {
  if (!json_path_ok(cfg, world)) return core::ExitCode::bad_input;
  if (cfg.plan.root >= world.size())
    return fail_together(world, fmt::format("--root {}: expected a rank below the job's size {}", cfg.plan.root, world.size()),
                         core::ExitCode::bad_input);
  if (cfg.traffic) {
    try {
      cfg.traffic->require_ranks(world.size());
    } catch (const core::InputError& e) {
      return fail_together(world, e.what(), core::ExitCode::bad_input);
    }
  }
  std::string refusal;
  const std::vector<plan::Node> nodes = group_nodes(cfg, world, &refusal);
  if (!refusal.empty()) return fail_together(world, refusal, core::ExitCode::bad_input);
  BackendFactory factory(resolve_backend(cfg, world, &refusal), cfg, false);
  std::unique_ptr<backend::Backend> be;
  try {
    if (!factory.name().empty()) be = factory.make(world, {}, &refusal);
  } catch (const core::InputError& e) {  // what the NCCL library in use cannot do: exit 2, one line
    return fail_together(world, e.what(), core::ExitCode::bad_input);
  }
  if (!be)  // the nccl backend could not start: one line from rank 0, exit 3 on every rank
    return fail_together(world, refusal, core::ExitCode::run_failed);

  results::RunDocument doc;
  doc.metadata = job_metadata(cfg, world, *be, launch, argc, argv, envp);
  report::TablePrinter table(stdout);
  TableSink table_sink(table);
  DocumentSink doc_sink(doc, cfg.json_path);
  doc_sink.set_prometheus(cfg.prometheus_path, cfg.json_path.empty() ? "run" : cfg.json_path);
  FanOutSink root_sink({&table_sink, &doc_sink});
  measure::NullSink null_sink;
  const auto on_failure = [&doc_sink] {
    try {
      finish(doc_sink, "failed");
    } catch (const core::Error& again) {
      std::fprintf(stderr, "collbench: %s\n", again.what());
    }
  };
  const Drive d{cfg, world, world.is_root() ? static_cast<measure::RecordSink&>(root_sink) : null_sink, {}, on_failure, {}};
  const InterruptWatch watch(on_interrupt(world, doc_sink, cfg.json_path));
  core::ExitCode code = core::ExitCode::ok;
  try {
    if (world.is_root()) {
      table.set_nccl_tests_figure(cfg.compat_nccl_tests);
      table.preamble(doc.metadata);
      if (world.size() == 1) table.note("1 rank: bus bandwidth is 0 by definition (nothing crosses a link), as in nccl-tests");
      if (!cfg.faults.empty()) table.note("FAULT INJECTION ACTIVE (COLLBENCH_INJECT): results are not real");
      doc_sink.flush();
    }
    code = drive(d, plan::blocks_of(cfg.plan), [&be](const plan::Block&) { return std::move(be); })->code();
    if (cfg.per_node || cfg.pairs) {
      const core::ExitCode groups = run_groups(cfg, world, nodes, factory, [&doc_sink](std::vector<results::ResultRecord> r) {
        doc_sink.append(std::move(r));
      });
      if (groups == core::ExitCode::run_failed) {  // a group's backend could not start: said on stderr
        if (world.is_root()) finish(doc_sink, "failed");
        return groups;
      }
      if (groups == core::ExitCode::wrong && code == core::ExitCode::ok) code = groups;
    }
  } catch (const core::Error& e) {
    if (world.is_root()) on_failure();
    abort_job(world, e, "");
  }
  if (world.is_root()) {
    finish(doc_sink, code == core::ExitCode::wrong ? "wrong" : code == core::ExitCode::run_failed ? "failed" : "ok");
    if (code == core::ExitCode::wrong) std::fprintf(stderr, "collbench: wrong results (see #wrong); exit 1\n");
    if (code == core::ExitCode::run_failed)
      std::fprintf(stderr, "collbench: the library refused some cases (status \"failed\", with its message); the others "
                           "were measured; exit 3\n");
  }
  return code;
}

// The model's predictions for the plan, in one plain process; under a launcher, rank 0 alone.
core::ExitCode run_model(const RunConfig& cfg, int argc, char** argv, char** envp) {
  if (core::launcher_rank() > 0) return core::ExitCode::ok;
  const measure::SoloWorld world(measure::this_host());
  if (!cfg.launch_file.empty()) return run_sweep_launch(cfg, world, core::detect_launch(), argc, argv, envp);
  if (!cfg.json_path.empty()) results::check_writable(cfg.json_path);
  if (!cfg.prometheus_path.empty()) results::check_writable(cfg.prometheus_path, "--prometheus");
  BackendFactory factory("model", cfg, false);
  std::string failure;
  std::unique_ptr<backend::Backend> be = factory.make(world, {}, &failure);
  results::RunDocument doc;
  doc.metadata = job_metadata(cfg, world, *be, core::detect_launch(), argc, argv, envp);
  report::TablePrinter table(stdout);
  table.preamble(doc.metadata);
  TableSink table_sink(table);
  DocumentSink doc_sink(doc, "", false);  // written once, at the end
  FanOutSink sink({&table_sink, &doc_sink});
  drive(Drive{cfg, world, sink, {}, {}, {}}, plan::blocks_of(cfg.plan), [&be](const plan::Block&) { return std::move(be); });
  table.note(fmt::format("PREDICTED, not measured: NCCL {}'s cost model for {} ({} ranks); the algorithm and protocol NCCL "
                         "would choose, and every usable cell's time, are in the JSON's backend_notes",
                         model::kModelNcclVersion, doc.metadata.settings.at("topology_name"), doc.metadata.nranks));
  doc.status = "ok";
  doc.metadata.end_time = results::iso8601_utc(std::chrono::system_clock::now());
  if (!cfg.json_path.empty()) results::write_document_file(cfg.json_path, doc);
  if (!cfg.prometheus_path.empty()) write_run_prometheus(cfg.prometheus_path, doc, cfg.json_path.empty() ? "run" : cfg.json_path);
  return core::ExitCode::ok;
}

}  // namespace

core::ExitCode run(const RunConfig& cfg, int* argc, char*** argv, char** envp) {
  if (cfg.backend == "model") return run_model(cfg, *argc, *argv, envp);  // a plain process: no MPI
  // COLLBENCH_INJECT=pause:RANK (test only): held here, before any library starts, until a signal
  // (whose default action ends the process) arrives.
  if (core::faults_for_rank(cfg.faults, core::launcher_rank()).pause)
    for (;;) ::pause();
  const int saved_argc = *argc;
  char** saved_argv = *argv;
  TaskStart start = start_task(cfg);  // before MPI_Init: which world, and an MCA variable under srun
  if (start.refused) return *start.refused;
  const std::unique_ptr<measure::World> job = start_world(start, cfg, argc, argv);
  const measure::World& world = *job;
  // Singletons (srun without PMI reaching MPI) each think they are rank 0: task 0 alone says so.
  if (world.control_plane() == "mpi") {
    if (const std::string why = core::srun_world_mismatch(start.launch.launcher, start.launch.slurm, world.size()); !why.empty()) {
      if (core::launcher_rank() == 0) std::fprintf(stderr, "collbench: %s\n", why.c_str());
      return core::ExitCode::bad_input;
    }
  }
  measure::install_crash_handler(world.rank(), world.host());
  core::HostClock::init();
  if (!cfg.launch_file.empty()) return run_sweep_launch(cfg, world, start.launch, saved_argc, saved_argv, envp);
  return run_job(cfg, world, start.launch, saved_argc, saved_argv, envp);
}

}  // namespace collbench::app
