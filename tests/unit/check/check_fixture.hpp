#pragma once
// Helpers for the check tests: synthetic result records (RecordBuilder), observations and inputs
// built from them, baselines made by hand (one Expectation per case), and temporary files for
// the file readers (rules, expectations, baselines).
#include <gtest/gtest.h>

#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "check/baseline.hpp"
#include "check/evaluate.hpp"
#include "check/inputs.hpp"
#include "core/error.hpp"
#include "results/record.hpp"
#include "unit/test_support.hpp"

namespace checktest {

namespace cb = collbench;
namespace check = collbench::check;
namespace results = collbench::results;

// The op a collective is measured with: "sum" for allreduce/reducescatter/reduce, else "none".
std::string op_of(const std::string& coll);

// busbw as nccl-tests computes it: bytes / time x the collective's bus factor on `nranks` ranks.
double busbw_of(const std::string& coll, std::uint64_t bytes, int nranks, double time_us);

results::GroupNode gnode(const std::string& label, const std::string& host, std::vector<int> ranks);

// A measured record. By default: status ok, checked, wrong 0, float (sum when the collective
// takes an op), out_of_place, 100 iterations, median CI [p50, p50], p99 = 1.2 x p50, cv 0.02,
// busbw from p50 (unless set with busbw()).
class RecordBuilder {
 public:
  RecordBuilder(std::string coll, std::uint64_t bytes, int nranks, double p50_us);

  RecordBuilder& time(double p50_us);                   // keeps the CI's half width, p99 ratio
  RecordBuilder& ci(double lo, double hi);              // the median's CI
  RecordBuilder& ci_half(double half);                  // [p50 - half, p50 + half]
  RecordBuilder& p99(double us);
  RecordBuilder& cv(double cv);
  RecordBuilder& busbw(double gbps);                    // given, not computed from p50
  RecordBuilder& placement(const std::string& p);
  RecordBuilder& datatype(const std::string& d);
  RecordBuilder& status(const std::string& s, const std::string& error = "");
  RecordBuilder& wrong(std::int64_t n);                 // total; status "wrong" when > 0
  RecordBuilder& unchecked();                           // checked false, wrong -1
  RecordBuilder& rank(int rank, const std::string& host, std::int64_t wrong = 0);
  RecordBuilder& straggler(int rank, const std::string& host, double outside_us = 50, double others_us = 1);
  RecordBuilder& node(const std::string& label, const std::string& host, std::vector<int> ranks);
  RecordBuilder& pair(int round, int index, results::GroupNode a, results::GroupNode b);
  RecordBuilder& untimed();                             // n = 0, p50 = 0 (skipped / failed)

  results::ResultRecord build() const;
  operator results::ResultRecord() const { return build(); }

 private:
  results::ResultRecord m_r;
  std::optional<double> m_busbw;
  double m_half = 0;
  double m_tail = 1.2;
  bool m_ci_set = false, m_p99_set = false;
};

check::Observation observation(const results::ResultRecord& r, int input = 0, int rep = 0, const std::string& where = "");

// Inputs with `nsources` run files "run0.json" … (backend "mpi", `nranks` each) and `obs`
// (their `where` defaults to the source's path).
check::Inputs make_inputs(std::vector<check::Observation> obs, int nsources = 1, int nranks = 8);

// An expectation as the record alone would give it: every spread's min = median = max.
check::Expectation expectation_like(const results::ResultRecord& r);
// A baseline of `ex` (sorted), backend "mpi", path "base.json".
check::Baseline make_baseline(std::vector<check::Expectation> ex);

// The verdict's items with this rule (and status, when given).
std::vector<const check::Item*> items_of(const check::Verdict& v, const std::string& rule, const std::string& status = "");
// The single item with this rule; a test failure (and a throw) when there is not exactly one.
const check::Item& only_item(const check::Verdict& v, const std::string& rule);
// Counts and exit code agree with the items (gtest failures otherwise).
void expect_consistent(const check::Verdict& v);

// A file of its own under the system temp dir, removed (with its directory) on destruction.
class TempFile {
 public:
  TempFile(const std::string& name, const std::string& content);
  ~TempFile();
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return m_path; }

 private:
  std::string m_dir, m_path;
};

using testsupport::error_of;

}  // namespace checktest

