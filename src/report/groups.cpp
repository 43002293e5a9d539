#include "report/groups.hpp"

#include "core/size.hpp"

namespace collbench::report {

void print_group_heading(std::FILE* out, const std::string& text) { std::fprintf(out, "#\n# %s\n", text.c_str()); }

void print_group_phase(std::FILE* out, const std::string& title, std::span<const GroupComparison> rows) {
  print_group_heading(out, title);
  std::fprintf(out, "# %-13s %10s %-12s %7s %12s  %-34s %12s %8s\n", "collective", "size", "placement", "groups", "others(us)",
               "slowest group", "its time(us)", "ratio");
  for (const GroupComparison& r : rows)
    std::fprintf(out, "  %-13s %10s %-12s %7zu %12.2f  %-34s %12.2f %8s%s\n", r.collective.c_str(),
                 core::format_size(r.bytes).c_str(), r.placement.c_str(), r.groups, r.others_us, r.slowest.c_str(),
                 r.slowest_us, core::format_ratio(r.others_us > 0 ? r.slowest_us / r.others_us : 1.0).c_str(),
                 r.wrong ? "  WRONG" : "");
}

void print_group_suspects(std::FILE* out, std::span<const std::string> suspects) {
  std::fprintf(out, "#\n");
  if (suspects.empty())
    std::fprintf(out, "# No suspect: no node was slower than the other nodes alone, or slow in every pair it joined "
                      "(by more than 10%%, beyond noise).\n");
  for (const std::string& s : suspects) std::fprintf(out, "# SUSPECT %s\n", s.c_str());
  std::fflush(out);
}

}  // namespace collbench::report
