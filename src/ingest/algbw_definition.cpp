#include "ingest/algbw_definition.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

namespace collbench::ingest {
namespace {

// Half a unit in the last printed place, for a value nccl-tests printed in a 6-7 character field:
// two decimals while they fit, then one, then none (%7.2f/%7.1f/%7.0f before 2.17.3, getFloatStr
// since; the old bandwidths' %6.2f is finer). An upper bound, so a row is never over-trusted.
double half_ulp(double x) {
  if (x < 100) return 0.005;
  if (x < 10000) return 0.05;
  return 0.5;
}

// "2.17.6" -> {2, 17}; {-1, -1} when it does not start with two numbers.
std::pair<int, int> major_minor(std::string_view v) {
  int major = -1, minor = -1;
  const char* end = v.data() + v.size();
  auto [p, ec] = std::from_chars(v.data(), end, major);
  if (ec != std::errc() || p == end || *p != '.') return {-1, -1};
  auto [q, ec2] = std::from_chars(p + 1, end, minor);
  if (ec2 != std::errc()) return {-1, -1};
  return {major, minor};
}

}  // namespace

std::string_view definition_name(AlgbwDefinition d) {
  switch (d) {
    case AlgbwDefinition::current: return "current";
    case AlgbwDefinition::pre_2020: return "pre-2020 (nccl-tests #45)";
    default: return "unknown";
  }
}

bool algbw_definition_changed(std::string_view collective) {
  return collective == "allgather" || collective == "reducescatter";
}

AlgbwDefinition definition_of_version(std::string_view tool, std::string_view version) {
  if (tool != "nccl-tests") return AlgbwDefinition::unknown;
  const auto [major, minor] = major_minor(version);
  if (major < 0) return AlgbwDefinition::unknown;
  // v2.9.0 (2021-05) is the first release with ec1b5e2; no tag lies between it and v2.0.0.
  return (major > 2 || (major == 2 && minor >= 9)) ? AlgbwDefinition::current : AlgbwDefinition::pre_2020;
}

AlgbwDefinition definition_of_rows(int nranks, std::span<const PrintedRow> rows) {
  if (nranks < 2) return AlgbwDefinition::unknown;
  const double gap = 1.0 / nranks;  // between the ratios 1 (current) and (n-1)/n (old)
  const double old_ratio = 1.0 - gap;
  bool current = false, old = false;
  for (const PrintedRow& r : rows) {
    if (!(r.time_us > 0) || !(r.algbw_gbps > 0) || r.bytes == 0 || !std::isfinite(r.time_us)) continue;
    // Relative uncertainty of the ratio from the printed rounding of both numbers.
    const double u = half_ulp(r.algbw_gbps) / r.algbw_gbps + half_ulp(r.time_us) / r.time_us;
    if (u > gap / 8) continue;  // too few digits to tell (small sizes)
    const double ratio = r.algbw_gbps / (static_cast<double>(r.bytes) / r.time_us / 1e3);
    // Within a quarter of the gap: generous to rounding the bound above misjudges (a 2017-2019
    // log's milliseconds, converted), yet the two readings stay apart.
    if (std::abs(ratio - 1) <= gap / 4) current = true;
    else if (std::abs(ratio - old_ratio) <= gap / 4) old = true;
    else return AlgbwDefinition::unknown;  // neither: the log's algbw is something else
  }
  if (current == old) return AlgbwDefinition::unknown;  // no row told, or rows disagree
  return current ? AlgbwDefinition::current : AlgbwDefinition::pre_2020;
}

std::vector<AlgbwTable> algbw_tables(const std::vector<results::ResultRecord>& records, AlgbwDefinition by_version) {
  std::vector<AlgbwTable> tables;
  std::vector<std::vector<PrintedRow>> rows;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const auto& r = records[i];
    const bool same = !tables.empty() && tables.back().first + rows.back().size() == i &&
                      tables.back().collective == r.collective && tables.back().nranks == r.nranks;
    if (!algbw_definition_changed(r.collective)) continue;
    if (!same) {
      tables.push_back({r.collective, r.nranks, i, AlgbwDefinition::unknown});
      rows.emplace_back();
    }
    constexpr double nan = std::numeric_limits<double>::quiet_NaN();
    PrintedRow row{r.bytes, nan, nan};
    if (r.printed) row.time_us = r.printed->time_us, row.algbw_gbps = r.printed->algbw_gbps;
    rows.back().push_back(row);
  }
  for (std::size_t t = 0; t < tables.size(); ++t)
    tables[t].definition = by_version != AlgbwDefinition::unknown ? by_version : definition_of_rows(tables[t].nranks, rows[t]);
  return tables;
}

std::string document_definition(const std::vector<AlgbwTable>& tables) {
  if (tables.empty()) return "";
  const auto any = [&](AlgbwDefinition d) {
    return std::ranges::any_of(tables, [d](const AlgbwTable& t) { return t.definition == d; });
  };
  if (any(AlgbwDefinition::pre_2020)) return std::string(definition_name(AlgbwDefinition::pre_2020));
  if (any(AlgbwDefinition::current)) return std::string(definition_name(AlgbwDefinition::current));
  return std::string(definition_name(AlgbwDefinition::unknown));
}

}  // namespace collbench::ingest
