#include "core/size.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "core/error.hpp"

namespace collbench::core {

std::uint64_t parse_size(std::string_view text, std::string_view what) {
  auto fail = [&](const char* why) -> std::uint64_t {
    throw InputError(std::string(what) + " '" + std::string(text) + "': " + why);
  };
  std::string_view s = text;
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  if (s.empty()) return fail("expected a size in bytes such as 8, 64K, 1.5M or 4G");
  double mult = 1.0;
  switch (std::toupper(static_cast<unsigned char>(s.back()))) {
    case 'K': mult = 1024.0; break;
    case 'M': mult = 1024.0 * 1024.0; break;
    case 'G': mult = 1024.0 * 1024.0 * 1024.0; break;
    case 'T': mult = 1024.0 * 1024.0 * 1024.0 * 1024.0; break;
    default: break;
  }
  if (mult != 1.0) s.remove_suffix(1);
  if (!s.empty() && (s.back() == 'B' || s.back() == 'b') && mult == 1.0) s.remove_suffix(1);
  double value = 0.0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(value))
    return fail("expected a size in bytes such as 8, 64K, 1.5M or 4G");
  const double bytes = std::floor(value * mult);
  if (bytes < 1.0) return fail("expected a size of at least 1 byte");
  if (bytes > 1.8e19) return fail("size too large");
  return static_cast<std::uint64_t>(bytes);
}

std::string format_size(std::uint64_t bytes) {
  static constexpr const char* kUnits[] = {"", "K", "M", "G", "T"};
  int unit = 0;
  while (unit < 4 && bytes >= 1024 && bytes % 1024 == 0) {
    bytes /= 1024;
    ++unit;
  }
  return std::to_string(bytes) + kUnits[unit];
}

std::string format_ratio(double ratio) {
  if (!(ratio > 0) || !std::isfinite(ratio)) return "-";
  char buf[32];
  if (ratio >= 1000) return "> 1000x";
  if (ratio < 0.001) return "< 0.001x";
  if (ratio >= 100) std::snprintf(buf, sizeof buf, "%.0fx", ratio);
  else if (ratio >= 10) std::snprintf(buf, sizeof buf, "%.1fx", ratio);
  else if (ratio >= 0.1) std::snprintf(buf, sizeof buf, "%.2fx", ratio);
  else std::snprintf(buf, sizeof buf, "%.3fx", ratio);
  return buf;
}

}  // namespace collbench::core
