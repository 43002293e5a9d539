#include "cli/export_command.hpp"

namespace collbench::cli {

namespace {

constexpr const char* kExportFooter = R"(Examples:
  collbench export out/run.json --out /var/lib/node_exporter/textfile/collbench.prom
  collbench export store/ verdict.json --push http://pushgateway:9091
  collbench export nightly.log --per-rank        (the exposition on standard output)

RESULTS are run JSON files, sweep or import stores, nccl-tests logs and check verdicts (check
--json; one per export). Per case and size: busbw (from the median time, and nccl-tests' figure),
time percentiles, wrong elements; per run: versions (an info metric), end time, completeness; per
verdict: pass/fail gauges per rule, case and node, the overall verdict, the slow nodes named.
No per-iteration series; per-rank series with --per-rank. Every metric: reports/METRICS.md.
--out writes atomically (a temporary file renamed), as node_exporter's textfile collector needs
(its files end in .prom). --push PUTs to URL/metrics/job/JOB/instance/HOST[/slurm_job_id/ID],
replacing that group. Exit 2 on bad input, 3 when the push fails (nothing pushed).)";

}  // namespace

CLI::App* add_export_command(CLI::App& app, app::ExportRequest& a) {
  CLI::App* c = app.add_subcommand("export", "Results and check verdicts as Prometheus metrics (textfile collector, Pushgateway)");
  c->footer(kExportFooter);
  c->add_option("results", a.inputs, "Run JSON files, stores, nccl-tests logs, a check verdict")->required();
  c->add_option("--format", a.format, "prometheus (the text exposition format)")->check(CLI::IsMember({"prometheus"}));
  c->add_option("--out", a.out, "Write to FILE atomically (default: standard output, unless --push)");
  c->add_option("--push", a.push, "Push to the Pushgateway at URL (http://HOST:9091)");
  c->add_option("--job", a.job, "The Pushgateway job of the grouping key (default collbench)");
  c->add_flag("--per-rank", a.per_rank, "Add per-rank series (each rank's p50 time and time outside the call)");
  return c;
}

}  // namespace collbench::cli
