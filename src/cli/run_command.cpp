#include "cli/run_command.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <memory>

#include <nlohmann/json.hpp>

#include "backend/mpi/mpi_backend.hpp"
#include "backend/nccl/nccl_backend.hpp"
#include "core/host_clock.hpp"
#include "core/launcher.hpp"
#include "measure/session.hpp"
#include "measure/world.hpp"
#include "plan/groups.hpp"
#include "cli/model_run.hpp"
#include "cli/run_groups.hpp"
#include "cli/run_setup.hpp"
#include "cli/sweep_launch.hpp"
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
  // Records measured by parts of the job (--per-node, --pairs): into the document, not the table.
  void append(std::vector<results::ResultRecord> records) {
    m_doc.results.insert(m_doc.results.end(), std::make_move_iterator(records.begin()), std::make_move_iterator(records.end()));
    flush();
  }

 private:
  results::RunDocument& m_doc;
  std::string m_path;
  const plan::RunPlan& m_plan;
  report::TablePrinter m_table;
};

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
  if (cfg.backend == "model") return run_model(cfg, *argc, *argv, envp);  // a plain process: no MPI
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
  if (!json_path_ok(cfg, world)) return core::ExitCode::bad_input;

  if (cfg.plan.root >= world.size())
    return fail_together(world, fmt::format("--root {}: expected a rank below the job's size {}", cfg.plan.root, world.size()),
                         core::ExitCode::bad_input);
  // The nodes of --per-node / --pairs: a --ranks-per-node that does not fit the job is found now,
  // before anything is measured.
  std::vector<plan::Node> nodes;
  if (cfg.per_node || cfg.pairs) {
    try {
      nodes = plan::split_nodes(world.hosts(), cfg.ranks_per_node);
    } catch (const core::InputError& e) {
      return fail_together(world, e.what(), core::ExitCode::bad_input);
    }
  }

  std::string refusal;
  const std::string chosen = resolve_backend(cfg, world, &refusal);
  if (chosen.empty() && cfg.backend == "mpi") return fail_together(world, refusal, core::ExitCode::bad_input);
  std::unique_ptr<backend::Backend> be;
  if (chosen == "nccl") {
    be = make_nccl(cfg.nccl, world, &refusal);
  } else if (chosen == "mpi") {
    be = backend::make_mpi_backend(world);
  }
  if (!be)  // the nccl backend could not start: one line from rank 0, exit 3 on every rank
    return fail_together(world, refusal, core::ExitCode::run_failed);
  be->set_faults(core::faults_for_rank(cfg.faults, world.rank()));

  results::RunDocument doc;
  doc.metadata = make_metadata(cfg, world, be->info(), start.launch, saved_argc, saved_argv, envp);
  add_backend_details(doc.metadata, *be, world);
  RootSink root_sink(doc, cfg.json_path, cfg.plan);
  measure::NullSink null_sink;
  const measure::SessionOptions sopt = session_options(cfg, be->info());
  core::ExitCode code = core::ExitCode::ok;
  try {
    if (world.is_root()) {
      root_sink.table().set_nccl_tests_figure(cfg.compat_nccl_tests);
      root_sink.table().preamble(doc.metadata);
      if (world.size() == 1)
        root_sink.table().note("1 rank: bus bandwidth is 0 by definition (nothing crosses a link), as in nccl-tests");
      if (!cfg.faults.empty()) root_sink.table().note("FAULT INJECTION ACTIVE (COLLBENCH_INJECT): results are not real");
      root_sink.flush();
    }
    code = measure::run_session(*be, world, cfg.plan, sopt, world.is_root() ? static_cast<measure::ResultSink&>(root_sink) : null_sink);
    if (cfg.per_node || cfg.pairs) {
      be.reset();  // each group starts its own backend: free the whole job's buffers first
      const core::ExitCode groups = run_groups(cfg, world, nodes, chosen, [&root_sink](std::vector<results::ResultRecord> r) { root_sink.append(std::move(r)); });
      if (groups == core::ExitCode::run_failed) {  // a group's backend could not start: said on stderr
        if (world.is_root()) {
          doc.status = "failed";
          doc.metadata.end_time = results::iso8601_utc(std::chrono::system_clock::now());
          root_sink.flush();
        }
        return groups;
      }
      if (groups == core::ExitCode::wrong && code == core::ExitCode::ok) code = groups;
    }
  } catch (const core::Error& e) {
    if (world.is_root()) {
      doc.status = "failed";
      doc.metadata.end_time = results::iso8601_utc(std::chrono::system_clock::now());
      try {
        root_sink.flush();
      } catch (const core::Error& again) {
        std::fprintf(stderr, "collbench: %s\n", again.what());
      }
    }
    abort_job(world, e, "");
  }
  if (world.is_root()) {
    doc.status = code == core::ExitCode::wrong ? "wrong" : code == core::ExitCode::run_failed ? "failed" : "ok";
    doc.metadata.end_time = results::iso8601_utc(std::chrono::system_clock::now());
    root_sink.flush();
    if (code == core::ExitCode::wrong) std::fprintf(stderr, "collbench: wrong results (see #wrong); exit 1\n");
    if (code == core::ExitCode::run_failed)
      std::fprintf(stderr, "collbench: the library refused some cases (status \"failed\", with its message); the others "
                           "were measured; exit 3\n");
  }
  return code;
}

}  // namespace collbench::cli
