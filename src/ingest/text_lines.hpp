#pragma once
// The line-level pieces of the nccl-tests text reader (nccl_tests_text.cpp): tokens, printed
// numbers, launcher prefixes and the test program a line names. Inline: they run on every row.
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "ingest/builder.hpp"

namespace collbench::ingest::detail {

inline bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
inline bool contains(std::string_view s, std::string_view p) { return s.find(p) != std::string_view::npos; }
inline bool is_digit(char c) { return c >= '0' && c <= '9'; }

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// The whitespace-separated tokens of `s`, as views into it; returns how many.
inline std::size_t split(std::string_view s, std::vector<std::string_view>& out) {
  out.clear();
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    const std::size_t b = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
    if (i > b) out.push_back(s.substr(b, i - b));
  }
  return out.size();
}

inline bool parse_u64(std::string_view s, std::uint64_t& v) {
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && p == s.data() + s.size();
}

inline bool parse_int(std::string_view s, int& v) {
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && p == s.data() + s.size();
}

// A printed number: "%7.2f", "%6g", "1.0e+05", "nan", "inf". "N/A" and anything else: NaN, false.
inline bool parse_num(std::string_view s, double& v) {
  if (s == "nan" || s == "-nan") return v = kNaN, true;
  if (s == "inf") return v = HUGE_VAL, true;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && p == s.data() + s.size();
}

// Open MPI's --tag-output "[1,0]<stdout>:" and srun --label's "  0: ": cut, and named, so that a
// table is followed in the stream that printed its header.
inline std::string_view strip_launcher(std::string_view line, std::string_view& stream) {
  stream = {};
  if (!line.empty() && line.front() == '[') {
    const auto close = line.find("]<");
    if (close != std::string_view::npos && close < 24) {
      const auto colon = line.find(">:", close);
      if (colon != std::string_view::npos && colon < close + 12) {
        const auto comma = line.find(',');
        stream = line.substr(comma != std::string_view::npos && comma < close ? comma + 1 : 1,
                             close - (comma != std::string_view::npos && comma < close ? comma + 1 : 1));
        return line.substr(colon + 2);
      }
    }
  }
  // srun -l: optional blanks, digits, ':' and a blank.
  std::size_t i = 0;
  while (i < line.size() && line[i] == ' ') ++i;
  const std::size_t d = i;
  while (i < line.size() && is_digit(line[i])) ++i;
  if (i > d && i + 1 < line.size() && line[i] == ':' && line[i + 1] == ' ' && i - d <= 6) {
    stream = line.substr(d, i - d);
    return line.substr(i + 2);
  }
  return line;
}

inline bool is_word(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || is_digit(c); }

// "..../all_reduce_perf", "all_gather_perf:", "all_gather_perf_mpi" (a build's NAME_SUFFIX,
// nccl-tests src/Makefile:38) … the last test program a line names, with its suffix.
inline std::string program_in(std::string_view line) {
  std::string found;
  std::size_t pos = 0;
  while ((pos = line.find("_perf", pos)) != std::string_view::npos) {
    std::size_t end = pos + 5;
    std::size_t b = pos;
    while (b > 0 && ((line[b - 1] >= 'a' && line[b - 1] <= 'z') || line[b - 1] == '_' || is_digit(line[b - 1]))) --b;
    bool ends_word = end >= line.size() || !is_word(line[end]);
    if (!ends_word && line[end] == '_') {  // a suffix: "_mpi", "_cuda12"
      std::size_t e = end + 1;
      while (e < line.size() && is_word(line[e])) ++e;
      if (e > end + 1 && line.substr(end, e - end).find("_perf") == std::string_view::npos) end = e, ends_word = true;
    }
    if (b < pos && ends_word) found = std::string(line.substr(b, end - b));
    pos = pos + 5;
  }
  return found;
}

}  // namespace collbench::ingest::detail
