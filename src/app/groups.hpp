#pragma once
// `collbench run --per-node / --pairs`: after the whole-job cases, the same plan again on parts of
// the job, every part at once on its own communicator: each node alone, then pairs of nodes in
// rounds. Records carry their group (reports/SCHEMA.md); rank 0 prints how each group compares
// with its peers and names the node the comparison points at.
#include <functional>
#include <vector>

#include "app/backend_factory.hpp"
#include "app/run_config.hpp"
#include "core/error.hpp"
#include "measure/world.hpp"
#include "plan/groups.hpp"
#include "results/record.hpp"

namespace collbench::app {

// Rank 0 receives each phase's records (all groups, group by group), to add to its document.
using PhaseSink = std::function<void(std::vector<results::ResultRecord>)>;

// Returns ok, wrong (some group had wrong elements) or run_failed (a group's backend could not
// start). `nodes` is plan::split_nodes of the job; `factory` makes the backend the whole-job
// cases used, on each group.
core::ExitCode run_groups(const RunConfig& cfg, const measure::World& world, const std::vector<plan::Node>& nodes,
                          BackendFactory& factory, const PhaseSink& sink);

}  // namespace collbench::app
