#include "results/store.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/error.hpp"
#include "unit/test_support.hpp"

namespace {

namespace fs = std::filesystem;
namespace core = collbench::core;
namespace results = collbench::results;


results::StoredCase make_case(int n, const std::string& status = "ok") {
  results::StoredCase c;
  c.case_id = "NCCL_ALGO=allreduce:tree|allreduce|float|sum|out_of_place|" + std::to_string(1024 * n) + "|r1";
  c.config_id = "0badf00d";
  c.knobs = {{"NCCL_ALGO", "allreduce:tree"}, {"NCCL_BUFFSIZE", "1048576"}};
  c.rep = 1;
  c.launch = "L003-r1";
  results::ResultRecord& r = c.result;
  r.collective = "allreduce";
  r.bytes = r.requested_bytes = 1024u * static_cast<unsigned>(n);
  r.count = r.bytes / 4;
  r.datatype = "float";
  r.op = "sum";
  r.placement = "out_of_place";
  r.nranks = 4;
  r.status = status;
  r.checked = status == "ok";
  r.wrong = status == "ok" ? 0 : -1;
  r.iters = status == "ok" ? 20 : 0;
  r.time_us.n = static_cast<std::size_t>(r.iters);
  r.time_us.p50 = 12.5 * n;
  r.busbw_gbps = 3.25;
  if (status == "failed") r.error = "launch L003-r1 crashed: rank 2 killed by signal 11";
  return c;
}

void expect_same(const results::StoredCase& a, const results::StoredCase& b) {
  EXPECT_EQ(a.case_id, b.case_id);
  EXPECT_EQ(a.config_id, b.config_id);
  EXPECT_EQ(a.knobs, b.knobs);
  EXPECT_EQ(a.rep, b.rep);
  EXPECT_EQ(a.launch, b.launch);
  EXPECT_EQ(a.result.collective, b.result.collective);
  EXPECT_EQ(a.result.bytes, b.result.bytes);
  EXPECT_EQ(a.result.count, b.result.count);
  EXPECT_EQ(a.result.status, b.result.status);
  EXPECT_EQ(a.result.error, b.result.error);
  EXPECT_EQ(a.result.wrong, b.result.wrong);
  EXPECT_EQ(a.result.iters, b.result.iters);
  EXPECT_EQ(a.result.time_us.p50, b.result.time_us.p50);
  EXPECT_EQ(a.result.busbw_gbps, b.result.busbw_gbps);
}

TEST(StoreLine, RoundTrip) {
  for (const auto& c : {make_case(1), make_case(2, "failed")}) {
    const std::string line = results::store_line(c);
    EXPECT_EQ(line.find('\n'), std::string::npos);
    EXPECT_HAS(line, "\"sweep\":");
    expect_same(results::parse_store_line(line, "s.jsonl:1"), c);
  }
  const results::StoredCase failed = results::parse_store_line(results::store_line(make_case(2, "failed")), "x");
  EXPECT_EQ(failed.result.status, "failed");
  EXPECT_EQ(failed.result.error, "launch L003-r1 crashed: rank 2 killed by signal 11");
  results::StoredCase no_knobs = make_case(3);
  no_knobs.knobs.clear();
  EXPECT_TRUE(results::parse_store_line(results::store_line(no_knobs), "x").knobs.empty());
}

TEST(StoreLine, RejectsWhatIsNotAStoredCase) {
  auto error_of = [](const std::string& line) -> std::string {
    try {
      results::parse_store_line(line, "dir/results.jsonl:7");
    } catch (const core::InputError& e) {
      return e.what();
    }
    ADD_FAILURE() << "expected an InputError for: " << line;
    return "";
  };
  EXPECT_HAS(error_of("{\"sweep\": "), "dir/results.jsonl:7: expected one JSON object per line");
  std::string e = error_of(R"({"collective": "allreduce"})");
  EXPECT_HAS(e, "dir/results.jsonl:7: expected a \"sweep\" object with case, config_id, knobs, rep and launch");
  e = error_of(R"({"sweep": {"case": "x", "config_id": "0badf00d", "knobs": {}, "rep": "one", "launch": "L0"}})");
  EXPECT_HAS(e, "dir/results.jsonl:7: expected a \"sweep\" object");
  // A sweep object on a record that is not one: the record's own error, prefixed.
  std::string line = results::store_line(make_case(1));
  line.replace(line.find("\"status\":\"ok\""), 13, "\"status\":\"great\"");
  e = error_of(line);
  EXPECT_HAS(e, "dir/results.jsonl:7: ");
  EXPECT_HAS(e, "status");
}

class Store : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    m_dir = fs::temp_directory_path() / ("collbench-test-" + std::to_string(::getpid()) + "-" + info->name());
    fs::remove_all(m_dir);
    fs::create_directories(m_dir);
    m_path = (m_dir / "results.jsonl").string();
  }
  void TearDown() override { fs::remove_all(m_dir); }

  void append_raw(const std::string& bytes) {
    std::ofstream out(m_path, std::ios::binary | std::ios::app);
    out << bytes;
  }

  fs::path m_dir;
  std::string m_path;
};

