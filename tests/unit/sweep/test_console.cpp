// What `collbench sweep` prints (sweep/console.hpp), byte for byte against tests/golden/console:
// the --dry-run plan of a small spec, the knob catalogs, and a session's summary.
#include "sweep/console.hpp"

#include <gtest/gtest.h>

#include "../console_golden.hpp"
#include "core/error.hpp"
#include "plan/sweep_plan.hpp"
#include "plan/sweep_spec.hpp"

namespace {

namespace sweep = collbench::sweep;
namespace plan = collbench::plan;

constexpr const char* kSpec = R"({
  // two Open MPI allreduce algorithms and the default, two sizes, two repetitions
  "name": "console",
  "backend": "mpi",
  "collectives": ["allreduce", "allgather"],
  "sizes": {"min": "64K", "max": "1M", "factor": 16},
  "datatypes": ["float"],
  "launcher": {"ranks": 4},
  "knobs": {"coll_tuned_allreduce_algorithm": ["default", "recursive_doubling", "ring"]},
  "repetitions": 2
})";

TEST(SweepConsole, DryRunPlan) {
  const plan::SweepSpec spec = plan::parse_sweep_spec(kSpec, "console.json");
  const plan::SweepPlan p = plan::make_plan(spec);
  const std::vector<std::string> args = {"run", "--backend", "mpi", "--iters", "20"};
  consoletest::expect_golden("sweep.plan.txt", sweep::plan_text(spec, p, args, "out/console", "/opt/collbench/bin/collbench"));
}

// The register knob is how the run hands NCCL its buffers, not an ncclConfig_t field: the plan says
// "run --register", and CTAPolicy stays an ncclConfig_t field.
TEST(SweepConsole, RegisterIsARunFlagNotAnNcclConfigField) {
  const plan::SweepSpec spec = plan::parse_sweep_spec(R"({"name": "reg", "backend": "nccl", "collectives": ["allreduce"],
      "sizes": {"min": "1K", "max": "1K"}, "datatypes": ["float"], "launcher": {"ranks": 2},
      "knobs": {"register": ["none", "symmetric"], "config.CTAPolicy": ["default", "zero"]}})", "reg.json");
  const std::string text = sweep::plan_text(spec, plan::make_plan(spec), {"run", "--backend", "nccl"}, "out/reg", "collbench");
  EXPECT_NE(text.find("ncclConfig_t CTAPolicy=2, run --register symmetric\n"), std::string::npos) << text;
  EXPECT_NE(text.find("communicator: (inherited), run --register symmetric\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("ncclConfig_t register"), std::string::npos) << text;
}

TEST(SweepConsole, KnobCatalogs) {
  consoletest::expect_golden("sweep.knobs-mpi.txt", sweep::catalog_text("mpi"));
  consoletest::expect_golden("sweep.knobs-nccl.txt", sweep::catalog_text("nccl"));
  EXPECT_THROW(sweep::catalog_text("gloo"), collbench::core::InputError);
}

TEST(SweepConsole, SessionSummary) {
  plan::SweepSpec spec = plan::parse_sweep_spec(kSpec, "console.json");
  spec.time_budget_s = 600;
  sweep::SweepOutcome o;
  o.planned = 24, o.already_done = 6, o.measured = 14, o.wrong = 1, o.skipped = 2, o.failed = 2, o.left = 2;
  o.launches = 5, o.wall_s = 42.25, o.measured_s = 3.125;
  o.store_path = "out/console/results.jsonl", o.manifest_path = "out/console/manifest.json";
  o.notes = {"dropped a results line cut short by an earlier kill (that case runs again)",
             "configuration 1a2b3c4d (coll_tuned_allreduce_algorithm=4) failed: launch L002-r0 exited with code 1"};
  o.budget_reached = true;
  consoletest::expect_golden("sweep.outcome.txt", sweep::outcome_text(spec, o));
  spec.backend = "model";
  o.notes.clear();
  o.budget_reached = false;
  o.standin = true;
  consoletest::expect_golden("sweep.outcome-model.txt", sweep::outcome_text(spec, o));
  EXPECT_EQ(sweep::duration_text(45), "45 s");
  EXPECT_EQ(sweep::duration_text(187), "3 min 07 s");
  EXPECT_EQ(sweep::duration_text(9000), "2.5 h");
}

}  // namespace
