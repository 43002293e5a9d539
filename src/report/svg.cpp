#include "report/svg.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/xml.hpp"
#include "report/analysis.hpp"

namespace collbench::report::svg {

const char* const kCss = R"(body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:24px auto;max-width:1100px;color:#1b1b1b;padding:0 16px}
h1{font-size:1.6em;margin-bottom:4px}h2{margin-top:1.8em;border-bottom:1px solid #ddd;padding-bottom:4px}h3{margin-bottom:4px}
table{border-collapse:collapse;margin:8px 0 16px;font-size:0.9em}th,td{border:1px solid #d0d0d0;padding:3px 8px;text-align:right}
th{background:#f3f3f3}td.l,th.l{text-align:left}.dim{color:#666}.warn{background:#fff4d6;border:1px solid #e0b84c;padding:8px 12px}
svg{display:block;margin:8px 0;background:#fff}.grid{stroke:#e6e6e6;stroke-width:1}.frame{fill:none;stroke:#999}
.tick{font-size:11px;fill:#444}.label{font-size:12px;fill:#222}ul.legend{list-style:none;padding:0;columns:2;font-size:0.9em}
.swatch{display:inline-block;width:12px;height:12px;margin-right:6px;vertical-align:middle}details{margin:6px 0}
.charts{display:flex;flex-wrap:wrap;gap:12px})";

double Axes::px(double x) const { return kL + (std::log2(x) - x0) / (x1 - x0) * (kW - kL - kR); }
double Axes::py(double y) const { return kH - kB - (std::log10(y) - y0) / (y1 - y0) * (kH - kT - kB); }

std::string size_tick(double log2b) { return format_bytes(std::exp2(log2b)); }

std::string count_tick(double log2n) { return fmt::format("{:.0f}", std::exp2(log2n)); }

namespace {

std::string value_tick(double log10v) {
  const double v = std::pow(10.0, log10v);
  if (v >= 1) return fmt::format("{:.0f}", v);
  return fmt::format("{:g}", v);
}

}  // namespace

std::string axes(const Axes& ax, const std::string& xlabel, const std::string& ylabel, TickFn xtick) {
  std::string s;
  const double span = ax.x1 - ax.x0;
  const int step = span <= 12 ? 1 : span <= 24 ? 2 : span <= 36 ? 3 : 4;
  for (int e = static_cast<int>(std::ceil(ax.x0)); e <= static_cast<int>(std::floor(ax.x1)); ++e) {
    if (e % step != 0) continue;
    const double x = ax.px(std::exp2(e));
    s += fmt::format(R"(<line class="grid" x1="{:.1f}" y1="{:.1f}" x2="{:.1f}" y2="{:.1f}"/>)", x, kT, x, kH - kB);
    s += fmt::format(R"(<text class="tick" x="{:.1f}" y="{:.1f}" text-anchor="middle">{}</text>)", x, kH - kB + 16,
                     core::xml_escape(xtick(e)));
  }
  for (int e = static_cast<int>(std::ceil(ax.y0)); e <= static_cast<int>(std::floor(ax.y1)); ++e) {
    const double y = ax.py(std::pow(10.0, e));
    s += fmt::format(R"(<line class="grid" x1="{:.1f}" y1="{:.1f}" x2="{:.1f}" y2="{:.1f}"/>)", kL, y, kW - kR, y);
    s += fmt::format(R"(<text class="tick" x="{:.1f}" y="{:.1f}" text-anchor="end">{}</text>)", kL - 6, y + 4, value_tick(e));
  }
  s += fmt::format(R"(<rect class="frame" x="{}" y="{}" width="{}" height="{}"/>)", kL, kT, kW - kL - kR, kH - kT - kB);
  s += fmt::format(R"(<text class="label" x="{:.1f}" y="{:.1f}" text-anchor="middle">{}</text>)", (kL + kW - kR) / 2, kH - 10,
                   core::xml_escape(xlabel));
  s += fmt::format(R"~(<text class="label" transform="translate(16,{:.1f}) rotate(-90)" text-anchor="middle">{}</text>)~",
                   (kT + kH - kB) / 2, core::xml_escape(ylabel));
  return s;
}

// Log axes over every positive value the chart draws; a range of one decade at least.
Axes fit(const std::vector<std::pair<double, double>>& xy) {
  Axes ax;
  double xmin = HUGE_VAL, xmax = -HUGE_VAL, ymin = HUGE_VAL, ymax = -HUGE_VAL;
  for (const auto& [x, y] : xy) {
    if (!(x > 0) || !(y > 0) || !std::isfinite(y)) continue;
    xmin = std::min(xmin, std::log2(x)), xmax = std::max(xmax, std::log2(x));
    ymin = std::min(ymin, std::log10(y)), ymax = std::max(ymax, std::log10(y));
  }
  if (xmin > xmax) return ax;
  ax.x0 = xmin, ax.x1 = xmax > xmin ? xmax : xmin + 1;
  ax.y0 = std::floor(ymin), ax.y1 = std::ceil(ymax);
  if (ax.y1 <= ax.y0) ax.y1 = ax.y0 + 1;
  return ax;
}

std::string open(const std::string& title) {
  return fmt::format(R"(<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" width="{}" height="{}" role="img" aria-label="{}">)",
                     kW, kH, kW, kH, core::xml_escape(title));
}

}  // namespace collbench::report::svg
