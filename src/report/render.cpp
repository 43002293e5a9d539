#include "report/render.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <fmt/format.h>

#include "core/collective.hpp"
#include "core/size.hpp"
#include "core/xml.hpp"
#include "report/svg.hpp"

namespace collbench::report {
namespace {

using nlohmann::json;
using svg::kB;
using svg::kH;
using svg::kL;
using svg::kR;
using svg::kT;
using svg::kW;

constexpr const char* kSizeLabel = "message size (bytes per rank, log scale)";

json num(double x) { return std::isfinite(x) ? json(x) : json(nullptr); }

// Series indices grouped by collective, collectives in collbench's order.
std::vector<std::pair<std::string, std::vector<std::size_t>>> by_collective(const Dataset& d) {
  std::vector<std::pair<std::string, std::vector<std::size_t>>> out;
  for (const core::Collective c : core::kAllCollectives) {
    std::vector<std::size_t> members;
    for (std::size_t i = 0; i < d.series.size(); ++i)
      if (d.series[i].collective == core::name(c)) members.push_back(i);
    if (!members.empty()) out.emplace_back(std::string(core::name(c)), std::move(members));
  }
  return out;
}

bool any_predicted(const Dataset& d) {
  return std::any_of(d.sources.begin(), d.sources.end(), [](const SourceInfo& s) { return s.predicted; });
}

bool any_standin(const Dataset& d) {
  return std::any_of(d.sources.begin(), d.sources.end(), [](const SourceInfo& s) { return s.standin; });
}

// Imported nccl-tests logs beside collbench's own results: their busbw is nccl-tests' figure, the
// others' is from the median, so the tables add nccl-tests' figure for every series.
bool mixes_imports(const Dataset& d) {
  const auto imported = [](const SourceInfo& s) { return s.imported; };
  return std::any_of(d.sources.begin(), d.sources.end(), imported) && !std::all_of(d.sources.begin(), d.sources.end(), imported);
}

constexpr const char* kMixedNote =
    "Imported nccl-tests logs print nccl-tests' figure (the mean over ranks of each rank's mean time, its default -a 1); "
    "collbench's curves and peaks are from the median of the max over ranks. The column \"peak busbw (nccl-tests' figure)\" "
    "puts every series on nccl-tests' figure: compare logs with runs there.";

const char* source_mark(const SourceInfo& s) { return s.predicted ? " (predicted)" : (s.standin ? " (stand-in)" : ""); }

std::string fmt_num(double x, const char* spec = "{:.4g}") {
  return std::isfinite(x) ? fmt::format(fmt::runtime(spec), x) : std::string("-");
}

// A ratio as check and compare print them (core::format_ratio): "1.04x", "> 1000x"; "-" for none.
std::string fmt_ratio(double x) { return std::isfinite(x) ? core::format_ratio(x) : std::string("-"); }

std::string half_peak_text(const SeriesMetrics& m) {
  if (m.half_peak_below_range) return "< smallest size";
  return std::isfinite(m.half_peak_bytes) ? format_bytes(std::round(m.half_peak_bytes)) : std::string("-");
}

std::string tail_text(const SeriesMetrics& m) {
  if (m.tail_basis.empty()) return "- (no p99)";
  return fmt::format("{} / {} ({})", fmt_num(m.tail_median, "{:.3g}"), fmt_num(m.tail_max, "{:.3g}"), m.tail_basis);
}

std::string eff_text(const SeriesMetrics& m) {
  if (!std::isfinite(m.efficiency)) return "-";
  return fmt::format("{:.1f}% of {:.4g}", 100 * m.efficiency, m.link_gbps);
}

std::string scale_text(const Series& s) {
  if (s.nnodes <= 0) return std::to_string(s.nranks);
  return fmt::format("{} ({} node{})", s.nranks, s.nnodes, s.nnodes == 1 ? "" : "s");
}

std::string gain_text(const TuneGain& g) {
  if (!g.gain_known) return "not measured";
  if (std::abs(g.gain_min - g.gain_max) < 5e-4) return fmt::format("{:.3f}x", g.gain_min);
  return fmt::format("{:.3f}x - {:.3f}x", g.gain_min, g.gain_max);
}

std::string range_text(const TuneGain& g) {
  // Ranges start one past the previous end: "> 256 KiB" reads better than "262145 B".
  const bool whole = g.min_bytes == 0 || format_bytes(double(g.min_bytes)).find('.') == std::string::npos;
  return fmt::format("{} - {}", whole ? format_bytes(static_cast<double>(g.min_bytes)) : "> " + format_bytes(double(g.min_bytes - 1)),
                     g.max_bytes ? format_bytes(static_cast<double>(*g.max_bytes)) : std::string("max"));
}

std::string md_cell(std::string s) {
  std::string out;
  for (const char c : s) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

// --- SVG charts: log2 sizes across, log10 values up. ---

// A series keeps its colour in every chart of its collective: its place among the collective's series.
const char* colour_of(const std::vector<std::size_t>& members, std::size_t series) {
  const auto at = static_cast<std::size_t>(std::find(members.begin(), members.end(), series) - members.begin());
  return svg::kPalette[at % std::size(svg::kPalette)];
}

std::string busbw_chart(const Dataset& d, const std::vector<std::size_t>& members, const std::vector<std::size_t>& shown,
                        const std::string& title) {
  std::vector<std::pair<double, double>> xy;
  for (const std::size_t i : shown)
    for (const Point& p : d.series[i].points) xy.emplace_back(double(p.bytes), p.busbw);
  if (xy.empty()) return "";
  const svg::Axes ax = svg::fit(xy);
  std::string s = svg::open(title) + svg::axes(ax, kSizeLabel, "bus bandwidth (GB/s, log scale)", svg::size_tick);
  for (std::size_t k = 0; k < shown.size(); ++k) {
    const Series& ser = d.series[shown[k]];
    const char* color = colour_of(members, shown[k]);
    std::string pts;
    std::string marks;
    for (const Point& p : ser.points) {
      if (!(p.busbw > 0)) continue;
      const double x = ax.px(double(p.bytes)), y = ax.py(p.busbw);
      pts += fmt::format("{:.1f},{:.1f} ", x, y);
      marks += fmt::format(R"(<circle cx="{:.1f}" cy="{:.1f}" r="2.5" fill="{}"><title>{}: {} busbw {} GB/s</title></circle>)", x,
                           y, color, core::xml_escape(ser.label), format_bytes(double(p.bytes)), fmt_num(p.busbw));
    }
    const bool predicted = d.sources[static_cast<std::size_t>(ser.source)].predicted;
    s += fmt::format(R"(<polyline fill="none" stroke="{}" stroke-width="1.8"{} points="{}"/>)", color,
                     predicted ? R"( stroke-dasharray="6 3")" : "", pts);
    s += marks;
  }
  return s + "</svg>";
}

// p50-p99 bands (filled), the p50 (or mean) line on top; series without p99 draw the line only.
std::string latency_chart(const Dataset& d, const std::vector<std::size_t>& members, const std::vector<std::size_t>& shown,
                          const std::string& title) {
  std::vector<std::pair<double, double>> xy;
  for (const std::size_t i : shown)
    for (const Point& p : d.series[i].points) {
      xy.emplace_back(double(p.bytes), p.time_us);
      xy.emplace_back(double(p.bytes), p.p99_us);
    }
  if (xy.empty()) return "";
  const svg::Axes ax = svg::fit(xy);
  std::string s = svg::open(title) + svg::axes(ax, kSizeLabel, "time per call (us, log scale)", svg::size_tick);
  for (std::size_t k = 0; k < shown.size(); ++k) {
    const Series& ser = d.series[shown[k]];
    const char* color = colour_of(members, shown[k]);
    std::string upper, lower, line, marks;
    for (const Point& p : ser.points) {
      if (!(p.time_us > 0)) continue;
      const double x = ax.px(double(p.bytes));
      line += fmt::format("{:.1f},{:.1f} ", x, ax.py(p.time_us));
      const std::string p99 = p.p99_us > 0 ? fmt::format(", p99 {} us", fmt_num(p.p99_us)) : "";
      marks += fmt::format(R"(<circle cx="{:.1f}" cy="{:.1f}" r="2.2" fill="{}"><title>{}: {} {} {} us{}</title></circle>)", x,
                           ax.py(p.time_us), color, core::xml_escape(ser.label), format_bytes(double(p.bytes)), ser.basis,
                           fmt_num(p.time_us), p99);
      if (p.p99_us > 0) {
        upper += fmt::format("{:.1f},{:.1f} ", x, ax.py(std::max(p.p99_us, p.time_us)));
        lower = fmt::format("{:.1f},{:.1f} ", x, ax.py(p.time_us)) + lower;
      }
    }
    if (!upper.empty()) s += fmt::format(R"(<polygon fill="{}" fill-opacity="0.18" stroke="none" points="{}{}"/>)", color, upper, lower);
    const bool predicted = d.sources[static_cast<std::size_t>(ser.source)].predicted;
    s += fmt::format(R"(<polyline fill="none" stroke="{}" stroke-width="1.6"{} points="{}"/>)", color,
                     predicted ? R"( stroke-dasharray="6 3")" : "", line);
    s += marks;
  }
  return s + "</svg>";
}

std::string legend_html(const Dataset& d, const std::vector<std::size_t>& members, const std::vector<std::size_t>& shown) {
  const std::size_t total = members.size();
  std::string s = R"(<ul class="legend">)";
  for (std::size_t k = 0; k < shown.size(); ++k) {
    const Series& ser = d.series[shown[k]];
    s += fmt::format(R"(<li><span class="swatch" style="background:{}"></span>{} <span class="dim">{} {} {}, {} ranks, {}</span></li>)",
                     colour_of(members, shown[k]), core::xml_escape(ser.label), core::xml_escape(ser.datatype),
                     core::xml_escape(ser.op), core::xml_escape(ser.placement), ser.nranks, ser.basis);
  }
  s += "</ul>";
  if (total > shown.size())
    s += fmt::format(R"(<p class="dim">{} of {} series drawn (in-place curves where an out-of-place twin exists are left out, then the default and the highest peaks are kept); every series is in the tables.</p>)",
                     shown.size(), total);
  return s;
}



}  // namespace

std::vector<std::size_t> chart_series(const Dataset& d, const Analysis& a, const std::vector<std::size_t>& all,
                                      std::size_t limit) {
  // In-place curves sit on their out-of-place twins: draw one, the tables keep both.
  std::vector<std::size_t> members;
  for (const std::size_t i : all) {
    const Series& s = d.series[i];
    const bool twin = s.placement == "in_place" && std::any_of(all.begin(), all.end(), [&](std::size_t j) {
      const Series& o = d.series[j];
      return o.placement == "out_of_place" && o.source == s.source && o.config == s.config && o.datatype == s.datatype &&
             o.op == s.op && o.nranks == s.nranks;
    });
    if (!twin) members.push_back(i);
  }
  if (members.size() <= limit) return members;
  std::vector<std::size_t> order = members;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
    const bool dx = d.series[x].config == "default", dy = d.series[y].config == "default";
    if (dx != dy) return dx;
    const double px = a.metrics[x].peak_busbw, py = a.metrics[y].peak_busbw;
    return (std::isfinite(px) ? px : -1) > (std::isfinite(py) ? py : -1);
  });
  order.resize(limit);
  std::sort(order.begin(), order.end());
  return order;
}

