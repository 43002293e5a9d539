#include "report/whatif.hpp"

#include <fmt/format.h>

#include <cmath>

#include "core/xml.hpp"
#include "report/analysis.hpp"
#include "report/svg.hpp"

#ifndef COLLBENCH_VERSION
#define COLLBENCH_VERSION "0.0.0"
#endif

namespace collbench::report {

namespace {

constexpr const char* kBanner =
    "Predicted, not measured: NCCL 2.28.9's analytic cost model for a described topology. The model ranks NCCL's "
    "algorithms; its absolute numbers ignore congestion, jitter and the fabric's own limits (reports/MODEL.md).";

// The points of one collective and size, in node order.
std::vector<const model::WhatIfPoint*> line(const model::WhatIf& w, core::Collective c, std::size_t size_index) {
  std::vector<const model::WhatIfPoint*> out;
  const std::size_t per_coll = w.sizes.size() * w.nodes.size();
  std::size_t ci = 0;
  while (ci < w.collectives.size() && w.collectives[ci] != c) ++ci;
  const std::size_t first = ci * per_coll + size_index * w.nodes.size();
  for (std::size_t k = 0; k < w.nodes.size(); ++k) out.push_back(&w.points[first + k]);
  return out;
}

std::string cell_text(const model::WhatIfPoint& p) {
  if (p.time_us < 0) return "-";
  return fmt::format("{:.4g} ({}/{})", p.busbw_gbps, p.algo, p.proto);
}

std::string chart(const model::WhatIf& w, core::Collective c) {
  std::vector<std::pair<double, double>> xy;
  for (std::size_t s = 0; s < w.sizes.size(); ++s)
    for (const model::WhatIfPoint* p : line(w, c, s))
      if (p->time_us >= 0) xy.emplace_back(double(p->nodes), p->busbw_gbps);
  if (xy.empty()) return "";
  svg::Axes ax = svg::fit(xy);
  if (ax.x1 - ax.x0 < 1) ax.x1 = ax.x0 + 1;
  std::string s = svg::open(fmt::format("{} predicted bus bandwidth vs nodes", core::name(c)));
  s += svg::axes(ax, "nodes (log scale)", "predicted bus bandwidth (GB/s, log scale)", svg::count_tick);
  for (std::size_t k = 0; k < w.sizes.size(); ++k) {
    const char* colour = svg::kPalette[k % std::size(svg::kPalette)];
    std::string pts, marks;
    for (const model::WhatIfPoint* p : line(w, c, k)) {
      if (!(p->busbw_gbps > 0)) continue;
      const double x = ax.px(double(p->nodes)), y = ax.py(p->busbw_gbps);
      pts += fmt::format("{:.1f},{:.1f} ", x, y);
      marks += fmt::format(R"(<circle cx="{:.1f}" cy="{:.1f}" r="2.5" fill="{}"><title>{} nodes, {}: {:.4g} GB/s ({}/{}, predicted)</title></circle>)",
                           x, y, colour, p->nodes, format_bytes(double(w.sizes[k])), p->busbw_gbps, p->algo, p->proto);
    }
    s += fmt::format(R"(<polyline fill="none" stroke="{}" stroke-width="1.8" stroke-dasharray="6 3" points="{}"/>)", colour, pts);
    s += marks;
  }
  return s + "</svg>";
}

std::string header_line(const model::WhatIf& w) {
  return fmt::format("{} ({}); {}; datatype {}", w.topology.describe(), w.topology.source, w.settings, core::name(w.dtype));
}

}  // namespace

std::string what_if_markdown(const model::WhatIf& w) {
  std::string s = "# collbench what-if: predicted bus bandwidth against node count\n\n";
  s += fmt::format("> **{}**\n\n", kBanner);
  s += fmt::format("Topology: {}. Cells: predicted busbw in GB/s (NCCL's default algorithm/protocol). Sizes are nccl-tests' "
                   "size column (the whole buffer for allgather and reducescatter).\n",
                   header_line(w));
  for (core::Collective c : w.collectives) {
    s += fmt::format("\n## {} (predicted)\n\n| nodes | ranks |", core::name(c));
    for (std::uint64_t b : w.sizes) s += " " + format_bytes(double(b)) + " |";
    s += "\n|--:|--:|";
    for (std::size_t k = 0; k < w.sizes.size(); ++k) s += "--:|";
    s += "\n";
    for (std::size_t n = 0; n < w.nodes.size(); ++n) {
      const model::WhatIfPoint& first = *line(w, c, 0)[n];
      s += fmt::format("| {} | {} |", first.nodes, first.nranks);
      for (std::size_t k = 0; k < w.sizes.size(); ++k) s += " " + cell_text(*line(w, c, k)[n]) + " |";
      s += "\n";
    }
    std::string notes;
    for (std::size_t k = 0; k < w.sizes.size(); ++k)
      for (const model::WhatIfPoint* p : line(w, c, k))
        if (p->time_us < 0 && notes.find(p->note) == std::string::npos) notes += "- " + p->note + "\n";
    if (!notes.empty()) s += "\nNo prediction:\n\n" + notes;
  }
  return s;
}

std::string what_if_html(const model::WhatIf& w) {
  std::string s = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                  "<title>collbench what-if (predicted)</title><style>";
  s += svg::kCss;
  s += "</style></head><body>\n<h1>collbench what-if: predicted bus bandwidth against node count</h1>\n";
  s += fmt::format("<p class=\"warn\"><b>{}</b></p>\n", core::xml_escape(kBanner));
  s += fmt::format("<p class=\"dim\">collbench {}. Topology: {}. Curves are dashed: every number is a prediction. Sizes are "
                   "nccl-tests' size column.</p>\n",
                   COLLBENCH_VERSION, core::xml_escape(header_line(w)));
  for (core::Collective c : w.collectives) {
    s += fmt::format("<h2 id=\"{0}\">{0} (predicted)</h2>\n<div class=\"charts\">{1}</div>\n<ul class=\"legend\">", core::name(c),
                     chart(w, c));
    for (std::size_t k = 0; k < w.sizes.size(); ++k)
      s += fmt::format("<li><span class=\"swatch\" style=\"background:{}\"></span>{}</li>", svg::kPalette[k % std::size(svg::kPalette)],
                       format_bytes(double(w.sizes[k])));
    s += "</ul>\n<table><tr><th>nodes</th><th>ranks</th>";
    for (std::uint64_t b : w.sizes) s += "<th>" + format_bytes(double(b)) + "</th>";
    s += "</tr>\n";
    for (std::size_t n = 0; n < w.nodes.size(); ++n) {
      const model::WhatIfPoint& first = *line(w, c, 0)[n];
      s += fmt::format("<tr><td>{}</td><td>{}</td>", first.nodes, first.nranks);
      for (std::size_t k = 0; k < w.sizes.size(); ++k) s += "<td>" + core::xml_escape(cell_text(*line(w, c, k)[n])) + "</td>";
      s += "</tr>\n";
    }
    s += "</table>\n";
  }
  return s + "</body></html>\n";
}

}  // namespace collbench::report
