// What `collbench tune` prints: the summary of a recommendation, the files written and the
// verdict of --validate. Text from plain records, so each has a golden test; the CLI prints it.
#include <fmt/format.h>

#include "core/printf_text.hpp"
#include "core/size.hpp"
#include "plan/knobs.hpp"
#include "tune/validate.hpp"
#include "tune/validate_plan.hpp"
#include "tune/writers.hpp"

namespace collbench::tune {

using core::printf_text;

std::string console_summary(const TuneInput& in, const Recommendation& r) {
  std::string out =
      printf_text("tune: %llu records from %zu store(s), %s backend, %d ranks; %zu cells, %zu configurations; workload: %s\n",
                  static_cast<unsigned long long>(in.records), in.stores.size(), in.backend.c_str(), r.nranks, in.cells.size(),
                  in.configs.size(), r.workload.c_str());
  for (const CollectiveRecommendation& c : r.collectives) {
    if (!c.has_workload) continue;
    const Choice& ch = c.per_collective;
    const std::string setting = ch.best() ? plan::describe(ch.best()->setting) : "(none)";
    out += printf_text("  %-13s %-48s gain %s, %s\n", c.collective.c_str(), setting.c_str(), gain_text(ch.gain).c_str(),
                       ch.confidence.c_str());
  }
  if (r.global.confidence != "not swept")
    out += printf_text("  %-13s %-48s gain %s, %s\n", "global",
                       r.global.best() ? plan::describe(r.global.best()->setting).c_str() : "(none)",
                       gain_text(r.global.gain).c_str(), r.global.confidence.c_str());
  out += printf_text("deploy: %s\n",
                     r.deploy.empty() ? "nothing (no setting beats the default beyond noise)" : plan::describe(r.deploy).c_str());
  for (const Advice& a : r.advice)
    for (const AdviceSeries& s : a.series)
      out += printf_text("advice: %s=%s (the application's choice, not deployed): %s\n", a.knob.c_str(), a.value.c_str(),
                         Advice::describe(s).c_str());
  for (const auto& n : r.notes) out += printf_text("note: %s\n", n.c_str());
  return out;
}

std::string console_written(const std::string& dir, const std::vector<std::string>& names) {
  std::string list;
  for (const std::string& n : names) list += " " + n;
  return printf_text("wrote %s:%s\n", dir.c_str(), list.c_str());
}

std::string console_validation_plan(const Recommendation& r, int reps, std::size_t launches, std::size_t cases,
                                    const std::string& dir) {
  const std::size_t ranges = level1_ranges_to_validate(r);
  if (r.deploy.empty() && ranges == 0) return "validate: nothing to validate, the recommendation is the default\n";
  std::string out;
  if (ranges > 0)
    out += printf_text("validate: level 1: %zu size range(s) whose winner is not the default, each at its measured sizes\n", ranges);
  out += printf_text("validate: default and %s, %d repetitions interleaved: %zu launches, %zu cases into %s\n",
                     r.deploy.empty() ? "the level-1 ranges' settings" : plan::describe(r.deploy).c_str(), reps, launches,
                     cases, dir.c_str());
  return out;
}

namespace {

std::string verdict_text(const Verdict& x) {
  return x.measured ? fmt::format("{}: observed {:.3f}x [{:.3f}, {:.3f}], expected {}", x.result, x.observed, x.observed_lo,
                                  x.observed_hi, x.expected > 0 ? fmt::format("{:.3f}x", x.expected) : "-")
                    : "not compared: " + x.why;
}

}  // namespace

std::string console_validation(const Validation& v, const std::string& out_dir) {
  std::string out;
  for (const Verdict& x : v.per_collective) out += printf_text("  %-13s %s\n", x.collective.c_str(), verdict_text(x).c_str());
  for (const RangeVerdict& rv : v.level1)
    if (rv.validated)
      out += printf_text("  %-13s level 1 %s..%s %s: %s\n", rv.overall.collective.c_str(), core::format_size(rv.range.first).c_str(),
                         core::format_size(rv.range.last).c_str(), plan::describe(rv.range.setting).c_str(),
                         verdict_text(rv.overall).c_str());
  out += printf_text("validate: %s (%s/validation.md)\n",
                     v.held ? "the recommendation held" : "the recommendation did NOT hold", out_dir.c_str());
  return out;
}

}  // namespace collbench::tune
