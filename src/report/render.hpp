#pragma once
// The report in three forms: JSON (schema collbench.report, reports/REPORT.md), Markdown, and one
// self-contained HTML file (inline CSS and SVG charts, no script, nothing fetched when viewed).
// Output is deterministic: the same inputs give the same bytes (no clock, no paths beyond those
// given).
#include <string>

#include <nlohmann/json.hpp>

#include "report/analysis.hpp"
#include "report/dataset.hpp"

namespace collbench::report {

inline constexpr const char* kReportSchemaName = "collbench.report";
// 2: points[].nccl_tests_time_us, nccl_tests_busbw_gbps and metrics.peak_nccl_tests_busbw_gbps
//    (nccl-tests' figure, results::NcclTestsFigure).
inline constexpr int kReportSchemaVersion = 2;

nlohmann::json report_json(const Dataset& d, const Analysis& a);
std::string report_markdown(const Dataset& d, const Analysis& a);
std::string report_html(const Dataset& d, const Analysis& a);

// The series a chart draws: out-of-place where an in-place twin exists (the curves overlap), and
// when a collective still has too many to read (a sweep of hundreds of configurations), the
// default configuration and then the highest peaks, at most `limit`.
std::vector<std::size_t> chart_series(const Dataset& d, const Analysis& a, const std::vector<std::size_t>& members,
                                      std::size_t limit);

}  // namespace collbench::report
