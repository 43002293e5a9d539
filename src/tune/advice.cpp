#include "tune/advice.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "core/size.hpp"
#include "plan/knobs.hpp"

namespace collbench::tune {

namespace {

// The value against the default at one cell: both estimates from choose(), the interval of the
// ratio from their confidence intervals (lo: the default's lowest over the value's highest).
std::optional<AdviceStep> step_at(const TuneInput& in, const Cell& cell, const plan::Config& setting, const TuneOptions& opt) {
  const Choice ch = choose(in, {{&cell, 1.0}}, {setting}, opt);
  const Candidate* def = nullptr;
  const Candidate* val = nullptr;
  for (const Candidate& c : ch.candidates) (c.is_default ? def : val) = &c;
  if (!def || !val || !def->feasible || !val->feasible || val->est.t_us <= 0 || val->est.hi_us <= 0 || val->est.lo_us <= 0)
    return std::nullopt;
  AdviceStep s;
  s.bytes = cell.bytes;
  s.ratio = def->est.t_us / val->est.t_us;
  s.lo = def->est.lo_us / val->est.hi_us;
  s.hi = def->est.hi_us / val->est.lo_us;
  s.outcome = val->est.hi_us < def->est.lo_us ? "faster" : val->est.lo_us > def->est.hi_us ? "slower" : "tie";
  return s;
}

// "none" (register) and the value named "default" (CTAPolicy 0) are the default itself.
bool is_default_value(const plan::Knob& k, const std::string& value) {
  if (value == "none") return true;
  for (const plan::Choice& c : k.choices)
    if (c.value == value)
      for (const std::string& alias : c.aliases)
        if (alias == "default") return true;
  return false;
}

}  // namespace

std::string Advice::describe(const AdviceSeries& s) {
  std::string out = fmt::format("{} {} {} {} ranks:", s.collective, s.datatype, s.placement, s.nranks);
  const char* sep = " ";
  for (std::size_t i = 0; i < s.steps.size();) {
    std::size_t j = i;  // a run of ties is one range; each faster or slower size is said alone
    if (s.steps[i].outcome == "tie")
      while (j + 1 < s.steps.size() && s.steps[j + 1].outcome == "tie") ++j;
    const AdviceStep& a = s.steps[i];
    if (a.outcome == "tie") {
      out += i == j ? fmt::format("{}tie at {}", sep, core::format_size(a.bytes))
                    : fmt::format("{}tie from {} to {}", sep, core::format_size(a.bytes), core::format_size(s.steps[j].bytes));
    } else {
      out += fmt::format("{}{:.2f}x [{:.2f}, {:.2f}] at {}{}", sep, a.ratio, a.lo, a.hi, core::format_size(a.bytes),
                         a.outcome == "slower" ? " (slower)" : "");
    }
    sep = "; ";
    i = j + 1;
  }
  return out;
}

std::vector<Advice> advise(const TuneInput& in, const TuneOptions& opt) {
  std::vector<Advice> out;
  for (const ConfigInfo& c : in.configs) {
    if (c.knobs.size() != 1) continue;  // a value measured alone, every other knob at its default
    const auto& [name, value] = *c.knobs.begin();
    const plan::Knob* k = plan::find_knob(in.backend, name);
    if (!k || !k->advice || is_default_value(*k, value)) continue;
    Advice a{name, value, k->help, {}};
    std::map<Series, AdviceSeries> series;
    for (const Cell& cell : in.cells) {
      const auto s = step_at(in, cell, c.knobs, opt);
      if (!s) continue;
      AdviceSeries& as = series[cell.series];
      as.collective = cell.series.collective;
      as.datatype = cell.series.datatype;
      as.placement = cell.series.placement;
      as.nranks = cell.series.nranks;
      as.steps.push_back(*s);
    }
    for (auto& [key, s] : series) {
      std::sort(s.steps.begin(), s.steps.end(), [](const AdviceStep& x, const AdviceStep& y) { return x.bytes < y.bytes; });
      a.series.push_back(std::move(s));
    }
    if (!a.series.empty()) out.push_back(std::move(a));
  }
  return out;
}

}  // namespace collbench::tune
