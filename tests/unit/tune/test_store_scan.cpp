// results::scan_line / scan_store: the fast reader agrees with parse_store_line on every field it
// reads, falls back to the full parser when it must, and handles blank, torn and malformed lines.
#include "results/store_scan.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "results/store.hpp"
#include "tune_fixture.hpp"

namespace {

using namespace tunetest;
namespace results = collbench::results;
namespace core = collbench::core;

// The digest's views copied out, so they outlive the callback.
struct Owned {
  std::string case_id, config_id, collective, datatype, op, placement, status, error;
  std::map<std::string, std::string> knobs;
  std::uint64_t bytes = 0, n = 0;
  int nranks = 0, rep = 0;
  std::int64_t wrong = 0;
  double p50 = 0, p99 = 0, lo = 0, hi = 0, busbw = 0;
};

Owned own(const results::CaseDigest& d) {
  return {std::string(d.case_id), std::string(d.config_id), std::string(d.collective), std::string(d.datatype),
          std::string(d.op), std::string(d.placement), std::string(d.status), std::string(d.error),
          nlohmann::json::parse(d.knobs_json).get<std::map<std::string, std::string>>(), d.bytes, d.n, d.nranks, d.rep,
          d.wrong, d.p50_us, d.p99_us, d.ci_lo_us, d.ci_hi_us, d.busbw_gbps};
}

void expect_matches(const Owned& d, const results::StoredCase& c) {
  const results::ResultRecord& r = c.result;
  EXPECT_EQ(d.case_id, c.case_id);
  EXPECT_EQ(d.config_id, c.config_id);
  EXPECT_EQ(d.knobs, c.knobs);
  EXPECT_EQ(d.rep, c.rep);
  EXPECT_EQ(d.collective, r.collective);
  EXPECT_EQ(d.datatype, r.datatype);
  EXPECT_EQ(d.op, r.op);
  EXPECT_EQ(d.placement, r.placement);
  EXPECT_EQ(d.status, r.status);
  EXPECT_EQ(d.error, r.error);
  EXPECT_EQ(d.bytes, r.bytes);
  EXPECT_EQ(d.nranks, r.nranks);
  EXPECT_EQ(d.wrong, r.wrong);
  EXPECT_EQ(d.n, r.time_us.n);
  EXPECT_EQ(d.p50, r.time_us.p50);
  EXPECT_EQ(d.p99, r.time_us.p99);
  EXPECT_EQ(d.lo, r.time_us.median_ci.lo);
  EXPECT_EQ(d.hi, r.time_us.median_ci.hi);
  EXPECT_EQ(d.busbw, r.busbw_gbps);
}

// A case with the nested parts the fast path must skip: per-rank summaries, samples, notes.
results::StoredCase rich_case() {
  Timing t = timing(123.456, 1.5, 1.75);
  results::StoredCase c = make_case({{"NCCL_ALGO", "allreduce:tree"}, {"NCCL_BUFFSIZE", "8388608"}}, "allreduce", 1 << 20, 2, t,
                                    "float", 8);
  for (int rank = 0; rank < 2; ++rank) {
    results::RankSummary s;
    s.rank = rank;
    s.host = "node{0}[]";
    s.time_us.p50 = 100 + rank;
    c.result.per_rank.push_back(s);
  }
  c.result.samples_us = {1.0, 2.0, 3.0};
  c.result.backend_notes = {{"nccl_algo", "Tree"}, {"nccl_proto", "{Simple}"}};
  c.result.straggler = results::Straggler{1, "node1", 9.5, 1.25};
  return c;
}

void write_file(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

std::vector<Owned> scan(const std::string& path, results::ScanStats* st = nullptr) {
  std::vector<Owned> out;
  const results::ScanStats s = results::scan_store(path, [&](const results::CaseDigest& d) { out.push_back(own(d)); });
  if (st) *st = s;
  return out;
}

TEST(StoreScan, FastPathAgreesWithTheFullParser) {
  for (const results::StoredCase& c :
       {rich_case(), make_case({}, "allgather", 8, 0, with_status(timing(5, 0), "failed", -1, "launch L000-r0 crashed")),
        make_case({{"coll_tuned_allreduce_algorithm", "3"}}, "allreduce", 4096, 1, with_status(timing(5, 1), "wrong", 12))}) {
    const std::string line = results::store_line(c);
    results::CaseDigest d;
    ASSERT_TRUE(results::scan_line(line, d)) << line;
    SCOPED_TRACE(c.case_id);
    expect_matches(own(d), results::parse_store_line(line, "x"));
    expect_matches(own(d), c);
  }
}

TEST(StoreScan, ToleratesCarriageReturnButNotTrailingText) {
  const std::string line = results::store_line(rich_case());
  results::CaseDigest d;
  EXPECT_TRUE(results::scan_line(line + "\r", d));
  EXPECT_EQ(d.p50_us, 123.456);
  EXPECT_FALSE(results::scan_line(line + " x", d));
  EXPECT_FALSE(results::scan_line(line.substr(0, line.size() - 1), d)) << "unclosed object";
  EXPECT_FALSE(results::scan_line("{}", d)) << "no sweep object";
}

TEST(StoreScan, EscapesFallBackToTheFullParser) {
  TempDir tmp;
  results::StoredCase quoted = make_case({{"NCCL_SOCKET_IFNAME", "eth\"0"}}, "allreduce", 1024, 0, timing(10, 1));
  results::StoredCase err = make_case({}, "allreduce", 2048, 1, with_status(timing(10, 1), "failed", -1, "rank 1 said \"no\"\n"));
  results::CaseDigest d;
  EXPECT_NE(quoted.case_id.find('"'), std::string::npos);
  EXPECT_FALSE(results::scan_line(results::store_line(quoted), d));
  EXPECT_FALSE(results::scan_line(results::store_line(err), d));
  write_file(tmp / "r.jsonl", results::store_line(quoted) + "\n" + results::store_line(rich_case()) + "\n" +
                                  results::store_line(err) + "\n");
  results::ScanStats st;
  const auto got = scan(tmp / "r.jsonl", &st);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(st.lines, 3u);
  EXPECT_EQ(st.slow_lines, 2u);
  expect_matches(got[0], quoted);
  expect_matches(got[1], rich_case());
  expect_matches(got[2], err);
  EXPECT_EQ(got[0].knobs.at("NCCL_SOCKET_IFNAME"), "eth\"0");
}

TEST(StoreScan, NanBusbwIsWrittenAsNullAndReadAsZero) {
  TempDir tmp;
  results::StoredCase c = make_case({}, "allreduce", 1024, 0, timing(10, 1));
  c.result.busbw_gbps = std::numeric_limits<double>::quiet_NaN();
  const std::string line = results::store_line(c);
  EXPECT_NE(line.find("\"busbw_gbps\":null"), std::string::npos) << line;
  results::CaseDigest d;
  ASSERT_TRUE(results::scan_line(line, d));
  EXPECT_EQ(d.busbw_gbps, 0.0);
  EXPECT_EQ(d.p50_us, 10.0);
  write_file(tmp / "r.jsonl", line + "\n");
  results::ScanStats st;
  const auto got = scan(tmp / "r.jsonl", &st);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].busbw, 0.0);
  EXPECT_EQ(st.slow_lines, 0u);
}

