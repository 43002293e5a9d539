#include "cli/model_run.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <memory>

#include <nlohmann/json.hpp>

#include "backend/model/predictor.hpp"
#include "cli/launch_env.hpp"
#include "cli/run_setup.hpp"
#include "cli/sweep_launch.hpp"
#include "core/launcher.hpp"
#include "plan/launch_file.hpp"
#include "report/table.hpp"
#include "results/file_io.hpp"
#include "results/json.hpp"
#include "results/metadata.hpp"
#include "results/store.hpp"

namespace collbench::cli {

namespace {

model::Topology topology_of(const RunConfig& cfg) {
  model::Topology t = model::read_topology(cfg.topology_path);
  return cfg.nodes > 0 ? model::with_nodes(t, cfg.nodes) : t;
}

results::RunMetadata metadata(const RunConfig& cfg, const model::Predictor& p, int argc, char** argv, char** envp) {
  results::RunMetadata m = base_metadata(cfg, {"model", model::kModelLibrary, model::kModelTimer, true}, core::detect_launch(), argc, argv, envp);
  m.nranks = p.nranks();  // the job predicted; no hosts: nothing ran
  m.settings["topology_name"] = p.topology().name;
  m.settings["nodes"] = std::to_string(p.topology().nodes);
  m.settings["gpus_per_node"] = std::to_string(p.topology().gpus_per_node);
  m.backend_details = p.details();
  return m;
}

// Rows of one collective: the plan's placements for each size, as the table wants them.
template <class Emit>
void predict_plan(const model::Predictor& p, const plan::RunPlan& plan, core::Collective c, Emit&& emit) {
  for (std::uint64_t bytes : plan.sizes) {
    std::vector<results::ResultRecord> row;
    for (bool in_place : plan.placements) row.push_back(p.predict(c, plan.dtype, plan.op, plan.root, in_place, bytes));
    emit(row);
  }
}

core::ExitCode run_model_launch(const RunConfig& cfg, int argc, char** argv, char** envp) {
  const plan::LaunchFile file = plan::read_launch_file(cfg.launch_file);
  results::write_file_atomically(file.started, results::iso8601_utc(std::chrono::system_clock::now()) + "\n");
  results::StoreAppender store(file.store);
  report::TablePrinter table(stdout);
  const model::Topology topology = topology_of(cfg);
  bool metadata_written = false;
  apply_nccl_conf_files();  // as NCCL would have them: the files' values are the defaults
  LaunchEnvironment env;
  for (const plan::Block& b : file.launch.blocks) {
    env.apply(b.comm_env);  // the configuration's NCCL_ALGO, NCCL_PROTO … as NCCL would read them
    const model::Predictor p(topology, model::settings_from_environment());
    if (!metadata_written) {
      results::RunMetadata m = metadata(cfg, p, argc, argv, envp);
      m.settings["sweep"] = file.sweep;
      m.settings["launch"] = file.name;
      results::write_file_atomically(file.metadata, nlohmann::json(m).dump(1) + "\n");
      table.preamble(m);
      metadata_written = true;
    }
    table.note("configuration " + b.config_id + ": " + plan::describe(b.knobs));
    std::vector<bool> placements;
    for (const plan::PlannedCase& pc : b.cases)
      if (std::find(placements.begin(), placements.end(), pc.in_place) == placements.end()) placements.push_back(pc.in_place);
    std::sort(placements.begin(), placements.end());
    table.begin_collective(core::name(b.coll), core::nccl_tests_name(b.coll), placements);
    for (std::size_t i = 0; i < b.cases.size();) {
      std::vector<results::ResultRecord> row;
      const std::uint64_t bytes = b.cases[i].bytes;
      for (; i < b.cases.size() && b.cases[i].bytes == bytes; ++i) {
        const plan::PlannedCase& pc = b.cases[i];
        results::StoredCase sc;
        sc.case_id = pc.id;
        sc.config_id = b.config_id;
        sc.knobs = b.knobs;
        sc.rep = b.rep;
        sc.launch = file.name;
        sc.result = p.predict(b.coll, b.dtype, b.op, b.root, pc.in_place, pc.bytes);
        store.append(sc);
        row.push_back(std::move(sc.result));
      }
      table.row(row);
    }
    table.end_collective();
  }
  store.sync();
  std::fflush(stdout);
  return core::ExitCode::ok;
}

}  // namespace

core::ExitCode run_model(const RunConfig& cfg, int argc, char** argv, char** envp) {
  if (core::launcher_rank() > 0) return core::ExitCode::ok;  // under a launcher, rank 0 alone predicts
  if (!cfg.launch_file.empty()) return run_model_launch(cfg, argc, argv, envp);
  if (!cfg.json_path.empty()) results::check_writable(cfg.json_path);
  const model::Predictor p(topology_of(cfg), model::settings_from_environment());
  results::RunDocument doc;
  doc.metadata = metadata(cfg, p, argc, argv, envp);
  report::TablePrinter table(stdout);
  table.preamble(doc.metadata);
  for (core::Collective c : cfg.plan.collectives) {
    table.begin_collective(core::name(c), core::nccl_tests_name(c), cfg.plan.placements);
    predict_plan(p, cfg.plan, c, [&](std::vector<results::ResultRecord>& row) {
      table.row(row);
      doc.results.insert(doc.results.end(), row.begin(), row.end());
    });
    table.end_collective();
  }
  table.note(fmt::format("PREDICTED, not measured: NCCL {}'s cost model for {} ({} ranks); the algorithm and protocol NCCL "
                         "would choose, and every usable cell's time, are in the JSON's backend_notes",
                         model::kModelNcclVersion, p.topology().name, p.nranks()));
  doc.status = "ok";
  doc.metadata.end_time = results::iso8601_utc(std::chrono::system_clock::now());
  if (!cfg.json_path.empty()) results::write_document_file(cfg.json_path, doc);
  return core::ExitCode::ok;
}

}  // namespace collbench::cli
