// collbench import against the real nccl-tests / rccl-tests logs in ../shared/fixtures/nccl-tests-logs:
// every file in the directory is imported and compared with an independent reading of its table
// done here (a plain tokenizer, not the importer's code), so a new fixture is covered by adding it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "ingest/nccl_tests.hpp"
#include "unit/ingest/import_support.hpp"
#include "unit/test_support.hpp"

namespace {

namespace fs = std::filesystem;
namespace ingest = collbench::ingest;
namespace results = collbench::results;

fs::path fixture_dir() {
  return fs::path(COLLBENCH_SOURCE_DIR) / ".." / "shared" / "fixtures" / "nccl-tests-logs";
}

std::vector<std::string> fixture_files() {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(fixture_dir(), ec))
    if (e.is_regular_file()) files.push_back(e.path().filename().string());
  std::sort(files.begin(), files.end());
  return files;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> tokens(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> t;
  for (std::string w; in >> w;) t.push_back(w);
  return t;
}

// What the log prints, read independently of the importer.
struct Cell {
  std::string time, algbw, busbw, wrong;
};
struct Row {
  std::uint64_t bytes = 0, count = 0;
  std::string type, op;
  std::optional<int> root;
  std::vector<Cell> cells;  // out-of-place, then in-place
};
struct Printed {
  std::vector<Row> rows;
  bool old_error_column = false;
  std::size_t header_tokens = 0;
  int device_lines = 0;
  std::map<std::string, std::vector<int>> host_ranks;
  std::optional<double> avg_busbw;
  bool footer = false;
  bool rccl = false;
};

Printed read_printed(const std::string& text) {
  Printed p;
  static const std::regex tag(R"(^\[\d+,\d+\]<std(out|err)>:)");
  static const std::regex device(R"(^#\s*Rank\s+(\d+)\s+(Group\s+\d+\s+)?Pid\s+\d+\s+on\s+(\S+)\s+device\s+\d+)");
  static const std::regex avg(R"(^#\s*Avg bus bandwidth\s*:\s*(\S+))");
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    line = std::regex_replace(line, tag, "");
    const auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos) continue;
    line = line.substr(first);
    if (line.rfind("rccl-tests: Version", 0) == 0 || line.rfind("RCCL version", 0) == 0) p.rccl = true;
    std::smatch m;
    if (std::regex_search(line, m, device)) {
      ++p.device_lines;
      p.host_ranks[m[3].str()].push_back(std::stoi(m[1].str()));
      continue;
    }
    if (std::regex_search(line, m, avg)) {
      p.avg_busbw = std::stod(m[1].str());
      p.footer = true;
      continue;
    }
    if (line.find("Out of bounds values") != std::string::npos) p.footer = true;
    if (line[0] == '#') {
      const auto t = tokens(line.substr(1));
      if (t.size() >= 12 && t[0] == "size" && t[1] == "count" && t[2] == "type") {
        p.header_tokens = t.size();
        p.old_error_column = std::find(t.begin(), t.end(), "error") != t.end();
      }
      continue;
    }
    if (!std::isdigit(static_cast<unsigned char>(line[0])) || p.header_tokens == 0) continue;
    const auto t = tokens(line);
    if (t.size() != p.header_tokens) continue;
    Row r;
    r.bytes = std::stoull(t[0]);
    r.count = std::stoull(t[1]);
    r.type = t[2];
    r.op = t[3];
    std::size_t at = 4;
    if (p.header_tokens == 13) r.root = std::stoi(t[at++]);
    for (; at + 4 <= t.size(); at += 4) r.cells.push_back({t[at], t[at + 1], t[at + 2], t[at + 3]});
    p.rows.push_back(r);
  }
  return p;
}

using importsupport::has;

int element_bytes(const std::string& type) {
  static const std::map<std::string, int> sizes = {{"int8", 1}, {"uint8", 1}, {"int32", 4}, {"uint32", 4},
                                                   {"int64", 8}, {"uint64", 8}, {"half", 2}, {"float", 4},
                                                   {"double", 8}, {"bfloat16", 2}};
  const auto it = sizes.find(type);
  return it == sizes.end() ? 0 : it->second;
}

class FixtureLog : public ::testing::TestWithParam<std::string> {};

