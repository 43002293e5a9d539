#include "app/backend_factory.hpp"

#include <fmt/format.h>

#include <cstdio>

#include "backend/model/graphs.hpp"
#include "backend/model/model_backend.hpp"
#include "backend/mpi/mpi_backend.hpp"
#include "backend/nccl/nccl_backend.hpp"
#include "backend/nccl/nccl_setup.hpp"
#include "core/error.hpp"
#include "core/fault.hpp"

namespace collbench::app {

CommConfig comm_config(const plan::Block& b) { return CommConfig{b.comm_env, b.nccl_config, b.mpi_t}; }

// The mpi backend needs an MPI job, which start_task has checked: a job it let through has MPI
// when the mpi backend is asked for.
std::string resolve_backend(const RunConfig& cfg, const measure::World& world, std::string* refusal) {
  if (cfg.backend != "auto" && cfg.backend != "nccl") return cfg.backend;
  backend::nccl::GpuProbe probe;
  if (world.is_root()) probe = backend::nccl::probe_gpus();
  const int gpus = world.broadcast(probe.count);
  if (cfg.backend == "nccl") {
    if (gpus == 0 && world.is_root()) *refusal = "--backend nccl: " + probe.why + " on " + world.host() + "; --backend mpi runs on CPUs";
    return gpus > 0 ? "nccl" : "";
  }
  if (gpus == 0 && world.control_plane() != "mpi") {  // auto, and neither backend can run
    if (world.is_root()) *refusal = "no backend can run: " + probe.why + ", and the job has no MPI for --backend mpi";
    return "";
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

BackendFactory::BackendFactory(std::string name, const RunConfig& cfg, bool block_fields)
    : m_name(std::move(name)), m_cfg(cfg), m_block_fields(block_fields) {}

std::unique_ptr<backend::Backend> BackendFactory::make(const measure::World& world, const CommConfig& comm,
                                                       std::string* failure) {
  m_env.apply(comm.env);
  std::unique_ptr<backend::Backend> be;
  if (m_name == "nccl") be = make_nccl(world, comm, failure);
  else if (m_name == "model") be = make_model();
  else be = backend::make_mpi_backend(world, comm.mpi_t);
  if (be) {
    std::vector<int> members;  // the job ranks of this communicator: a link fault needs its other end here
    for (int r = 0; r < world.size(); ++r) members.push_back(world.job_rank(r));
    be->set_faults(core::faults_for_rank(m_cfg.faults, world.job_rank(world.rank()), members));
  }
  return be;
}

// The model of the described fabric under the environment just set (NCCL_ALGO, NCCL_PROTO … as
// NCCL would read them).
std::unique_ptr<backend::Backend> BackendFactory::make_model() {
  if (!m_topology) {
    const model::Topology t = model::read_topology(m_cfg.topology_path);
    m_topology = m_cfg.nodes > 0 ? model::with_nodes(t, m_cfg.nodes) : t;
  }
  return std::make_unique<model::ModelBackend>(model::Predictor(*m_topology, model::settings_from_environment()));
}

// Every rank builds its nccl backend; a rank that fails says why, and every rank gets the first
// failure (by rank), so the job stops with one line, not one per rank.
std::unique_ptr<backend::Backend> BackendFactory::make_nccl(const measure::World& world, const CommConfig& comm,
                                                            std::string* failure) {
  const backend::nccl::NcclOptions options =
      m_block_fields ? backend::nccl::block_options(m_cfg.nccl, comm.nccl_config, backend::nccl::process_env()) : m_cfg.nccl;
  backend::nccl::JobInfo job;
  job.rank = world.rank();
  job.size = world.size();
  job.local_rank = world.local_rank();
  job.local_size = world.local_size();
  job.host = world.host();
  job.broadcast_from_root = [&world](void* data, std::size_t bytes) { world.broadcast_bytes(data, bytes); };
  job.min_over_ranks = [&world](std::int64_t value) {
    double v[1] = {-static_cast<double>(value)};  // exact below 2^53
    world.max_in_place(v);
    return static_cast<std::int64_t>(-v[0]);
  };
  // First every rank says whether it has a GPU: NCCL's init waits for every rank, so no rank may
  // start it while another is refused.
  auto agree = [&](const std::string& mine) {
    for (const std::string& m : world.gather_strings(mine))
      if (!m.empty() && failure->empty()) *failure = m;
    return world.broadcast(failure->empty() ? 0 : 1) == 0;
  };
  if (!agree(backend::nccl::device_refusal(job))) return nullptr;
  // Ranks that each see one GPU all use device 0: that must be a different GPU for each rank of a
  // host, or NCCL's init fails on them ("Duplicate GPU detected").
  const std::vector<std::string> uuids = world.gather_strings(backend::nccl::device_uuid(job));
  std::string shared;
  for (std::size_t i = 0; i < uuids.size() && shared.empty(); ++i)
    for (std::size_t j = i + 1; j < uuids.size() && shared.empty(); ++j)
      if (!uuids[i].empty() && uuids[i] == uuids[j])
        shared = fmt::format("--backend nccl: ranks {} and {} on {} would both use GPU {}; give each rank its own GPU "
                             "(CUDA_VISIBLE_DEVICES, srun --gpus-per-task=1)", i, j, world.hosts()[i], uuids[i]);
  if (!agree(shared)) return nullptr;
  // What the options ask of the NCCL library in use (--register's calls, a combined CTA policy):
  // bad input, refused on every rank alike before NCCL starts.
  if (!agree(backend::nccl::library_refusal(options))) throw core::InputError(*failure);
  std::unique_ptr<backend::Backend> be;
  std::string mine;
  try {
    be = backend::nccl::make_nccl_backend(job, options);
  } catch (const core::Error& e) {
    mine = e.what();
  }
  if (!agree(mine)) be.reset();
  return be;
}

}  // namespace collbench::app
