#include "core/fault.hpp"

#include <algorithm>
#include <chrono>
#include <thread>

#include <charconv>
#include <string>

#include "core/error.hpp"

namespace collbench::core {

namespace {

std::uint64_t parse_uint(std::string_view tok, std::string_view spec) {
  std::uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), v);
  if (tok.empty() || ec != std::errc() || ptr != tok.data() + tok.size())
    throw InputError("COLLBENCH_INJECT '" + std::string(spec) +
                     "': expected corrupt:RANK, delay:RANK:MICROSECONDS, crash:RANK, hang:RANK, pause:RANK or "
                       "link:RANK:PEER:MICROSECONDS");
  return v;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t pos = 0;
  while (true) {
    std::size_t at = s.find(sep, pos);
    out.push_back(s.substr(pos, at == std::string_view::npos ? std::string_view::npos : at - pos));
    if (at == std::string_view::npos) break;
    pos = at + 1;
  }
  return out;
}

}  // namespace

std::vector<Fault> parse_faults(std::string_view spec) {
  std::vector<Fault> faults;
  if (spec.empty()) return faults;
  for (std::string_view item : split(spec, ',')) {
    auto parts = split(item, ':');
    Fault f;
    const std::string_view kind = parts[0];
    std::size_t want = 2;
    if (kind == "corrupt") f.kind = FaultKind::corrupt;
    else if (kind == "crash") f.kind = FaultKind::crash;
    else if (kind == "hang") f.kind = FaultKind::hang;
    else if (kind == "pause") f.kind = FaultKind::pause;
    else if (kind == "delay") { f.kind = FaultKind::delay; want = 3; }
    else if (kind == "link") { f.kind = FaultKind::link; want = 4; }
    else want = 0;
    if (want == 0 || parts.size() != want)
      throw InputError("COLLBENCH_INJECT '" + std::string(spec) +
                       "': expected corrupt:RANK, delay:RANK:MICROSECONDS, crash:RANK, hang:RANK, pause:RANK or "
                       "link:RANK:PEER:MICROSECONDS");
    f.rank = static_cast<int>(parse_uint(parts[1], spec));
    if (want == 3) f.delay_us = parse_uint(parts[2], spec);
    if (want == 4) {
      f.peer = static_cast<int>(parse_uint(parts[2], spec));
      f.delay_us = parse_uint(parts[3], spec);
    }
    faults.push_back(f);
  }
  return faults;
}

FaultPlan faults_for_rank(const std::vector<Fault>& faults, int rank, const std::vector<int>& peers) {
  FaultPlan plan;
  for (const Fault& f : faults) {
    if (f.rank != rank) continue;
    if (f.kind == FaultKind::link && !peers.empty() && std::find(peers.begin(), peers.end(), f.peer) == peers.end()) continue;
    switch (f.kind) {
      case FaultKind::corrupt: plan.corrupt = true; break;
      case FaultKind::crash: plan.crash = true; break;
      case FaultKind::hang: plan.hang = true; break;
      case FaultKind::pause: plan.pause = true; break;
      case FaultKind::delay:
      case FaultKind::link: plan.delay_us += f.delay_us; break;
    }
  }
  return plan;
}

void delay_us(std::uint64_t us) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(us);
  if (us >= 2000) std::this_thread::sleep_until(until);
  while (std::chrono::steady_clock::now() < until) {
  }
}

}  // namespace collbench::core
