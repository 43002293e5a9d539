#include "app/job.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "backend/mpi/mpi_world.hpp"
#include "backend/model/model_backend.hpp"
#include "backend/nccl/nccl_world.hpp"
#include "core/launcher.hpp"
#include "results/json.hpp"
#include "results/metadata.hpp"

#ifndef COLLBENCH_VERSION
#define COLLBENCH_VERSION "0.0.0"
#endif

namespace collbench::app {

TaskStart start_task(const RunConfig& cfg) {
  TaskStart start{core::detect_launch(), {}, std::nullopt};
  const bool speaker = core::launcher_rank() <= 0;
  try {
    start.world = core::choose_world(core::EnvLookup([](const char* n) { return std::getenv(n); }),
                                     backend::mpi::built_with_mpi(), cfg.rendezvous_port);
  } catch (const core::InputError& e) {
    // Rank 0 says what every rank got wrong alike; a rank whose own variable is wrong says so itself.
    const std::string why = e.what();
    bool own = false;
    for (const char* var : {"RANK ", "RANK '", "LOCAL_RANK", "SLURM_PROCID", "SLURM_LOCALID"}) own = own || why.rfind(var, 0) == 0;
    if (speaker || own) std::fprintf(stderr, "collbench: %s\n", e.what());
    start.refused = core::ExitCode::bad_input;
    return start;
  }
  // The mpi backend needs an MPI job: refused before any rank waits at NCCL's rendezvous.
  if (cfg.backend == "mpi" && start.world.kind != core::WorldKind::mpi) {
    if (speaker && !backend::mpi::built_with_mpi())
      std::fprintf(stderr, "collbench: --backend mpi: this collbench was built without MPI (COLLBENCH_WITH_MPI=OFF); "
                           "--backend nccl runs here\n");
    else if (speaker)
      std::fprintf(stderr, "collbench: --backend mpi: this job was not started by an MPI launcher (mpirun, srun --mpi=pmix) "
                           "but by %s, so its ranks have no MPI; --backend nccl runs here\n",
                   start.world.rendezvous.convention.c_str());
    start.refused = core::ExitCode::bad_input;
    return start;
  }
  const core::LaunchInfo& info = start.launch;
  if (info.launcher != "srun" || start.world.kind != core::WorldKind::mpi || !info.oversubscribed) return start;
  const char* yield = std::getenv("OMPI_MCA_mpi_yield_when_idle");
  if (yield == nullptr) {
    ::setenv("OMPI_MCA_mpi_yield_when_idle", "1", 1);
    start.launch.set_yield_when_idle = true;
    if (speaker)
      std::fprintf(stderr, "collbench: %d tasks on %d CPUs of this node under srun: OMPI_MCA_mpi_yield_when_idle=1 set "
                           "(Open MPI cannot tell it is oversubscribed, and busy-polling ranks run ~1000x slower)\n",
                   info.local_tasks, info.cpus);
  } else if (std::string(yield) == "0" && speaker) {
    std::fprintf(stderr, "collbench: %d tasks on %d CPUs of this node with OMPI_MCA_mpi_yield_when_idle=0: "
                         "busy-polling ranks will run far slower than the node can\n", info.local_tasks, info.cpus);
  }
  return start;
}

std::unique_ptr<measure::World> start_world(TaskStart& start, const RunConfig& cfg, int* argc, char*** argv) {
  core::LaunchInfo& launch = start.launch;
  if (start.world.kind == core::WorldKind::mpi) {
    std::unique_ptr<measure::World> world = backend::mpi::make_mpi_world(argc, argv);
    launch.control_plane = world->control_plane();
    return world;
  }
  const core::Rendezvous& rv = start.world.rendezvous;
  launch.launcher = rv.convention == "single" ? "none" : rv.convention;
  launch.rendezvous = rv.address();
  launch.rendezvous_source = rv.source;
  std::unique_ptr<measure::World> world;
  if (rv.world_size == 1) {
    world = std::make_unique<measure::SoloWorld>(measure::this_host(), rv.local_rank, rv.local_world_size);
  } else {
    backend::nccl::NcclWorldSpec spec;
    spec.rank = rv.rank;
    spec.size = rv.world_size;
    spec.local_rank = rv.local_rank;
    spec.local_size = rv.local_world_size;
    spec.address = rv.address();
    spec.source = rv.source;
    spec.convention = rv.convention;
    spec.init_timeout_s = cfg.init_timeout_s;
    // A control operation waits for the slowest rank's case: past --timeout (and its backstop) a
    // peer is gone. No --timeout: a day.
    spec.op_timeout_s = cfg.timeout_s > 0 ? cfg.timeout_s + 60.0 : 86400.0;
    world = backend::nccl::make_nccl_world(spec);
  }
  launch.control_plane = world->control_plane();
  return world;
}

results::RunMetadata base_metadata(const RunConfig& cfg, const backend::BackendInfo& info, const core::LaunchInfo& launch,
                                   int argc, char** argv, char** envp) {
  results::RunMetadata m;
  m.version = COLLBENCH_VERSION;
  for (int i = 0; i < argc; ++i) m.command_line.emplace_back(argv[i]);
  m.start_time = results::iso8601_utc(std::chrono::system_clock::now());
  m.backend = info.name;
  m.predicted = info.predicted;
  m.standin = info.standin;
  m.backend_library = info.library;
  m.timer = info.timer;
  m.env = results::filtered_env(envp);
  if (launch.set_yield_when_idle) m.env["OMPI_MCA_mpi_yield_when_idle"] = "1";  // set after main() got envp
  m.launch = launch;
  m.settings = cfg.settings;
  return m;
}

namespace {

results::RunMetadata make_metadata(const RunConfig& cfg, const measure::World& world, const backend::BackendInfo& info,
                                   const core::LaunchInfo& launch, int argc, char** argv, char** envp) {
  results::RunMetadata m = base_metadata(cfg, info, launch, argc, argv, envp);
  m.nranks = world.size();
  std::vector<std::string> slurm_nodes;
  if (launch.launcher == "srun") {
    const char* node = std::getenv("SLURMD_NODENAME");
    slurm_nodes = world.gather_strings(node ? node : "");
  }
  m.hosts = results::ranks_per_host(world.hosts(), slurm_nodes);
  if (const std::string mpi = world.library_version(); !mpi.empty()) m.settings["mpi_library"] = mpi;
  return m;
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

}  // namespace

results::RunMetadata job_metadata(const RunConfig& cfg, const measure::World& world, const backend::Backend& be,
                                  const core::LaunchInfo& launch, int argc, char** argv, char** envp) {
  if (const auto* model = dynamic_cast<const model::ModelBackend*>(&be)) {  // nothing ran: no hosts, no devices
    results::RunMetadata m = base_metadata(cfg, be.info(), launch, argc, argv, envp);
    model->describe(m);
    return m;
  }
  results::RunMetadata m = make_metadata(cfg, world, be.info(), launch, argc, argv, envp);
  add_backend_details(m, be, world);
  return m;
}

void abort_job(const measure::World& world, const core::Error& e, const std::string& what) {
  std::fprintf(stderr, "collbench: rank %d on %s: %s%s\n", world.rank(), world.host().c_str(), what.c_str(), e.what());
  std::fflush(nullptr);
  if (!world.is_root() && dynamic_cast<const core::TimeoutError*>(&e) != nullptr)
    std::this_thread::sleep_for(std::chrono::seconds(3));
  world.abort(static_cast<int>(core::ExitCode::run_failed));
  std::_Exit(static_cast<int>(core::ExitCode::run_failed));  // a virtual call is not known not to return
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

}  // namespace collbench::app