TEST_P(FixtureLog, MatchesAnIndependentReadingOfTheTable) {
  const fs::path path = fixture_dir() / GetParam();
  const std::string text = slurp(path);
  const Printed printed = read_printed(text);
  ASSERT_FALSE(printed.rows.empty()) << "the test's own reader found no rows in " << path;
  ASSERT_GT(printed.device_lines, 0);

  const ingest::ImportedLog log = ingest::import_log(path.string());
  const results::RunDocument& doc = log.doc;
  ASSERT_TRUE(doc.metadata.imported.has_value());
  const results::ImportInfo& info = *doc.metadata.imported;

  const std::size_t placements = printed.rows.front().cells.size();
  ASSERT_EQ(doc.results.size(), printed.rows.size() * placements) << "every printed row, every placement";
  ASSERT_EQ(log.reps.size(), doc.results.size());
  EXPECT_EQ(doc.metadata.nranks, printed.device_lines);

  for (std::size_t i = 0; i < printed.rows.size(); ++i) {
    const Row& row = printed.rows[i];
    for (std::size_t k = 0; k < placements; ++k) {
      const results::ResultRecord& r = doc.results[i * placements + k];
      const Cell& c = row.cells[k];
      SCOPED_TRACE("row " + std::to_string(i) + " (" + std::to_string(row.bytes) + " B) placement " + std::to_string(k));
      EXPECT_EQ(r.bytes, row.bytes);
      EXPECT_EQ(r.count, row.count);
      EXPECT_EQ(r.datatype, row.type);
      EXPECT_EQ(r.op, row.op);
      EXPECT_EQ(r.root, row.root.value_or(-1));
      EXPECT_EQ(r.placement, placements == 2 ? (k == 0 ? "out_of_place" : "in_place") : "in_place");
      if (row.op != "none" && row.root.value_or(-1) == -1 &&
          row.count * static_cast<std::uint64_t>(element_bytes(row.type)) == row.bytes)
        EXPECT_EQ(r.collective, "allreduce");
      EXPECT_EQ(r.nranks, printed.device_lines);
      if (printed.old_error_column) {
        EXPECT_EQ(r.wrong, -1);
        EXPECT_EQ(r.checked, c.wrong != "N/A") << "the 'error' column under 'validation: 1' is a check";
        ASSERT_EQ(r.backend_notes.count("max_abs_error"), 1u);
        EXPECT_EQ(r.backend_notes.at("max_abs_error"), c.wrong);
        EXPECT_TRUE(has(r.missing, "wrong"));
      } else {
        std::string w = c.wrong;
        w.erase(std::remove(w.begin(), w.end(), '*'), w.end());
        EXPECT_EQ(r.wrong, std::stoll(w));
        EXPECT_TRUE(r.checked);
        EXPECT_EQ(r.status, std::stoll(w) > 0 ? "wrong" : "ok");
      }
      EXPECT_DOUBLE_EQ(r.time_us.mean, std::stod(c.time));
      const double busbw = std::stod(c.busbw);
      EXPECT_NEAR(r.busbw_mean_gbps, busbw, std::max(0.011, 0.01 * busbw)) << "printed busbw " << c.busbw;
      const double algbw = std::stod(c.algbw);
      EXPECT_NEAR(r.algbw_mean_gbps, algbw, std::max(0.011, 0.01 * algbw)) << "printed algbw " << c.algbw;
      // nccl-tests' figure is the log's own columns: no fixture sets -a, so each ran with the default -a 1.
      ASSERT_TRUE(r.nccl_tests.has_value());
      EXPECT_DOUBLE_EQ(r.nccl_tests->time_us, std::stod(c.time));
      EXPECT_NEAR(r.nccl_tests->busbw_gbps, busbw, std::max(0.011, 0.01 * busbw)) << "printed busbw " << c.busbw;
      EXPECT_NEAR(r.nccl_tests->algbw_gbps, algbw, std::max(0.011, 0.01 * algbw)) << "printed algbw " << c.algbw;
      EXPECT_FALSE(has(r.missing, "nccl_tests"));
      EXPECT_TRUE(has(r.missing, "time_us.p50"));
      EXPECT_TRUE(has(r.missing, "per_rank"));
      EXPECT_FALSE(has(r.missing, "time_us.mean"));
      EXPECT_TRUE(std::isnan(r.time_us.p50)) << "no percentile is printed: it must not be made up";
    }
  }

  // Hosts: the ranks of each '# Rank' line's host.
  ASSERT_EQ(doc.metadata.hosts.size(), printed.host_ranks.size());
  for (const auto& h : doc.metadata.hosts) {
    ASSERT_EQ(printed.host_ranks.count(h.host), 1u) << h.host;
    std::vector<int> want = printed.host_ranks.at(h.host), got = h.ranks;
    std::sort(want.begin(), want.end());
    std::sort(got.begin(), got.end());
    EXPECT_EQ(got, want) << h.host;
  }
  EXPECT_EQ(doc.metadata.devices.size(), static_cast<std::size_t>(printed.device_lines));

  // Complete or cut off.
  EXPECT_EQ(info.complete, printed.footer);
  EXPECT_EQ(doc.status, printed.footer ? "ok" : "running");
  if (printed.avg_busbw) {
    EXPECT_DOUBLE_EQ(info.avg_busbw_gbps, *printed.avg_busbw);
  } else {
    EXPECT_TRUE(std::isnan(info.avg_busbw_gbps));
  }
  if (printed.rccl) {
    EXPECT_EQ(info.tool, "rccl-tests");
    EXPECT_EQ(doc.metadata.backend_library.rfind("RCCL", 0), 0u) << doc.metadata.backend_library;
  } else {
    EXPECT_EQ(info.tool, "nccl-tests");
  }
  EXPECT_EQ(info.source, path.string());
  EXPECT_EQ(info.source_bytes, text.size());
  EXPECT_NE(info.fingerprint, 0u);
  EXPECT_EQ(log.label, path.stem().string());
  EXPECT_TRUE(has(info.missing, "per_rank"));
  EXPECT_FALSE(has(info.missing, "time_us.mean"));
}