TEST(StoreScan, BlankLinesSkippedTornTailNotDelivered) {
  TempDir tmp;
  const std::string a = results::store_line(make_case({}, "allreduce", 1024, 0, timing(10, 1)));
  const std::string b = results::store_line(make_case({}, "allreduce", 2048, 0, timing(20, 1)));
  const std::string c = results::store_line(make_case({}, "allreduce", 4096, 0, timing(40, 1)));
  write_file(tmp / "r.jsonl", a + "\n\n  \t\n" + b + "\n" + c.substr(0, c.size() / 2));
  results::ScanStats st;
  const auto got = scan(tmp / "r.jsonl", &st);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].bytes, 1024u);
  EXPECT_EQ(got[1].bytes, 2048u);
  EXPECT_TRUE(st.torn_tail);
  EXPECT_EQ(st.lines, 4u) << "complete lines, blank ones included";
  EXPECT_EQ(st.bytes, a.size() + 1 + 1 + 4 + b.size() + 1);
  EXPECT_EQ(st.slow_lines, 0u);

  write_file(tmp / "whole.jsonl", a + "\n" + b + "\n");
  EXPECT_FALSE([&] { results::ScanStats s; scan(tmp / "whole.jsonl", &s); return s.torn_tail; }());
  write_file(tmp / "empty.jsonl", "");
  results::ScanStats empty;
  EXPECT_TRUE(scan(tmp / "empty.jsonl", &empty).empty());
  EXPECT_EQ(empty.lines, 0u);
  EXPECT_FALSE(empty.torn_tail);
}

