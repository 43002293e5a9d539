#pragma once
// Helpers for the tune tests: synthetic sweep stores (manifest.json + results.jsonl, lines made by
// results::store_line exactly as a sweep writes them) in a temporary directory, lookups into a
// TuneInput / Choice, and golden-file comparison.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "plan/knobs.hpp"
#include "results/store.hpp"
#include "tune/choose.hpp"
#include "tune/input.hpp"

namespace tunetest {

namespace cb = collbench;
using Config = cb::plan::Config;

// One repetition of one configuration at one cell. busbw follows from p50 (see make_case).
struct Timing {
  double p50 = 100, p99 = 100, lo = 100, hi = 100;  // us; [lo, hi] = CI of the median
  std::string status = "ok";
  std::int64_t wrong = 0;
  std::string error;
};

// p50 = t, CI [t - half, t + half], p99 = t * tail.
Timing timing(double t, double half, double tail = 1.0);
// The same numbers with another status ("failed", "timeout", "wrong", …).
Timing with_status(Timing t, const std::string& status, std::int64_t wrong = 0, const std::string& error = "");

// A directory of its own under the system temp dir, removed with everything in it.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return m_path; }
  std::string operator/(const std::string& name) const { return m_path + "/" + name; }

 private:
  std::string m_path;
};

// Changes the working directory for the scope (so store paths in messages can be relative).
class ScopedChdir {
 public:
  explicit ScopedChdir(const std::string& dir);
  ~ScopedChdir();
  ScopedChdir(const ScopedChdir&) = delete;
  ScopedChdir& operator=(const ScopedChdir&) = delete;

 private:
  std::filesystem::path m_old;
};

// The op a collective is measured with: "sum" for allreduce/reducescatter/reduce, else "none".
std::string op_of(const std::string& coll);

// A stored case as a sweep writes it: config_id = plan::config_id(knobs), case id
// "<describe(knobs)>|coll|dtype|op|out_of_place|bytes|r<rep>", busbw = bytes / p50 x bus factor.
cb::results::StoredCase make_case(const Config& knobs, const std::string& coll, std::uint64_t bytes, int rep,
                                  const Timing& t, const std::string& datatype = "float", int nranks = 4);

class StoreBuilder {
 public:
  explicit StoreBuilder(std::string backend, int repetitions = 1, int nranks = 4);

  // One line: `knobs` at (coll, datatype, bytes), repetition `rep`.
  StoreBuilder& add(const Config& knobs, const std::string& coll, std::uint64_t bytes, int rep, const Timing& t,
                    const std::string& datatype = "float");
  // Every planned repetition with the same numbers.
  StoreBuilder& add_reps(const Config& knobs, const std::string& coll, std::uint64_t bytes, const Timing& t,
                         const std::string& datatype = "float");
  // A line written as is (malformed lines, hand-made JSON).
  StoreBuilder& raw(const std::string& line);
  // A launch metadata file naming `n` hosts (the store's node count).
  StoreBuilder& hosts(int n);

  // Creates `dir` with manifest.json, results.jsonl (and launches/ when hosts() was called).
  void write(const std::string& dir) const;
  const std::vector<std::string>& lines() const { return m_lines; }

 private:
  std::string m_backend;
  int m_reps, m_nranks, m_hosts = 0;
  std::vector<std::string> m_lines;
};

// Lookups; each fails the test (throws std::runtime_error) when the thing is absent.
const cb::tune::Cell& cell_at(const cb::tune::TuneInput& in, const std::string& coll, std::uint64_t bytes,
                              const std::string& datatype = "float");
const cb::tune::Candidate& candidate(const cb::tune::Choice& ch, const Config& setting);
const cb::tune::Candidate& winner(const cb::tune::Choice& ch);
// choose() at one cell with every configuration of the input as a setting.
cb::tune::Choice choose_at(const cb::tune::TuneInput& in, const cb::tune::Cell& cell, const cb::tune::TuneOptions& opt = {});

// Compares `actual` with COLLBENCH_TUNE_GOLDEN_DIR/name (gtest failure with the first differing
// line and a diff command). With COLLBENCH_UPDATE_GOLDEN=1 it writes the golden file instead.
void expect_golden(const std::string& name, const std::string& actual);

}  // namespace tunetest
