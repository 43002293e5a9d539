#include "cli/report_command.hpp"

namespace collbench::cli {

namespace {

constexpr const char* kReportFooter = R"(Examples:
  collbench report out/demo.json out/sweep-1 out/tune-1 --format html --out report.html
  collbench report store/ --format md --topology h100-sxm
  collbench report 2node.log 4node.log 8node.log --format json --out scaling.json

INPUT is a run JSON (collbench run --json), a sweep or import store, a tune output (its directory
or summary.json), or an nccl-tests / rccl-tests log (text or -J JSON, imported on the fly).
Per collective and series: peak busbw and the size reaching it, the size at half peak, the
latency floor, the p99 spread, efficiency against --topology; scaling when inputs of several node
counts measure the same case; the tuning gains of a tune summary. Definitions: reports/REPORT.md.
--format defaults to the --out extension (.json, .html, .md), else md on stdout.)";

constexpr const char* kCompareFooter = R"(Examples:
  collbench compare before.json after.json
  collbench compare baseline-store/ nightly.log --fail-on-regression 5 --json compare.json

Per collective and size, B against A: the busbw ratio B/A, FASTER / SLOWER / SAME, and how sure.
With confidence intervals on both sides (collbench results), a verdict needs the ratio's interval
clear of 1 and a change of --threshold or more. Without them (nccl-tests logs print one mean per
size), the change must exceed the threshold and the noise each side shows between its
out-of-place and in-place times. Exit 1 with --fail-on-regression PCT when a case is SLOWER by
PCT% or more; 2 on bad input.)";

}  // namespace

CLI::App* add_report_command(CLI::App& app, app::ReportRequest& a) {
  CLI::App* c = app.add_subcommand("report", "Capacity-review report (json, html with charts, md) of results, stores and logs");
  c->footer(kReportFooter);
  c->add_option("inputs", a.inputs, "Run JSON files, stores, tune outputs, nccl-tests logs")->required();
  c->add_option("--format", a.format, "json | html | md (default: from --out, else md)")
      ->check(CLI::IsMember({"json", "html", "md"}));
  c->add_option("--out", a.out, "Output file (default: standard output)");
  c->add_option("--topology", a.topology,
                "Link rates for efficiency: a preset (h100-sxm, h200-sxm, a100-sxm, b200, gb200, mi300x) or a JSON file "
                "{name, intra_node_gbps, inter_node_gbps}");
  c->add_option("--link-gbps", a.link_gbps, "One link rate in GB/s per GPU for efficiency (instead of --topology)")
      ->check(CLI::PositiveNumber);
  return c;
}

CLI::App* add_compare_command(CLI::App& app, app::CompareRequest& a) {
  CLI::App* c = app.add_subcommand("compare", "B against A per collective and size: FASTER / SLOWER / SAME, noise-aware");
  c->footer(kCompareFooter);
  c->add_option("inputs", a.inputs, "A and B: run JSON files, stores or nccl-tests logs")->required()->expected(2);
  c->add_option("--threshold", a.threshold_pct, "The smallest change that counts, in percent (default 5)")
      ->check(CLI::Range(0.0, 100.0));
  c->add_option("--fail-on-regression", a.fail_pct, "Exit 1 when a case is SLOWER by PCT percent or more")
      ->check(CLI::Range(0.0, 100.0));
  c->add_option("--a-label", a.a_label, "The series of A to compare, when A holds several (a source or configuration label)");
  c->add_option("--b-label", a.b_label, "The same for B");
  c->add_option("--json", a.json, "Write the comparison as JSON (schema collbench.compare)");
  return c;
}

}  // namespace collbench::cli