json report_json(const Dataset& d, const Analysis& a) {
  json j;
  j["schema"] = kReportSchemaName;
  j["schema_version"] = kReportSchemaVersion;
  j["tool"] = "collbench";
  j["version"] = COLLBENCH_VERSION;
  j["predicted"] = any_predicted(d);
  if (any_standin(d)) j["standin"] = true;
  j["topology"] = a.topology ? json{{"name", a.topology->name},
                                    {"intra_node_gbps", num(a.topology->intra_node_gbps)},
                                    {"inter_node_gbps", num(a.topology->inter_node_gbps)}}
                             : json(nullptr);
  json sources = json::array();
  for (const SourceInfo& s : d.sources) {
    sources.push_back({{"label", s.label}, {"path", s.path}, {"kind", s.kind}, {"backend", s.backend},
                       {"library", s.library}, {"gpu", s.gpu}, {"status", s.status}, {"format", s.format},
                       {"predicted", s.predicted}, {"standin", s.standin}, {"imported", s.imported}, {"nranks", s.nranks},
                       {"nnodes", s.nnodes}, {"notes", s.notes}});
  }
  j["sources"] = sources;
  json colls = json::array();
  for (const auto& [coll, members] : by_collective(d)) {
    json series = json::array();
    for (const std::size_t i : members) {
      const Series& s = d.series[i];
      const SeriesMetrics& m = a.metrics[i];
      json pts = json::array();
      for (const Point& p : s.points) {
        pts.push_back({{"bytes", p.bytes}, {"reps", p.reps}, {"time_us", num(p.time_us)}, {"busbw_gbps", num(p.busbw)},
                       {"p50_us", num(p.p50_us)}, {"p99_us", num(p.p99_us)}, {"ci_lo_us", num(p.lo_us)},
                       {"ci_hi_us", num(p.hi_us)}, {"nccl_tests_time_us", num(p.nccl_tests_us)},
                       {"nccl_tests_busbw_gbps", num(p.nccl_tests_busbw)}, {"wrong", p.wrong}});
      }
      json metrics = {{"peak_busbw_gbps", num(m.peak_busbw)},
                      {"peak_bytes", m.peak_bytes},
                      {"peak_nccl_tests_busbw_gbps", num(m.peak_nccl_tests_busbw)},
                      {"half_peak_bytes", num(m.half_peak_bytes)},
                      {"half_peak_below_range", m.half_peak_below_range},
                      {"latency_floor_us", num(m.latency_floor_us)},
                      {"latency_floor_bytes", m.floor_bytes},
                      {"tail", {{"basis", m.tail_basis.empty() ? json(nullptr) : json(m.tail_basis)},
                                {"median", num(m.tail_median)}, {"max", num(m.tail_max)},
                                {"max_bytes", m.tail_basis.empty() ? json(nullptr) : json(m.tail_max_bytes)}}},
                      {"link_gbps", num(m.link_gbps)},
                      {"efficiency", num(m.efficiency)},
                      {"wrong", m.wrong}};
      series.push_back({{"label", s.label}, {"source", s.source}, {"config", s.config}, {"datatype", s.datatype},
                        {"op", s.op}, {"placement", s.placement}, {"nranks", s.nranks}, {"nnodes", s.nnodes},
                        {"basis", s.basis}, {"metrics", metrics}, {"points", pts}});
    }
    colls.push_back({{"collective", coll}, {"series", series}});
  }
  j["collectives"] = colls;
  json scaling = json::array();
  for (const ScalingGroup& g : a.scaling) {
    json rows = json::array();
    for (const ScalingRow& r : g.rows) {
      rows.push_back({{"series", d.series[r.series].label}, {"nnodes", r.nnodes}, {"nranks", r.nranks},
                      {"peak_busbw_gbps", num(r.peak_busbw)}, {"latency_floor_us", num(r.latency_floor_us)},
                      {"peak_vs_base", num(r.peak_vs_base)}, {"floor_vs_base", num(r.floor_vs_base)}});
    }
    scaling.push_back({{"collective", g.collective}, {"datatype", g.datatype}, {"op", g.op}, {"placement", g.placement},
                       {"config", g.config}, {"rows", rows}});
  }
  j["scaling"] = scaling;
  json tuning = json::array();
  for (const TuneSection& t : a.tunes) {
    json gains = json::array();
    for (const TuneGain& g : t.gains) {
      gains.push_back({{"collective", g.collective}, {"min_bytes", g.min_bytes},
                       {"max_bytes", g.max_bytes ? json(*g.max_bytes) : json(nullptr)}, {"setting", g.setting},
                       {"gain_min", num(g.gain_min)}, {"gain_max", num(g.gain_max)}, {"gain_known", g.gain_known},
                       {"confidence", g.confidence}});
    }
    tuning.push_back({{"path", t.path}, {"backend", t.backend}, {"nranks", t.nranks},
                      {"global", {{"setting", t.global_setting}, {"confidence", t.global_confidence},
                                  {"gain", num(t.global_gain)}, {"lo", num(t.global_lo)}, {"hi", num(t.global_hi)}}},
                      {"ranges", gains}});
  }
  j["tuning"] = tuning;
  return j;
}

