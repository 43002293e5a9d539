#include "tune_fixture.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "unit/console_golden.hpp"
#include "core/collective.hpp"
#include "plan/sweep_plan.hpp"

#ifndef COLLBENCH_TUNE_GOLDEN_DIR
#error "COLLBENCH_TUNE_GOLDEN_DIR must name tests/unit/tune/golden"
#endif

namespace tunetest {

namespace fs = std::filesystem;

Timing timing(double t, double half, double tail) {
  Timing out;
  out.p50 = t;
  out.p99 = t * tail;
  out.lo = t - half;
  out.hi = t + half;
  return out;
}

Timing with_status(Timing t, const std::string& status, std::int64_t wrong, const std::string& error) {
  t.status = status;
  t.wrong = wrong;
  t.error = error;
  return t;
}

TempDir::TempDir() {
  std::string templ = (fs::temp_directory_path() / "collbench-tune-XXXXXX").string();
  if (!::mkdtemp(templ.data())) throw std::runtime_error("mkdtemp failed for " + templ);
  m_path = templ;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(m_path, ec);
}

ScopedChdir::ScopedChdir(const std::string& dir) : m_old(fs::current_path()) { fs::current_path(dir); }

ScopedChdir::~ScopedChdir() {
  std::error_code ec;
  fs::current_path(m_old, ec);
}

std::string op_of(const std::string& coll) {
  return coll == "allreduce" || coll == "reducescatter" || coll == "reduce" ? "sum" : "none";
}

cb::results::StoredCase make_case(const Config& knobs, const std::string& coll, std::uint64_t bytes, int rep,
                                  const Timing& t, const std::string& datatype, int nranks) {
  cb::results::StoredCase c;
  const std::string op = op_of(coll);
  c.case_id = cb::plan::describe(knobs) + "|" + coll + "|" + datatype + "|" + op + "|out_of_place|" + std::to_string(bytes) +
              "|r" + std::to_string(rep);
  c.config_id = cb::plan::config_id(knobs);
  c.knobs = knobs;
  c.rep = rep;
  c.launch = "L000-r" + std::to_string(rep);
  cb::results::ResultRecord& r = c.result;
  r.collective = coll;
  r.bytes = r.requested_bytes = bytes;
  r.count = bytes / 4;
  r.datatype = datatype;
  r.op = op;
  r.root = coll == "broadcast" || coll == "reduce" ? 0 : -1;
  r.placement = "out_of_place";
  r.nranks = nranks;
  r.status = t.status;
  r.error = t.error;
  r.checked = t.status != "failed" && t.status != "skipped";
  r.wrong = t.status == "wrong" && t.wrong == 0 ? 1 : t.wrong;
  r.warmup_iters = 5;
  r.iters = 20;
  r.stop_reason = "iters";
  r.time_us.n = 20;
  r.time_us.min = t.lo;
  r.time_us.mean = r.time_us.p50 = t.p50;
  r.time_us.p90 = r.time_us.p99 = r.time_us.p999 = r.time_us.max = t.p99;
  r.time_us.median_ci.lo = t.lo;
  r.time_us.median_ci.hi = t.hi;
  r.time_us.median_ci.rel_half_width = t.p50 > 0 ? (t.hi - t.lo) / 2 / t.p50 : 0;
  const auto coll_enum = cb::core::parse_collectives(coll).at(0);
  r.algbw_gbps = r.algbw_mean_gbps = t.p50 > 0 ? static_cast<double>(bytes) / (t.p50 * 1e3) : 0;
  r.busbw_gbps = r.busbw_mean_gbps = r.algbw_gbps * cb::core::bus_factor(coll_enum, nranks);
  return c;
}

StoreBuilder::StoreBuilder(std::string backend, int repetitions, int nranks)
    : m_backend(std::move(backend)), m_reps(repetitions), m_nranks(nranks) {}

StoreBuilder& StoreBuilder::add(const Config& knobs, const std::string& coll, std::uint64_t bytes, int rep, const Timing& t,
                                const std::string& datatype) {
  m_lines.push_back(cb::results::store_line(make_case(knobs, coll, bytes, rep, t, datatype, m_nranks)));
  return *this;
}

StoreBuilder& StoreBuilder::add_reps(const Config& knobs, const std::string& coll, std::uint64_t bytes, const Timing& t,
                                     const std::string& datatype) {
  for (int rep = 0; rep < m_reps; ++rep) add(knobs, coll, bytes, rep, t, datatype);
  return *this;
}

StoreBuilder& StoreBuilder::raw(const std::string& line) {
  m_lines.push_back(line);
  return *this;
}

StoreBuilder& StoreBuilder::hosts(int n) {
  m_hosts = n;
  return *this;
}

void StoreBuilder::write(const std::string& dir) const {
  fs::create_directories(dir);
  const nlohmann::json manifest = {{"schema", "collbench.sweep"}, {"schema_version", 1},     {"backend", m_backend},
                                   {"repetitions", m_reps},       {"spec_text", "# synthetic\n"}, {"spec_path", "synthetic.json"}};
  std::ofstream(dir + "/manifest.json") << manifest.dump(1) << "\n";
  std::ofstream results(dir + "/results.jsonl");
  for (const std::string& l : m_lines) results << l << "\n";
  if (m_hosts > 0) {
    fs::create_directories(dir + "/launches");
    nlohmann::json hosts = nlohmann::json::array();
    for (int h = 0; h < m_hosts; ++h) hosts.push_back({{"host", "node" + std::to_string(h)}, {"ranks", {2 * h, 2 * h + 1}}});
    std::ofstream(dir + "/launches/L000-r0.meta.json") << nlohmann::json{{"hosts", hosts}}.dump() << "\n";
  }
}

const cb::tune::Cell& cell_at(const cb::tune::TuneInput& in, const std::string& coll, std::uint64_t bytes,
                              const std::string& datatype) {
  for (const cb::tune::Cell& c : in.cells)
    if (c.series.collective == coll && c.bytes == bytes && c.series.datatype == datatype) return c;
  throw std::runtime_error("no cell " + coll + " " + datatype + " " + std::to_string(bytes));
}

const cb::tune::Candidate& candidate(const cb::tune::Choice& ch, const Config& setting) {
  for (const cb::tune::Candidate& c : ch.candidates)
    if (c.setting == setting) return c;
  throw std::runtime_error("no candidate " + cb::plan::describe(setting));
}

const cb::tune::Candidate& winner(const cb::tune::Choice& ch) {
  if (ch.winner < 0 || static_cast<std::size_t>(ch.winner) >= ch.candidates.size())
    throw std::runtime_error("no winner (confidence " + ch.confidence + ")");
  return ch.candidates[static_cast<std::size_t>(ch.winner)];
}

cb::tune::Choice choose_at(const cb::tune::TuneInput& in, const cb::tune::Cell& cell, const cb::tune::TuneOptions& opt) {
  std::vector<Config> settings;
  for (const cb::tune::ConfigCell& cc : cell.configs) settings.push_back(in.configs[static_cast<std::size_t>(cc.config)].knobs);
  return cb::tune::choose(in, {{&cell, 1.0}}, settings, opt);
}

void expect_golden(const std::string& name, const std::string& actual) {
  goldentest::expect_golden_in(COLLBENCH_TUNE_GOLDEN_DIR, name, actual);
}

}  // namespace tunetest