TEST(StoreScan, MalformedLineThrowsNamingPathAndLine) {
  TempDir tmp;
  const std::string a = results::store_line(make_case({}, "allreduce", 1024, 0, timing(10, 1)));
  write_file(tmp / "r.jsonl", a + "\n\n{\"collective\": \"allreduce\", oops}\n" + a + "\n");
  try {
    scan(tmp / "r.jsonl");
    ADD_FAILURE() << "expected an InputError";
  } catch (const core::InputError& e) {
    EXPECT_TRUE(std::string(e.what()).starts_with((tmp / "r.jsonl:3") + ": expected one JSON object per line (a collbench sweep record): "))
        << e.what();
  }
  try {
    scan(tmp / "missing.jsonl");
    ADD_FAILURE() << "expected an InputError";
  } catch (const core::InputError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("'" + (tmp / "missing.jsonl") + "': cannot open", 0), 0u) << e.what();
  }
}

// A store of several scan blocks (the reader splits at about 16 MiB and reads blocks in parallel):
// cases still come in file order, slow lines in a later block keep their text, and a malformed
// line deep in the file is named by its line number in the whole file.
TEST(StoreScan, BigStoreKeepsFileOrderAndWholeFileLineNumbers) {
  TempDir tmp;
  results::StoredCase c = make_case({}, "allreduce", 1, 0, timing(10, 1));
  c.result.samples_us.assign(1000, 12.345678);  // about 10 KB a line
  std::vector<std::string> lines;
  const std::uint64_t n = 4000;  // about 40 MiB
  const std::uint64_t slow_at = n - 5, bad_at = n - 2;
  for (std::uint64_t i = 1; i <= n; ++i) {
    c.result.bytes = i;
    c.case_id = i == slow_at ? "quoted \"case\"" : "case-" + std::to_string(i);
    lines.push_back(results::store_line(c));
  }
  auto join = [&](std::uint64_t replaced) {
    std::string out;
    for (std::uint64_t i = 1; i <= n; ++i) out += (i == replaced ? std::string("{oops") : lines[i - 1]) + "\n";
    return out;
  };
  const std::string text = join(0);
  ASSERT_GT(text.size(), std::size_t{34} << 20);
  write_file(tmp / "big.jsonl", text + "{\"torn");
  results::ScanStats st;
  const auto got = scan(tmp / "big.jsonl", &st);
  ASSERT_EQ(got.size(), n);
  for (std::uint64_t i = 0; i < n; ++i)
    if (got[i].bytes != i + 1) FAIL() << "case " << i << " out of order: bytes " << got[i].bytes;
  EXPECT_EQ(got[slow_at - 1].case_id, "quoted \"case\"");
  EXPECT_EQ(got[n - 1].case_id, "case-" + std::to_string(n));
  EXPECT_EQ(st.lines, n);
  EXPECT_EQ(st.slow_lines, 1u);
  EXPECT_EQ(st.bytes, text.size());
  EXPECT_TRUE(st.torn_tail);

  write_file(tmp / "bad.jsonl", join(bad_at));
  std::vector<std::uint64_t> seen;
  try {
    results::scan_store(tmp / "bad.jsonl", [&](const results::CaseDigest& d) { seen.push_back(d.bytes); });
    ADD_FAILURE() << "expected an InputError";
  } catch (const core::InputError& e) {
    EXPECT_TRUE(std::string(e.what()).starts_with((tmp / "bad.jsonl:") + std::to_string(bad_at) +
                                                  ": expected one JSON object per line (a collbench sweep record): "))
        << e.what();
  }
  EXPECT_LT(seen.size(), bad_at);
  for (std::size_t i = 0; i < seen.size(); ++i)
    if (seen[i] != i + 1) FAIL() << "case " << i << " out of order before the error";
}

}  // namespace
