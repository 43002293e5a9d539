#include "app/sweep_launch.hpp"

#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>

#include <nlohmann/json.hpp>

#include "app/backend_factory.hpp"
#include "app/driver.hpp"
#include "app/job.hpp"
#include "app/block_env.hpp"
#include "app/record_sinks.hpp"
#include "plan/launch_file.hpp"
#include "report/table.hpp"
#include "results/file_io.hpp"
#include "results/json.hpp"
#include "results/metadata.hpp"
#include "results/store.hpp"

namespace collbench::app {

namespace {

core::ExitCode run_launch(const RunConfig& cfg, const measure::World& world, const core::LaunchInfo& launch, int argc,
                          char** argv, char** envp) {
  plan::LaunchFile file;
  try {
    file = plan::read_launch_file(cfg.launch_file);
  } catch (const core::InputError& e) {
    return fail_together(world, e.what(), core::ExitCode::bad_input);
  }
  std::string refusal;
  if (resolve_backend(cfg, world, &refusal).empty()) return fail_together(world, refusal, core::ExitCode::run_failed);
  if (world.is_root()) results::write_file_atomically(file.started, results::iso8601_utc(std::chrono::system_clock::now()) + "\n");
  std::unique_ptr<results::StoreAppender> store;
  if (world.is_root()) store = std::make_unique<results::StoreAppender>(file.store);
  report::TablePrinter table(stdout);
  TableSink table_sink(table);
  std::unique_ptr<StoreSink> store_sink;
  if (store) store_sink = std::make_unique<StoreSink>(*store, file.name);
  FanOutSink root_sink({&table_sink, store_sink.get()});
  measure::NullSink null_sink;

  // A knob a block leaves at its default gets the launch's starting value back, nccl.conf's included.
  const bool nccl_like = cfg.backend == "nccl" || cfg.backend == "model";
  if (nccl_like) apply_nccl_conf_files();
  BackendFactory factory(cfg.backend == "model" || cfg.backend == "nccl" ? cfg.backend : "mpi", cfg, true);
  core::ExitCode refused = core::ExitCode::ok;
  bool metadata_written = false;
  const auto backend_for = [&](const plan::Block& first) -> std::unique_ptr<backend::Backend> {
    const std::string configuration = "configuration " + plan::describe(first.knobs) + ": ";
    std::unique_ptr<backend::Backend> be;
    try {
      be = factory.make(world, comm_config(first), &refusal);
    } catch (const core::InputError& e) {
      refused = fail_together(world, configuration + e.what(), core::ExitCode::bad_input);
      return nullptr;
    }
    if (!be) {
      refused = fail_together(world, configuration + refusal, core::ExitCode::run_failed);
      return nullptr;
    }
    if (!metadata_written) {
      results::RunMetadata m = job_metadata(cfg, world, *be, launch, argc, argv, envp);
      m.settings["sweep"] = file.sweep;
      m.settings["launch"] = file.name;
      if (world.is_root()) {
        results::write_file_atomically(file.metadata, nlohmann::json(m).dump(1) + "\n");
        table.preamble(m);
      }
      metadata_written = true;
    }
    return be;
  };
  // The sweep's time budget: rank 0's clock decides for every rank, between blocks, after the first.
  const auto past_deadline = [&](std::size_t i) {
    int stop = 0;
    if (world.is_root() && i > 0 && file.deadline_unix_s > 0)
      stop = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count() >= file.deadline_unix_s;
    if (world.broadcast(stop) != 1) return false;
    if (world.is_root()) results::write_file_atomically(file.stopped, "time budget\n");
    return true;
  };
  const Drive d{cfg, world, world.is_root() ? static_cast<measure::RecordSink&>(root_sink) : null_sink,
                [](const plan::Block& b) { return "configuration " + plan::describe(b.knobs) + ": "; }, {},
                cfg.backend == "model" ? std::function<bool(std::size_t)>() : past_deadline};  // predictions take no time
  const std::optional<measure::Outcome> outcome = drive(d, file.launch.blocks, backend_for);
  if (!outcome) return refused;
  if (store) store->sync();
  std::fflush(stdout);
  world.barrier();
  return outcome->wrong ? core::ExitCode::wrong : core::ExitCode::ok;
}

}  // namespace

core::ExitCode run_sweep_launch(const RunConfig& cfg, const measure::World& world, const core::LaunchInfo& launch,
                                int argc, char** argv, char** envp) {
  try {
    return run_launch(cfg, world, launch, argc, argv, envp);
  } catch (const core::Error& e) {
    // Rank 0 alone writes the store. Its failure (a full disk: "'…/L000.started': cannot write: No
    // space left on device") must end every rank now (exit 3), not send rank 0 into MPI_Finalize
    // while the others wait in a collective until the sweep's stall limit (issue 23, item 2).
    abort_job(world, e, "");
  }
}

}  // namespace collbench::app
