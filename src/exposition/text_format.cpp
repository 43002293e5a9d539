#include "exposition/text_format.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include <stdexcept>

namespace collbench::exposition {
namespace {

bool valid_name(const std::string& n, bool colon) {
  if (n.empty()) return false;
  const auto ok = [&](char c, bool first) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':') || (!first && c >= '0' && c <= '9');
  };
  if (!ok(n[0], true)) return false;
  return std::all_of(n.begin() + 1, n.end(), [&](char c) { return ok(c, false); });
}

std::string escape_help(const std::string& h) {
  std::string out;
  for (char c : h) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

}  // namespace

std::string format_value(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) return fmt::format("{:.0f}", v);
  return fmt::format("{}", v);
}

std::string escape_label_value(const std::string& v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

Family& Exposition::family(const std::string& name, const std::string& help) {
  const auto [it, fresh] = m_family_index.try_emplace(name, m_families.size());
  if (fresh) m_families.push_back({name, help, "gauge", {}});
  return m_families[it->second];
}

void Exposition::add(const std::string& name, const std::string& help, Labels labels, double value) {
  if (std::isnan(value)) return;
  Family& f = family(name, help);
  std::string key = name;
  for (const auto& [k, v] : labels) key += '\0' + k + '\0' + v;
  const auto [it, fresh] = m_sample_index.try_emplace(std::move(key), f.samples.size());
  if (!fresh) {
    Sample& s = f.samples[it->second];
    s.value = std::min(s.value, value);
    return;
  }
  f.samples.push_back({std::move(labels), value});
}

std::size_t Exposition::samples() const {
  std::size_t n = 0;
  for (const Family& f : m_families) n += f.samples.size();
  return n;
}

std::string Exposition::text() const {
  std::string out;
  for (const Family& f : m_families) {
    if (f.samples.empty()) continue;
    if (!valid_name(f.name, true)) throw std::logic_error("exposition: bad metric name '" + f.name + "'");
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", f.name, escape_help(f.help), f.name, f.type);
    for (const Sample& s : f.samples) {
      out += f.name;
      if (!s.labels.empty()) {
        out += '{';
        for (std::size_t i = 0; i < s.labels.size(); ++i) {
          const auto& [k, v] = s.labels[i];
          if (!valid_name(k, false) || k.starts_with("__"))
            throw std::logic_error("exposition: bad label name '" + k + "'");
          out += fmt::format("{}{}=\"{}\"", i ? "," : "", k, escape_label_value(v));
        }
        out += '}';
      }
      out += ' ' + format_value(s.value) + '\n';
    }
  }
  return out;
}

}  // namespace collbench::exposition
