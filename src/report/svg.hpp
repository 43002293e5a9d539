#pragma once
// Chart primitives shared by the report and the what-if report: log-log axes, the palette, the
// page's CSS. Plain SVG text: no script, nothing fetched when the page is viewed.
#include <string>
#include <utility>
#include <vector>

namespace collbench::report::svg {

inline constexpr const char* kPalette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
                                           "#e377c2", "#17becf", "#7f7f7f", "#bcbd22", "#393b79", "#637939"};
inline constexpr double kW = 760, kH = 360, kL = 70, kR = 20, kT = 20, kB = 52;
extern const char* const kCss;

// x on a log2 scale, y on a log10 scale.
struct Axes {
  double x0 = 0, x1 = 1;  // log2 x
  double y0 = 0, y1 = 1;  // log10 y
  double px(double x) const;
  double py(double y) const;
};

// x ticks at powers of two (labelled by `xtick`, given the exponent), y at powers of ten.
using TickFn = std::string (*)(double log2x);
std::string size_tick(double log2b);   // "64 KiB"
std::string count_tick(double log2n);  // "1024"
std::string axes(const Axes& ax, const std::string& xlabel, const std::string& ylabel, TickFn xtick);
// Log axes over every positive point; a range of one decade at least.
Axes fit(const std::vector<std::pair<double, double>>& xy);
std::string open(const std::string& title);

}  // namespace collbench::report::svg