std::string param_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string n = fs::path(info.param).stem().string();
  for (char& c : n)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return n;
}

INSTANTIATE_TEST_SUITE_P(AllFixtures, FixtureLog, ::testing::ValuesIn(fixture_files()), param_name);

TEST(FixtureDirectory, HoldsTheSevenKnownLogs) {
  const auto files = fixture_files();
  ASSERT_GE(files.size(), 7u) << fixture_dir();
  for (const char* name : {"amd_mi300x_2x8_roce_rccl_allreduce.txt", "amd_mi355x_2x8_pollara_rccl_allreduce_truncated.txt",
                           "aws_eks_p4d_a100_2x8_efa_allreduce_oldformat.txt",
                           "cscs_alps_gh200_2x4_slingshot_srun_allreduce.txt",
                           "cscs_alps_gh200_2x4_slingshot_srun_allreduce_cxi_hook_off.txt",
                           "gcp_a3mega_h100_2x8_tcpxo_allreduce.txt", "oci_oke_a100_2x8_roce_allreduce.txt"})
    EXPECT_TRUE(has(files, name)) << name;
}

ingest::ImportedLog import_fixture(const std::string& name) {
  return ingest::import_log((fixture_dir() / name).string());
}

void expect_two_hosts(const results::RunDocument& doc, std::size_t per_host) {
  ASSERT_EQ(doc.metadata.hosts.size(), 2u);
  for (const auto& h : doc.metadata.hosts) EXPECT_EQ(h.ranks.size(), per_host) << h.host;
  EXPECT_NE(doc.metadata.hosts[0].host, doc.metadata.hosts[1].host);
}

TEST(FixtureFacts, TruncatedMi355xIsRunningAndIncomplete) {
  const auto log = import_fixture("amd_mi355x_2x8_pollara_rccl_allreduce_truncated.txt");
  const auto& info = *log.doc.metadata.imported;
  EXPECT_EQ(log.doc.status, "running");
  EXPECT_FALSE(info.complete);
  bool cut_note = false;
  for (const auto& n : info.notes) cut_note = cut_note || n.find("cut off") != std::string::npos;
  EXPECT_TRUE(cut_note) << "notes: " << ::testing::PrintToString(info.notes);
  EXPECT_EQ(log.doc.metadata.nranks, 16);
  EXPECT_EQ(info.tool, "rccl-tests");
  EXPECT_EQ(log.doc.metadata.backend_library.rfind("RCCL 2.26.6", 0), 0u) << log.doc.metadata.backend_library;
  EXPECT_TRUE(std::isnan(info.avg_busbw_gbps));
  expect_two_hosts(log.doc, 8);
  // The last printed row (8 GiB, complete with its newline) is imported.
  ASSERT_FALSE(log.doc.results.empty());
  EXPECT_EQ(log.doc.results.back().bytes, 8589934592u);
  EXPECT_EQ(log.doc.results.back().placement, "in_place");
  EXPECT_DOUBLE_EQ(log.doc.results.back().time_us.mean, 43639);
}