std::string report_markdown(const Dataset& d, const Analysis& a) {
  std::string s = "# collbench report\n\n";
  s += fmt::format("{} sources, {} series. Bus bandwidth in GB/s (1e9 B/s); sizes are bytes per rank.\n\n",
                   d.sources.size(), d.series.size());
  if (any_predicted(d))
    s += "> **Predicted, not measured:** some sources come from the model backend (NCCL's cost model).\n\n";
  if (any_standin(d))
    s += "> **GPU stand-in, not a GPU:** some sources ran on collbench's CPU stand-ins for CUDA and NCCL (tests only); "
         "their times are simulated.\n\n";
  if (a.topology)
    s += fmt::format("Topology `{}`: {} GB/s per GPU within a node, {} GB/s across nodes.\n\n", md_cell(a.topology->name),
                     fmt_num(a.topology->intra_node_gbps), fmt_num(a.topology->inter_node_gbps));
  s += "## Sources\n\n| source | kind | backend | library | GPU | ranks | nodes | status | format |\n"
       "|---|---|---|---|---|--:|--:|---|---|\n";
  for (const SourceInfo& src : d.sources) {
    s += fmt::format("| {} | {} | {}{} | {} | {} | {} | {} | {} | {} |\n", md_cell(src.label), src.kind, src.backend,
                     source_mark(src), md_cell(src.library), md_cell(src.gpu), src.nranks,
                     src.nnodes > 0 ? std::to_string(src.nnodes) : "-", src.status, md_cell(src.format));
  }
  const bool mixed = mixes_imports(d);
  if (mixed) s += fmt::format("\n{}\n", kMixedNote);
  for (const auto& [coll, members] : by_collective(d)) {
    s += fmt::format("\n## {}\n\n", coll);
    s += "| series | type | op | placement | ranks | peak busbw | at | half-peak size | latency floor (us) | "
         "tail p99 spread (median / max) | efficiency | basis |";
    s += mixed ? " peak busbw (nccl-tests' figure) |\n|---|---|---|---|--:|--:|--:|--:|--:|---|---|---|--:|\n"
               : "\n|---|---|---|---|--:|--:|--:|--:|--:|---|---|---|\n";
    for (const std::size_t i : members) {
      const Series& ser = d.series[i];
      const SeriesMetrics& m = a.metrics[i];
      s += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |", md_cell(ser.label), ser.datatype,
                       ser.op, ser.placement, scale_text(ser), fmt_num(m.peak_busbw), format_bytes(double(m.peak_bytes)),
                       half_peak_text(m), fmt_num(m.latency_floor_us), tail_text(m), eff_text(m), ser.basis);
      s += mixed ? fmt::format(" {} |\n", fmt_num(m.peak_nccl_tests_busbw)) : "\n";
    }
  }
  if (!a.scaling.empty()) {
    s += "\n## Scaling\n\n";
    for (const ScalingGroup& g : a.scaling) {
      s += fmt::format("**{} {} {} {}** ({})\n\n| series | nodes | ranks | peak busbw | vs smallest | latency floor (us) | vs smallest |\n"
                       "|---|--:|--:|--:|--:|--:|--:|\n",
                       g.collective, g.datatype, g.op, g.placement, md_cell(g.config));
      for (const ScalingRow& r : g.rows) {
        s += fmt::format("| {} | {} | {} | {} | {} | {} | {} |\n", md_cell(d.series[r.series].label),
                         r.nnodes > 0 ? std::to_string(r.nnodes) : "-", r.nranks, fmt_num(r.peak_busbw),
                         fmt_ratio(r.peak_vs_base), fmt_num(r.latency_floor_us), fmt_ratio(r.floor_vs_base));
      }
      s += "\n";
    }
  }
  for (const TuneSection& t : a.tunes) {
    s += fmt::format("\n## Tuning gains ({})\n\nBackend {}, {} ranks. One setting for everything: {} (gain {} [{}, {}], {}).\n\n",
                     md_cell(t.path), t.backend, t.nranks, md_cell(t.global_setting), fmt_ratio(t.global_gain),
                     fmt_num(t.global_lo, "{:.3f}"), fmt_num(t.global_hi, "{:.3f}"), t.global_confidence);
    s += "| collective | sizes | setting | gain vs default | confidence |\n|---|---|---|--:|---|\n";
    for (const TuneGain& g : t.gains)
      s += fmt::format("| {} | {} | {} | {} | {} |\n", g.collective, range_text(g), md_cell(g.setting), gain_text(g), g.confidence);
  }
  bool notes = false;
  for (const SourceInfo& src : d.sources) {
    if (src.notes.empty()) continue;
    if (!notes) s += "\n## Notes\n\n", notes = true;
    for (const std::string& n : src.notes) s += fmt::format("- {}: {}\n", md_cell(src.label), n);
  }
  return s;
}

