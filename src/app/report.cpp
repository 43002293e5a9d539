#include "app/report.hpp"

#include <cstdio>
#include <optional>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "app/output.hpp"
#include "core/error.hpp"
#include "report/analysis.hpp"
#include "report/compare.hpp"
#include "report/dataset.hpp"
#include "report/render.hpp"
#include "results/json.hpp"

namespace collbench::app {

namespace {

std::string format_of(const ReportRequest& a) {
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

int report(const ReportRequest& a) {
  const std::string format = format_of(a);
  if (!a.topology.empty() && a.link_gbps > 0) throw core::InputError("--topology and --link-gbps: give one of them");
  std::optional<report::Topology> topo;
  if (!a.topology.empty()) topo = report::load_topology(a.topology);
  if (a.link_gbps > 0) topo = report::Topology{fmt::format("{} GB/s", a.link_gbps), a.link_gbps, a.link_gbps};
  if (!a.out.empty() && a.out != "-") results::check_writable(a.out, "--out");  // before the inputs are read
  const report::Dataset d = report::load_dataset(a.inputs);
  if (d.series.empty() && d.tunes.empty())
    throw core::InputError(fmt::format("{}: no measured case to report (every record skipped, failed or per-group, or a store's "
                                       "only line cut short)",
                                       fmt::join(a.inputs, ", ")));
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

int compare(const CompareRequest& a) {
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

}  // namespace collbench::app
