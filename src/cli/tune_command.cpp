#include "cli/tune_command.hpp"

namespace collbench::cli {

namespace {

constexpr const char* kFooter = R"(Examples:
  collbench tune out/ompi --out out/ompi-tune
  collbench tune out/nccl-a out/nccl-b --out tuned --workload workload.json
  collbench tune out/ompi --out out/ompi-tune --validate

Writes into --out: collbench.env, env.sh, mpirun-args.txt, summary.md, summary.json, and for
nccl nccl.conf and nccl_tuner.conf (rules for libnccl-tuner-collbench.so), for mpi ompi-rules.conf.
The score, the noise rule, the levels and the workload format: reports/TUNE.md.
Exit codes: 0 ok, 1 --validate: a recommendation was slower than the default beyond noise,
2 bad input, 3 the validation sweep failed, 130 interrupted.)";

}  // namespace

CLI::App* add_tune_command(CLI::App& app, app::TuneRequest& a) {
  CLI::App* t = app.add_subcommand("tune", "Rank a sweep's configurations and write the recommended settings");
  t->footer(kFooter);
  t->add_option("stores", a.stores, "Sweep stores (directories written by collbench sweep --out)");
  t->add_option("--out", a.out, "Directory for the recommended settings (created)");
  t->add_option("--workload", a.workload, "Calls per collective and size (reports/TUNE.md); default: every measured size once");
  t->add_option("--tail-weight", a.tail_weight, "Score penalty per unit of p99/p50 above 1")->capture_default_str();
  t->add_option("--max-p99-ratio", a.max_p99_vs_default, "A candidate's p99 may not exceed this x the default's (0: no limit)")
      ->capture_default_str();
  t->add_flag("--validate", a.validate, "Measure the default and the recommendation again, interleaved, and say whether the gain held");
  t->add_option("--validate-reps", a.validate_reps, "Repetitions of each for --validate")->capture_default_str();
  return t;
}

}  // namespace collbench::cli