std::string report_html(const Dataset& d, const Analysis& a) {
  std::string s = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                  "<title>collbench report</title><style>";
  s += svg::kCss;
  s += "</style></head><body>\n<h1>collbench report</h1>\n";
  s += fmt::format("<p class=\"dim\">collbench {}: {} sources, {} series. Bus bandwidth in GB/s (1e9 B/s); sizes are "
                   "bytes per rank; axes are logarithmic.</p>\n",
                   COLLBENCH_VERSION, d.sources.size(), d.series.size());
  if (any_predicted(d))
    s += "<p class=\"warn\"><b>Predicted, not measured:</b> some sources come from the model backend (NCCL's cost "
         "model); their curves are dashed.</p>\n";
  if (any_standin(d))
    s += "<p class=\"warn\"><b>GPU stand-in, not a GPU:</b> some sources ran on collbench's CPU stand-ins for CUDA and "
         "NCCL (tests only); their times are simulated.</p>\n";
  if (a.topology)
    s += fmt::format("<p>Topology <b>{}</b>: {} GB/s per GPU within a node, {} GB/s across nodes.</p>\n",
                     core::xml_escape(a.topology->name), fmt_num(a.topology->intra_node_gbps), fmt_num(a.topology->inter_node_gbps));
  s += "<h2>Sources</h2>\n<table><tr><th class=\"l\">source</th><th class=\"l\">kind</th><th class=\"l\">backend</th>"
       "<th class=\"l\">library</th><th class=\"l\">GPU</th><th>ranks</th><th>nodes</th><th class=\"l\">status</th>"
       "<th class=\"l\">format</th></tr>\n";
  for (const SourceInfo& src : d.sources) {
    s += fmt::format("<tr><td class=\"l\">{}</td><td class=\"l\">{}</td><td class=\"l\">{}{}</td><td class=\"l\">{}</td>"
                     "<td class=\"l\">{}</td><td>{}</td><td>{}</td><td class=\"l\">{}</td><td class=\"l\">{}</td></tr>\n",
                     core::xml_escape(src.label), src.kind, core::xml_escape(src.backend), source_mark(src),
                     core::xml_escape(src.library), core::xml_escape(src.gpu), src.nranks,
                     src.nnodes > 0 ? std::to_string(src.nnodes) : "-", core::xml_escape(src.status), core::xml_escape(src.format));
  }
  s += "</table>\n";
  const bool mixed = mixes_imports(d);
  if (mixed) s += fmt::format("<p class=\"dim\">{}</p>\n", core::xml_escape(kMixedNote));
  for (const auto& [coll, members] : by_collective(d)) {
    s += fmt::format("<h2 id=\"{0}\">{0}</h2>\n", coll);
    const std::vector<std::size_t> shown = chart_series(d, a, members, 12);
    s += "<div class=\"charts\">";
    s += busbw_chart(d, members, shown, coll + " bus bandwidth vs size");
    s += "</div>\n" + legend_html(d, members, shown);
    const std::vector<std::size_t> bands = chart_series(d, a, members, 6);
    s += fmt::format("<h3>{} latency: p50-p99 bands</h3>\n", coll);
    s += "<p class=\"dim\">The line is the time per call (median, or nccl-tests' mean where the source has no "
         "percentiles); the shaded band reaches up to p99 where the source has it.</p>\n";
    s += latency_chart(d, members, bands, coll + " latency vs size") + legend_html(d, members, bands);
    s += "<table><tr><th class=\"l\">series</th><th class=\"l\">type</th><th class=\"l\">op</th><th class=\"l\">placement</th>"
         "<th>ranks</th><th>peak busbw</th><th>at</th><th>half-peak size</th><th>latency floor (us)</th>"
         "<th>tail p99 spread (median / max)</th><th>efficiency</th><th class=\"l\">basis</th>";
    s += mixed ? "<th>peak busbw (nccl-tests' figure)</th></tr>\n" : "</tr>\n";
    for (const std::size_t i : members) {
      const Series& ser = d.series[i];
      const SeriesMetrics& m = a.metrics[i];
      s += fmt::format("<tr><td class=\"l\">{}</td><td class=\"l\">{}</td><td class=\"l\">{}</td><td class=\"l\">{}</td>"
                       "<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"l\">{}</td>",
                       core::xml_escape(ser.label), core::xml_escape(ser.datatype), core::xml_escape(ser.op), ser.placement,
                       scale_text(ser), fmt_num(m.peak_busbw), format_bytes(double(m.peak_bytes)), half_peak_text(m),
                       fmt_num(m.latency_floor_us), core::xml_escape(tail_text(m)), core::xml_escape(eff_text(m)), ser.basis);
      s += mixed ? fmt::format("<td>{}</td></tr>\n", fmt_num(m.peak_nccl_tests_busbw)) : "</tr>\n";
    }
    s += "</table>\n";
    for (const std::size_t i : members) {
      const Series& ser = d.series[i];
      s += fmt::format("<details><summary>{} {} {} {}: every size</summary><table><tr><th>size</th><th>reps</th>"
                       "<th>time (us, {})</th><th>busbw</th><th>p50 (us)</th><th>p99 (us)</th><th>CI (us)</th><th>wrong</th>{}</tr>\n",
                       core::xml_escape(ser.label), core::xml_escape(ser.datatype), core::xml_escape(ser.op), ser.placement, ser.basis,
                       mixed ? "<th>busbw (nccl-tests' figure)</th>" : "");
      for (const Point& p : ser.points) {
        const std::string ci = std::isfinite(p.lo_us) ? fmt::format("[{}, {}]", fmt_num(p.lo_us), fmt_num(p.hi_us)) : "-";
        s += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>{}</tr>\n",
                         format_bytes(double(p.bytes)), p.reps, fmt_num(p.time_us), fmt_num(p.busbw), fmt_num(p.p50_us),
                         fmt_num(p.p99_us), ci, p.wrong < 0 ? std::string("not checked") : std::to_string(p.wrong),
                         mixed ? fmt::format("<td>{}</td>", fmt_num(p.nccl_tests_busbw)) : "");
      }
      s += "</table></details>\n";
    }
  }
  if (!a.scaling.empty()) {
    s += "<h2>Scaling</h2>\n";
    for (const ScalingGroup& g : a.scaling) {
      s += fmt::format("<h3>{} {} {} {} <span class=\"dim\">({})</span></h3>\n<table><tr><th class=\"l\">series</th><th>nodes</th>"
                       "<th>ranks</th><th>peak busbw</th><th>vs smallest</th><th>latency floor (us)</th><th>vs smallest</th></tr>\n",
                       g.collective, core::xml_escape(g.datatype), core::xml_escape(g.op), g.placement, core::xml_escape(g.config));
      for (const ScalingRow& r : g.rows) {
        s += fmt::format("<tr><td class=\"l\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                         core::xml_escape(d.series[r.series].label), r.nnodes > 0 ? std::to_string(r.nnodes) : "-", r.nranks,
                         fmt_num(r.peak_busbw), fmt_ratio(r.peak_vs_base), fmt_num(r.latency_floor_us),
                         fmt_ratio(r.floor_vs_base));
      }
      s += "</table>\n";
    }
  }
  for (const TuneSection& t : a.tunes) {
    s += fmt::format("<h2>Tuning gains</h2>\n<p class=\"dim\">{}: backend {}, {} ranks. One setting for everything: <b>{}</b> "
                     "(gain {} [{}, {}], {}).</p>\n",
                     core::xml_escape(t.path), core::xml_escape(t.backend), t.nranks, core::xml_escape(t.global_setting),
                     fmt_ratio(t.global_gain), fmt_num(t.global_lo, "{:.3f}"), fmt_num(t.global_hi, "{:.3f}"),
                     core::xml_escape(t.global_confidence));
    s += "<table><tr><th class=\"l\">collective</th><th class=\"l\">sizes</th><th class=\"l\">setting</th><th>gain vs default</th>"
         "<th class=\"l\">confidence</th></tr>\n";
    for (const TuneGain& g : t.gains)
      s += fmt::format("<tr><td class=\"l\">{}</td><td class=\"l\">{}</td><td class=\"l\">{}</td><td>{}</td><td class=\"l\">{}</td></tr>\n",
                       g.collective, range_text(g), core::xml_escape(g.setting), gain_text(g), core::xml_escape(g.confidence));
    s += "</table>\n";
  }
  bool notes = false;
  for (const SourceInfo& src : d.sources) {
    if (src.notes.empty()) continue;
    if (!notes) s += "<h2>Notes</h2>\n<ul>\n", notes = true;
    for (const std::string& n : src.notes) s += fmt::format("<li><b>{}</b>: {}</li>\n", core::xml_escape(src.label), core::xml_escape(n));
  }
  if (notes) s += "</ul>\n";
  s += "</body></html>\n";
  return s;
}

}  // namespace collbench::report
