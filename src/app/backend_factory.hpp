#pragma once
// Which backend a job runs and how each of its communicators is made: mpi, nccl or model, behind
// backend::Backend, built alike on every rank. Per-communicator settings (a sweep block's
// environment, ncclConfig_t fields and MPI_T control variables) come in as plain data.
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "app/block_env.hpp"
#include "app/run_config.hpp"
#include "backend/backend.hpp"
#include "backend/model/topology.hpp"
#include "measure/world.hpp"
#include "plan/sweep_plan.hpp"

namespace collbench::app {

// What a communicator is made with. Blocks with equal settings can share one communicator.
struct CommConfig {
  plan::EnvChanges env;                             // set before the communicator is made
  std::map<std::string, std::string> nccl_config;   // ncclConfig_t field -> value (nccl)
  std::map<std::string, std::string> mpi_t;         // MPI_T control variable -> value (mpi)
  bool operator==(const CommConfig&) const = default;
};
CommConfig comm_config(const plan::Block& b);

// Rank 0 probes for a GPU and every rank learns the answer: "auto" becomes nccl or mpi, and
// "nccl" without a GPU is refused here ("" and *refusal set), once, on every rank alike.
std::string resolve_backend(const RunConfig& cfg, const measure::World& world, std::string* refusal);

class BackendFactory {
 public:
  // `name`: "mpi", "nccl" or "model" (resolve_backend's answer). With `block_fields`, each nccl
  // communicator gets the run's options with its ncclConfig_t fields, checked as NCCL checks them
  // (a sweep's launch); without, the run's options as given.
  BackendFactory(std::string name, const RunConfig& cfg, bool block_fields);
  const std::string& name() const { return m_name; }

  // Every rank of `world` calls it alike: sets `comm.env`, then builds the backend with the run's
  // injected faults. nullptr when it cannot start on some rank, with *failure (the first rank's
  // reason) on every rank; throws core::InputError (on every rank alike) for an ncclConfig_t field
  // NCCL would refuse, options the NCCL library in use cannot honour (--register's calls, a
  // combined CTA policy), or an MPI_T control variable Open MPI does not have or will not take.
  std::unique_ptr<backend::Backend> make(const measure::World& world, const CommConfig& comm, std::string* failure);

 private:
  std::unique_ptr<backend::Backend> make_nccl(const measure::World& world, const CommConfig& comm, std::string* failure);
  std::unique_ptr<backend::Backend> make_model();

  std::string m_name;
  const RunConfig& m_cfg;
  bool m_block_fields;
  BlockEnvironment m_env;
  std::optional<model::Topology> m_topology;  // read at the first model backend
};

}  // namespace collbench::app
