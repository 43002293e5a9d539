#include "cli/report_command.hpp"

#include <cmath>
#include <cstdio>
#include <optional>

#include <fmt/format.h>

#include "cli/output.hpp"
#include "core/error.hpp"
#include "report/analysis.hpp"
#include "report/compare.hpp"
#include "report/dataset.hpp"
#include "report/render.hpp"
#include "results/json.hpp"

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

std::string format_of(const ReportArgs& a) {
  if (!a.format.empty()) return a.format;
  const auto dot = a.out.rfind('.');
  const std::string ext = dot == std::string::npos ? "" : a.out.substr(dot + 1);
  if (ext == "json" || ext == "html" || ext == "md") return ext;
  if (ext == "htm") return "html";
  if (!a.out.empty())
    throw core::InputError("--out '" + a.out + "': give --format json|html|md (the extension does not say which)");
  return "md";
}

}  // namespace

CLI::App* add_report_command(CLI::App& app, ReportArgs& a) {
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

CLI::App* add_compare_command(CLI::App& app, CompareArgs& a) {
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

int report_command(const ReportArgs& a) {
  const std::string format = format_of(a);
  if (!a.topology.empty() && a.link_gbps > 0) throw core::InputError("--topology and --link-gbps: give one of them");
  std::optional<report::Topology> topo;
  if (!a.topology.empty()) topo = report::load_topology(a.topology);
  if (a.link_gbps > 0) topo = report::Topology{fmt::format("{} GB/s", a.link_gbps), a.link_gbps, a.link_gbps};
  if (!a.out.empty() && a.out != "-") results::check_writable(a.out, "--out");  // before the inputs are read
  const report::Dataset d = report::load_dataset(a.inputs);
  if (d.series.empty() && d.tunes.empty())
    throw core::InputError("the inputs hold no measured case to report (every record skipped, failed or per-group)");
  const report::Analysis an = report::analyse(d, topo);
  std::string text;
  if (format == "json") text = report::report_json(d, an).dump(1) + "\n";
  else if (format == "html") text = report::report_html(d, an);
  else text = report::report_markdown(d, an);
  write_output(a.out, text, "--out");
  if (!a.out.empty() && a.out != "-")
    std::fprintf(stderr, "report: %zu sources, %zu series -> %s (%s)\n", d.sources.size(), d.series.size(), a.out.c_str(),
                 format.c_str());
  return 0;
}

int compare_command(const CompareArgs& a) {
  if (a.inputs.size() != 2) throw core::InputError("compare: expected two inputs, A and B");
  if (!a.json.empty() && a.json != "-") results::check_writable(a.json, "--json");
  const report::Dataset da = report::load_dataset({a.inputs[0]});
  const report::Dataset db = report::load_dataset({a.inputs[1]});
  report::CompareOptions o;
  o.threshold = a.threshold_pct / 100.0;
  o.label_a = a.a_label;
  o.label_b = a.b_label;
  const report::Comparison c = report::compare(da, db, o);
  if (!a.json.empty()) write_output(a.json, report::compare_json(c, o).dump(1) + "\n", "--json");
  const std::string text = report::compare_text(c, o);
  std::fwrite(text.data(), 1, text.size(), stdout);
  if (a.fail_pct >= 0) {
    for (const auto& r : c.rows) {
      if (r.verdict == "SLOWER" && (1 - r.ratio) * 100 >= a.fail_pct - 1e-9) {
        std::printf("# FAIL: %s %s %s %s (%d ranks) %llu B is %.1f%% slower (--fail-on-regression %g)\n", r.collective.c_str(),
                    r.datatype.c_str(), r.op.c_str(), r.placement.c_str(), r.nranks,
                    static_cast<unsigned long long>(r.bytes), 100 * (1 - r.ratio), a.fail_pct);
        return 1;
      }
    }
  }
  return 0;
}

}  // namespace collbench::cli