TEST(FixtureFacts, Mi300xIsACompleteRcclLog) {
  const auto log = import_fixture("amd_mi300x_2x8_roce_rccl_allreduce.txt");
  const auto& info = *log.doc.metadata.imported;
  EXPECT_EQ(log.doc.status, "ok");
  EXPECT_TRUE(info.complete);
  EXPECT_EQ(info.tool, "rccl-tests");
  EXPECT_EQ(log.doc.metadata.backend_library.rfind("RCCL", 0), 0u);
  EXPECT_EQ(log.doc.metadata.nranks, 16);
  EXPECT_DOUBLE_EQ(info.avg_busbw_gbps, 92.3318);
  EXPECT_EQ(log.doc.results.size(), 32u * 2u);
  expect_two_hosts(log.doc, 8);
}

TEST(FixtureFacts, AwsOldFormatLog) {
  const auto log = import_fixture("aws_eks_p4d_a100_2x8_efa_allreduce_oldformat.txt");
  const auto& info = *log.doc.metadata.imported;
  EXPECT_EQ(log.doc.metadata.backend_library, "NCCL 2.9.9+cuda11.2");
  EXPECT_NE(info.format.find("error"), std::string::npos) << info.format;
  EXPECT_EQ(info.tool, "nccl-tests");
  EXPECT_EQ(log.doc.status, "ok");
  EXPECT_TRUE(info.complete);
  EXPECT_EQ(log.doc.metadata.nranks, 16);
  EXPECT_DOUBLE_EQ(info.avg_busbw_gbps, 11.2432);
  EXPECT_EQ(log.doc.results.size(), 30u * 2u);
  expect_two_hosts(log.doc, 8);
  for (const auto& r : log.doc.results) {
    EXPECT_EQ(r.collective, "allreduce");
    EXPECT_EQ(r.wrong, -1);
    EXPECT_TRUE(r.checked) << "'validation: 1' and an 'error' column: checked, the count not printed";
    EXPECT_TRUE(has(r.missing, "wrong"));
    EXPECT_EQ(r.iters, 100);  // "iters: 100" in its nThread line
  }
  EXPECT_EQ(log.doc.results.front().backend_notes.at("max_abs_error"), "2e-07");
  EXPECT_EQ(log.doc.results[1].backend_notes.at("max_abs_error"), "1e-07");
  EXPECT_TRUE(has(info.missing, "wrong"));
}

TEST(FixtureFacts, NvidiaLogsAreCompleteNcclTestsLogs) {
  struct Expect {
    const char* file;
    int nranks;
    std::size_t per_host;
    double avg;
    std::size_t rows;
  };
  for (const Expect& e : {Expect{"cscs_alps_gh200_2x4_slingshot_srun_allreduce.txt", 8, 4, 19.7866, 25},
                          Expect{"gcp_a3mega_h100_2x8_tcpxo_allreduce.txt", 16, 8, 70.742, 31},
                          Expect{"oci_oke_a100_2x8_roce_allreduce.txt", 16, 8, 66.4834, 31}}) {
    SCOPED_TRACE(e.file);
    const auto log = import_fixture(e.file);
    const auto& info = *log.doc.metadata.imported;
    EXPECT_EQ(log.doc.status, "ok");
    EXPECT_TRUE(info.complete);
    EXPECT_EQ(info.tool, "nccl-tests");
    EXPECT_EQ(log.doc.metadata.nranks, e.nranks);
    EXPECT_DOUBLE_EQ(info.avg_busbw_gbps, e.avg);
    EXPECT_EQ(log.doc.results.size(), e.rows * 2);
    expect_two_hosts(log.doc, e.per_host);
    EXPECT_NE(info.format.find("2.13-2.17.2"), std::string::npos) << info.format;
    EXPECT_EQ(log.doc.results.front().iters, 20);
    EXPECT_EQ(log.doc.results.front().warmup_iters, e.nranks == 8 ? 1 : 5);
  }
}

TEST(FixtureFacts, CscsLogNamesItsProgram) {
  const auto log = import_fixture("cscs_alps_gh200_2x4_slingshot_srun_allreduce.txt");
  EXPECT_EQ(log.doc.metadata.imported->program, "all_reduce_perf");
  const auto& hosts = log.doc.metadata.hosts;
  ASSERT_EQ(hosts.size(), 2u);
  EXPECT_EQ(hosts[0].host, "nid005471");
  EXPECT_EQ(hosts[0].ranks, (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(hosts[1].host, "nid005487");
  EXPECT_EQ(hosts[1].ranks, (std::vector<int>{4, 5, 6, 7}));
}

}  // namespace
