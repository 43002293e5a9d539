#include "cli/sweep_command.hpp"

#include "plan/knobs.hpp"

namespace collbench::cli {

namespace {

constexpr const char* kFooter = R"(Examples:
  collbench sweep sweeps/smoke.json --out out/smoke
  collbench sweep sweeps/ompi-tuned.json --out out/ompi --dry-run
  collbench sweep sweeps/ompi-tuned.json --out out/ompi --resume

The spec format and the shipped specs: sweeps/README.md. The store: DIR/manifest.json and
DIR/results.jsonl (one line per case, the run schema of reports/SCHEMA.md plus a "sweep" object).
Exit codes: 0 ok, 1 wrong results, 2 bad input, 3 a configuration failed, 130 interrupted.)";

}  // namespace

CLI::App* add_sweep_command(CLI::App& app, app::SweepRequest& a) {
  CLI::App* s = app.add_subcommand("sweep", "Measure every configuration of a sweep spec into a resumable store");
  s->footer(kFooter);
  s->add_option("spec", a.spec, "Sweep spec (JSON with comments; sweeps/README.md)");
  s->add_option("--out", a.out, "Store directory (created; holds manifest.json and results.jsonl)");
  s->add_flag("--resume", a.resume, "Continue the sweep in --out: skip every case it already holds");
  s->add_flag("--retry-failed", a.retry_failed, "With --resume: measure again the cases recorded as failed");
  s->add_flag("--dry-run", a.dry_run, "Print the plan (launches, cases, estimated time) and exit");
  s->add_option("--launcher", a.launcher,
                "Launch with mpirun, srun, launch (collbench launch, this machine, no MPI) or torchrun (--standalone) "
                "instead of the spec's launcher.kind (its default template)")
      ->check(CLI::IsMember(plan::launcher_kinds()));
  s->add_option("--ranks", a.ranks, "Ranks per launch instead of the spec's launcher.ranks (e.g. $SLURM_NTASKS)")
      ->check(CLI::Range(1, 1 << 20));
  s->add_flag("--no-mpi-t", a.no_mpi_t,
              "mpi backend: set Open MPI's algorithms in each launch's environment (a launch per configuration and "
              "repetition) instead of per communicator through MPI_T (for an Open MPI where MPI_T does not reach them; "
              "scripts/bench-sweep.sh compares the two)");
  s->add_option("--list-knobs", a.list_knobs, "Print the knobs a spec may vary for a backend (nccl, mpi or model) and exit");
  return s;
}

}  // namespace collbench::cli