TEST_F(Store, AppendAndReadBackInOrder) {
  {
    results::StoreAppender a(m_path);
    a.append(make_case(1));
    a.append(make_case(2, "failed"));
  }
  {
    results::StoreAppender a(m_path);  // reopening appends, never truncates
    a.append(make_case(3));
  }
  const results::StoreContents s = results::read_store(m_path);
  ASSERT_EQ(s.records.size(), 3u);
  expect_same(s.records[0], make_case(1));
  expect_same(s.records[1], make_case(2, "failed"));
  expect_same(s.records[2], make_case(3));
  EXPECT_FALSE(s.torn_tail);
  EXPECT_EQ(s.valid_bytes, fs::file_size(m_path));
  std::ifstream in(m_path);
  std::string first;
  std::getline(in, first);
  EXPECT_EQ(first, results::store_line(make_case(1)));
}

TEST_F(Store, TornTailIsDroppedAndCut) {
  {
    results::StoreAppender a(m_path);
    a.append(make_case(1));
    a.append(make_case(2));
  }
  const std::uint64_t complete = fs::file_size(m_path);
  const std::string third = results::store_line(make_case(3));
  append_raw(third.substr(0, third.size() / 2));  // a kill mid-write: no newline

  results::StoreContents s = results::read_store(m_path);
  EXPECT_TRUE(s.torn_tail);
  ASSERT_EQ(s.records.size(), 2u);
  expect_same(s.records[1], make_case(2));
  EXPECT_EQ(s.valid_bytes, complete);

  results::drop_torn_tail(m_path, s.valid_bytes);
  EXPECT_EQ(fs::file_size(m_path), complete);
  {
    results::StoreAppender a(m_path);
    a.append(make_case(4));
  }
  s = results::read_store(m_path);
  EXPECT_FALSE(s.torn_tail);
  ASSERT_EQ(s.records.size(), 3u);
  expect_same(s.records[2], make_case(4));
  EXPECT_EQ(s.valid_bytes, fs::file_size(m_path));
}

TEST_F(Store, TornTailAlone) {
  append_raw("{\"collective\":\"allre");
  const results::StoreContents s = results::read_store(m_path);
  EXPECT_TRUE(s.torn_tail);
  EXPECT_TRUE(s.records.empty());
  EXPECT_EQ(s.valid_bytes, 0u);
}

TEST_F(Store, MalformedCompleteLineNamesPathAndLine) {
  append_raw(results::store_line(make_case(1)) + "\n\n{\"not\": \"a case\"}\n" + results::store_line(make_case(2)) + "\n");
  try {
    results::read_store(m_path);
    FAIL() << "expected an InputError";
  } catch (const core::InputError& e) {
    EXPECT_HAS(e.what(), m_path + ":3: ");  // the blank line 2 still counts
  }
  fs::remove(m_path);
  append_raw(results::store_line(make_case(1)) + "\ngarbage\n");
  try {
    results::read_store(m_path);
    FAIL() << "expected an InputError";
  } catch (const core::InputError& e) {
    EXPECT_HAS(e.what(), m_path + ":2: expected one JSON object per line");
  }
}

TEST_F(Store, MissingFileIsEmpty) {
  const results::StoreContents s = results::read_store((m_dir / "absent.jsonl").string());
  EXPECT_TRUE(s.records.empty());
  EXPECT_FALSE(s.torn_tail);
  EXPECT_EQ(s.valid_bytes, 0u);
}

TEST_F(Store, AppenderNeedsAnOpenableFile) {
  const std::string path = (m_dir / "no-such-dir" / "results.jsonl").string();
  try {
    results::StoreAppender a(path);
    FAIL() << "expected an InputError";
  } catch (const core::InputError& e) {
    EXPECT_HAS(e.what(), "'" + path + "': cannot open for appending");
  }
}

}  // namespace
