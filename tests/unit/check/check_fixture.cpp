#include "check_fixture.hpp"

#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "core/collective.hpp"

namespace checktest {

namespace fs = std::filesystem;

std::string op_of(const std::string& coll) {
  return coll == "allreduce" || coll == "reducescatter" || coll == "reduce" ? "sum" : "none";
}

double busbw_of(const std::string& coll, std::uint64_t bytes, int nranks, double time_us) {
  const std::vector<cb::core::Collective> c = cb::core::parse_collectives(coll);
  if (c.size() != 1 || !(time_us > 0)) return 0;
  const double algbw = static_cast<double>(bytes) / (time_us * 1e-6) / 1e9;
  return algbw * cb::core::bus_factor(c[0], nranks);
}

results::GroupNode gnode(const std::string& label, const std::string& host, std::vector<int> ranks) {
  return results::GroupNode{label, host, std::move(ranks)};
}

RecordBuilder::RecordBuilder(std::string coll, std::uint64_t bytes, int nranks, double p50_us) {
  m_r.op = op_of(coll);
  m_r.collective = std::move(coll);
  m_r.bytes = bytes;
  m_r.requested_bytes = bytes;
  m_r.count = bytes / 4;
  m_r.datatype = "float";
  m_r.placement = "out_of_place";
  m_r.nranks = nranks;
  m_r.wrong = 0;
  m_r.checked = true;
  m_r.status = "ok";
  m_r.warmup_iters = 5;
  m_r.iters = 100;
  m_r.stop_reason = "iters";
  m_r.time_us.n = 100;
  m_r.time_us.cv = 0.02;
  time(p50_us);
}

RecordBuilder& RecordBuilder::time(double p50_us) {
  m_r.time_us.p50 = p50_us;
  m_r.time_us.mean = p50_us;
  m_r.time_us.min = p50_us * 0.9;
  m_r.time_us.p90 = p50_us * 1.1;
  m_r.time_us.max = p50_us * 1.5;
  m_r.time_us.stddev = m_r.time_us.cv * p50_us;
  return *this;
}

RecordBuilder& RecordBuilder::ci(double lo, double hi) {
  m_r.time_us.median_ci.lo = lo;
  m_r.time_us.median_ci.hi = hi;
  m_ci_set = true;
  return *this;
}

RecordBuilder& RecordBuilder::ci_half(double half) {
  m_half = half;
  m_ci_set = false;
  return *this;
}

RecordBuilder& RecordBuilder::p99(double us) {
  m_r.time_us.p99 = us;
  m_p99_set = true;
  return *this;
}

RecordBuilder& RecordBuilder::cv(double cv) {
  m_r.time_us.cv = cv;
  m_r.time_us.stddev = cv * m_r.time_us.mean;
  return *this;
}

RecordBuilder& RecordBuilder::busbw(double gbps) {
  m_busbw = gbps;
  return *this;
}

RecordBuilder& RecordBuilder::placement(const std::string& p) {
  m_r.placement = p;
  return *this;
}

RecordBuilder& RecordBuilder::datatype(const std::string& d) {
  m_r.datatype = d;
  return *this;
}

RecordBuilder& RecordBuilder::status(const std::string& s, const std::string& error) {
  m_r.status = s;
  m_r.error = error;
  return *this;
}

RecordBuilder& RecordBuilder::wrong(std::int64_t n) {
  m_r.wrong = n;
  m_r.checked = true;
  if (n > 0) m_r.status = "wrong";
  return *this;
}

RecordBuilder& RecordBuilder::unchecked() {
  m_r.checked = false;
  m_r.wrong = -1;
  return *this;
}

RecordBuilder& RecordBuilder::rank(int rank, const std::string& host, std::int64_t wrong) {
  results::RankSummary rs;
  rs.rank = rank;
  rs.host = host;
  rs.wrong = wrong;
  rs.outside_call_us = 1;
  rs.in_call_us = m_r.time_us.p50;
  m_r.per_rank.push_back(std::move(rs));
  return *this;
}

RecordBuilder& RecordBuilder::straggler(int rank, const std::string& host, double outside_us, double others_us) {
  m_r.straggler = results::Straggler{rank, host, outside_us, others_us};
  return *this;
}

RecordBuilder& RecordBuilder::node(const std::string& label, const std::string& host, std::vector<int> ranks) {
  results::GroupInfo g;
  g.kind = "node";
  g.nodes.push_back(gnode(label, host, std::move(ranks)));
  m_r.group = std::move(g);
  return *this;
}

RecordBuilder& RecordBuilder::pair(int round, int index, results::GroupNode a, results::GroupNode b) {
  results::GroupInfo g;
  g.kind = "pair";
  g.round = round;
  g.index = index;
  g.nodes.push_back(std::move(a));
  g.nodes.push_back(std::move(b));
  m_r.group = std::move(g);
  return *this;
}

RecordBuilder& RecordBuilder::untimed() {
  m_r.time_us = {};
  m_r.iters = 0;
  m_busbw = 0.0;
  m_ci_set = m_p99_set = true;
  return *this;
}

results::ResultRecord RecordBuilder::build() const {
  results::ResultRecord r = m_r;
  const double t = r.time_us.p50;
  if (!m_ci_set) {
    r.time_us.median_ci.lo = t - m_half;
    r.time_us.median_ci.hi = t + m_half;
  }
  if (!m_p99_set) r.time_us.p99 = t * m_tail;
  r.time_us.p999 = std::max(r.time_us.p99, r.time_us.max);
  r.time_us.median_ci.level = 0.95;
  r.time_us.median_ci.rel_half_width = t > 0 ? (r.time_us.median_ci.hi - r.time_us.median_ci.lo) / 2 / t : 0.0;
  r.busbw_gbps = m_busbw ? *m_busbw : busbw_of(r.collective, r.bytes, r.nranks, t);
  r.algbw_gbps = t > 0 ? static_cast<double>(r.bytes) / (t * 1e3) : 0.0;
  r.busbw_mean_gbps = r.busbw_gbps;
  r.algbw_mean_gbps = r.algbw_gbps;
  return r;
}

check::Observation observation(const results::ResultRecord& r, int input, int rep, const std::string& where) {
  check::Observation o;
  o.input = input;
  o.rep = rep;
  o.where = where;
  o.rec = r;
  return o;
}

check::Inputs make_inputs(std::vector<check::Observation> obs, int nsources, int nranks) {
  check::Inputs in;
  in.backend = "mpi";
  for (int i = 0; i < nsources; ++i) {
    check::Source s;
    s.path = "run" + std::to_string(i) + ".json";
    s.kind = "run";
    s.backend = "mpi";
    s.nranks = nranks;
    in.sources.push_back(std::move(s));
  }
  for (check::Observation& o : obs) {
    if (o.where.empty() && o.input >= 0 && o.input < nsources) o.where = in.sources[static_cast<std::size_t>(o.input)].path;
    in.obs.push_back(std::move(o));
  }
  return in;
}

check::Expectation expectation_like(const results::ResultRecord& r) {
  check::Expectation e;
  e.key = observation(r).key();
  e.samples = e.runs = e.groups = 1;
  auto same = [](double v) { return check::Spread{v, v, v}; };
  e.busbw_gbps = same(r.busbw_gbps);
  e.time_us = same(r.time_us.p50);
  e.p99_us = same(r.time_us.p99);
  e.cv = same(r.time_us.cv);
  e.ci_rel = r.time_us.median_ci.rel_half_width;
  return e;
}

check::Baseline make_baseline(std::vector<check::Expectation> ex) {
  check::Baseline b;
  b.path = "base.json";
  b.backend = "mpi";
  b.config = "default";
  std::sort(ex.begin(), ex.end(), [](const check::Expectation& a, const check::Expectation& c) { return a.key < c.key; });
  b.expectations = std::move(ex);
  return b;
}

std::vector<const check::Item*> items_of(const check::Verdict& v, const std::string& rule, const std::string& status) {
  std::vector<const check::Item*> out;
  for (const check::Item& it : v.items)
    if (it.rule == rule && (status.empty() || it.status == status)) out.push_back(&it);
  return out;
}

const check::Item& only_item(const check::Verdict& v, const std::string& rule) {
  const std::vector<const check::Item*> found = items_of(v, rule);
  if (found.size() != 1) {
    ADD_FAILURE() << "expected exactly one '" << rule << "' item, found " << found.size();
    throw std::runtime_error("no single item for rule " + rule);
  }
  return *found.front();
}

void expect_consistent(const check::Verdict& v) {
  int pass = 0, fail = 0, error = 0, skipped = 0;
  for (const check::Item& it : v.items) {
    if (it.status == "pass") ++pass;
    else if (it.status == "fail") ++fail;
    else if (it.status == "error") ++error;
    else if (it.status == "skipped") ++skipped;
    else ADD_FAILURE() << "unknown item status '" << it.status << "' in " << it.name;
  }
  EXPECT_EQ(v.passed, pass);
  EXPECT_EQ(v.failed, fail);
  EXPECT_EQ(v.errors, error);
  EXPECT_EQ(v.skipped, skipped);
  const cb::core::ExitCode want = (error > 0 || !v.run_failures.empty()) ? cb::core::ExitCode::run_failed
                                  : fail > 0                             ? cb::core::ExitCode::wrong
                                                                         : cb::core::ExitCode::ok;
  EXPECT_EQ(static_cast<int>(v.code), static_cast<int>(want));
}

TempFile::TempFile(const std::string& name, const std::string& content) {
  std::string templ = (fs::temp_directory_path() / "collbench-check-XXXXXX").string();
  if (!::mkdtemp(templ.data())) throw std::runtime_error("mkdtemp failed for " + templ);
  m_dir = templ;
  m_path = m_dir + "/" + name;
  std::ofstream f(m_path, std::ios::binary);
  f << content;
  if (!f) throw std::runtime_error("cannot write " + m_path);
}

TempFile::~TempFile() {
  std::error_code ec;
  fs::remove_all(m_dir, ec);
}

}  // namespace checktest
