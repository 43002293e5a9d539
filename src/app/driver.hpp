#pragma once
// The one run driver: blocks of cases (a run's collectives, a group's plan, a sweep's launch, a
// model's predictions) on backends, records to a sink. Consecutive blocks with equal
// per-communicator settings share one backend, destroyed before the next one is made.
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "app/run_config.hpp"
#include "backend/backend.hpp"
#include "measure/session.hpp"
#include "measure/world.hpp"
#include "plan/sweep_plan.hpp"

namespace collbench::app {

// The backend for the blocks that start at `first` and share its per-communicator settings
// (app::comm_config), made alike on every rank; nullptr stops the driver, once the callee has
// said why on every rank.
using BackendFor = std::function<std::unique_ptr<backend::Backend>(const plan::Block& first)>;

struct Drive {
  const RunConfig& cfg;
  const measure::World& world;
  measure::RecordSink& sink;  // used on the world's rank 0 only
  // What a rank's failure line names before the error: "configuration …: ", "node group 2: ".
  std::function<std::string(const plan::Block&)> context;
  // On rank 0, before the job is aborted at a failure: keep what was recorded.
  std::function<void()> on_failure;
  // Asked before block i (on every rank; the answer must agree): true ends the run there, normally.
  std::function<bool(std::size_t i)> stop_before;
};

// Every case of `blocks`, in order (up to where stop_before ends it). nullopt when backend_for
// stopped it. A failure that stops the
// run (a timeout, a backend error) aborts the job with exit 3, on_failure first.
std::optional<measure::Outcome> drive(const Drive& d, std::span<const plan::Block> blocks, const BackendFor& backend_for);

// How a run measures on `be`: the nccl backend aborts its own communicator at --timeout and
// records the case, the job-wide watchdog then stays as a backstop 30 s later (a call that never
// returns to the backend); the model backend's records are its predictions.
measure::SessionOptions session_options(const RunConfig& cfg, const backend::Backend& be);

}  // namespace collbench::app
