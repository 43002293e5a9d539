#pragma once
// Test doubles for measure/: a World played by one process, where what the other ranks would
// contribute (their durations, wrong elements, rank 0's decisions) is scripted, and a Backend whose
// durations come from a script. Both log what measure asked of them, in order.
#include <algorithm>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "backend/backend.hpp"
#include "measure/world.hpp"

namespace collbench::measure::testing {

class FakeWorld final : public World {
 public:
  FakeWorld(int rank, int size) {
    m_rank = rank;
    m_size = size;
    for (int r = 0; r < size; ++r) {
      m_hosts.push_back("h" + std::to_string(r));
      m_job_ranks.push_back(r);
    }
    others_samples.resize(static_cast<std::size_t>(size));
    others_wrong.resize(static_cast<std::size_t>(size));
  }

  // Each rank's timed durations (us), consumed in order by max_in_place (this rank's own entry is
  // unused: its durations come from the backend).
  std::vector<std::vector<double>> others_samples;
  std::vector<std::int64_t> others_wrong;  // by rank, added to this rank's count by sum()
  std::vector<int> root_verdicts;          // what broadcast() gives a rank other than 0, in order
  mutable std::vector<std::string> calls;  // "barrier", "max 20", "broadcast 1", "sum 2", "gather"

  std::string library_version() const override { return ""; }
  std::string control_plane() const override { return "fake"; }
  std::unique_ptr<World> split(int) const override { throw std::logic_error("FakeWorld::split"); }
  void barrier() const override { calls.push_back("barrier"); }

  void max_in_place(std::span<double> values) const override {
    calls.push_back("max " + std::to_string(values.size()));
    for (int r = 0; r < m_size; ++r) {
      if (r == m_rank) continue;
      const auto& theirs = others_samples[static_cast<std::size_t>(r)];
      if (m_consumed + values.size() > theirs.size())
        throw std::logic_error("FakeWorld: rank " + std::to_string(r) + "'s scripted samples ran out");
      for (std::size_t i = 0; i < values.size(); ++i) values[i] = std::max(values[i], theirs[m_consumed + i]);
    }
    m_consumed += values.size();
  }

  std::int64_t sum(std::int64_t value) const override {
    std::int64_t total = value;
    for (int r = 0; r < m_size; ++r)
      if (r != m_rank) total += others_wrong[static_cast<std::size_t>(r)];
    calls.push_back("sum " + std::to_string(total));
    return total;
  }

  void broadcast_bytes(void* data, std::size_t bytes) const override {
    if (m_rank != 0) {
      if (bytes != sizeof(int) || m_verdicts_read >= root_verdicts.size())
        throw std::logic_error("FakeWorld: no scripted broadcast from rank 0 left");
      std::memcpy(data, &root_verdicts[m_verdicts_read++], sizeof(int));
    }
    int shown = 0;
    if (bytes == sizeof(int)) std::memcpy(&shown, data, sizeof(int));
    calls.push_back("broadcast " + std::to_string(shown));
  }

  std::vector<std::string> gather_strings(const std::string& mine) const override {
    if (m_rank != 0) return {};
    std::vector<std::string> all(static_cast<std::size_t>(m_size));
    all[0] = mine;
    return all;
  }

  // Rank 0 gets every rank's vector; the other ranks are given the same summary as this one.
  std::vector<double> gather(std::span<const double> mine) const override {
    calls.push_back("gather");
    if (m_rank != 0) return {};
    std::vector<double> all;
    for (int r = 0; r < m_size; ++r) all.insert(all.end(), mine.begin(), mine.end());
    return all;
  }

  [[noreturn]] void abort(int exit_code) const override {
    throw std::logic_error("FakeWorld::abort(" + std::to_string(exit_code) + ")");
  }

 private:
  mutable std::size_t m_consumed = 0;
  mutable std::size_t m_verdicts_read = 0;
};

class FakeBackend final : public backend::Backend {
 public:
  std::deque<double> durations;              // consumed by run_timed (warm-up included), in order
  std::vector<std::size_t> timed_calls;      // the length of each run_timed call
  std::function<void(std::size_t call)> on_run_timed;  // before call number `call` (from 0): sleep, throw
  std::vector<double> probe_outside{1.0}, probe_inside{2.0};  // repeated over the probe's iterations
  std::uint64_t wrong = 0;                   // what check() returns
  std::vector<verify::PatternSpec> checked;  // the pattern of each check() call
  std::vector<backend::CaseSpec> prepared;
  std::function<std::string(const backend::CaseSpec&)> why_unsupported;

  backend::BackendInfo info() const override { return {"fake", "fake 1.0", "script", false, false, false}; }
  void reserve(std::uint64_t send, std::uint64_t recv) override { reserved = {send, recv}; }
  std::string unsupported(const backend::CaseSpec& c) const override {
    return why_unsupported ? why_unsupported(c) : "";
  }
  void prepare(const backend::CaseSpec& c) override { prepared.push_back(c); }

  void run_timed(std::span<double> out_us) override {
    timed_calls.push_back(out_us.size());
    if (on_run_timed) on_run_timed(timed_calls.size() - 1);
    for (double& d : out_us) {
      if (durations.empty()) throw std::logic_error("FakeBackend: the scripted durations ran out");
      d = durations.front();
      durations.pop_front();
    }
  }

  void run_probe(std::span<double> outside_us, std::span<double> inside_us) override {
    for (std::size_t i = 0; i < outside_us.size(); ++i) {
      outside_us[i] = probe_outside[i % probe_outside.size()];
      inside_us[i] = probe_inside[i % probe_inside.size()];
    }
  }

  std::uint64_t check(const verify::Pattern& pattern) override {
    checked.push_back(pattern.spec());
    return wrong;
  }

  std::pair<std::uint64_t, std::uint64_t> reserved{0, 0};
};

// `n` durations alternating between `a` and `b`: a spread that never settles (the median's CI
// spans both values).
inline std::vector<double> alternating(std::size_t n, double a, double b) {
  std::vector<double> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = i % 2 == 0 ? a : b;
  return v;
}

inline void append(std::deque<double>& to, const std::vector<double>& v) { to.insert(to.end(), v.begin(), v.end()); }

}  // namespace collbench::measure::testing
