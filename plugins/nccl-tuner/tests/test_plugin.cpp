// The real libnccl-tuner-collbench.so, driven as NCCL drives it (plugin_harness.hpp).
#include <dlfcn.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "plugin_harness.hpp"

namespace {

namespace fs = std::filesystem;
using collbench::tuner::testing::captured_log;
using collbench::tuner::testing::full_table;
using collbench::tuner::testing::Table;
using collbench::tuner::testing::TunerPlugin;

TEST_F(TunerPlugin, ExportsTheV5SymbolNamedCollbench) {
  EXPECT_STREQ(s_tuner->name, "collbench");
  EXPECT_NE(s_tuner->init, nullptr);
  EXPECT_NE(s_tuner->getCollInfo, nullptr);
  EXPECT_NE(s_tuner->finalize, nullptr);
}

TEST_F(TunerPlugin, ExportsNothingElse) {
  void* handle = dlopen(COLLBENCH_TUNER_PLUGIN_PATH, RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(handle, nullptr) << dlerror();
  EXPECT_NE(dlsym(handle, "ncclTunerPlugin_v5"), nullptr);
  EXPECT_EQ(dlsym(handle, "_ZN9collbench5tuner11parse_rulesESt17basic_string_viewIcSt11char_traitsIcEE"), nullptr);
  dlclose(handle);
}

TEST_F(TunerPlugin, AppliesTheRuleToTheFlatTableOnly) {
  write_rules("# comment\nallreduce,0,-1,ring,simple,-1,-1,-1\n");
  init();
  ASSERT_NE(m_ctx, nullptr);
  EXPECT_EQ(count(NCCL_LOG_INFO, "collbench tuner: 1 rules from " + m_path + " (nRanks 8, nNodes 1)"), 1) << dump_log();
  const Table before = full_table();
  Table t = before;
  int channels = 7;
  EXPECT_EQ(get(4, 1048576, t, channels), ncclSuccess);
  expect_only(t, before, 1 * 3 + 2);
  EXPECT_EQ(channels, 7);
  t = before;
  EXPECT_EQ(get(4, 1048576, t, channels), ncclSuccess);
  expect_only(t, before, 1 * 3 + 2);
  EXPECT_EQ(count(NCCL_LOG_INFO, "collbench tuner: line 2: allreduce 1048576 bytes -> ring/simple"), 1) << dump_log();
  for (const auto& e : captured_log()) EXPECT_EQ(e.flags, static_cast<unsigned long>(NCCL_TUNING));
  t = before;
  EXPECT_EQ(get(2, 1048576, t, channels), ncclSuccess);  // allgather: no rule
  expect_only(t, before, -1);
}

TEST_F(TunerPlugin, ChannelsAreSetOnlyWhenPositive) {
  write_rules("allreduce,0,100,tree,ll,-1,-1,-1\nallreduce,101,200,tree,ll,0,-1,-1\n"
              "allreduce,201,300,tree,ll,16,-1,-1\nallreduce,301,400,*,*,24,-1,-1\n");
  init();
  const Table before = full_table();
  for (const std::size_t bytes : {50u, 150u}) {
    Table t = before;
    int channels = 7;
    get(4, bytes, t, channels);
    expect_only(t, before, 0);
    EXPECT_EQ(channels, 7) << bytes;
  }
  Table t = before;
  int channels = 7;
  get(4, 250, t, channels);
  expect_only(t, before, 0);
  EXPECT_EQ(channels, 16);
  t = before;
  channels = 7;
  get(4, 350, t, channels);  // both wildcards: the table is left alone
  expect_only(t, before, -1);
  EXPECT_EQ(channels, 24);
  EXPECT_EQ(count(NCCL_LOG_INFO, "collbench tuner: line 3: allreduce 250 bytes -> tree/ll, 16 channels"), 1)
      << dump_log();
}

TEST_F(TunerPlugin, UnavailableCellFallsThroughToTheNextRule) {
  write_rules("allreduce,0,-1,nvls,simple,-1,-1,-1\nallreduce,0,-1,ring,ll128,8,-1,-1\n");
  init();
  Table before = full_table();
  before[4 * 3 + 2] = -1.0f;
  for (int i = 0; i < 2; ++i) {
    Table t = before;
    int channels = 7;
    get(4, 4096, t, channels);
    expect_only(t, before, 1 * 3 + 1);
    EXPECT_EQ(channels, 8);
  }
  EXPECT_EQ(count(NCCL_LOG_INFO,
                  "collbench tuner: rule at line 1: nvls/simple not available for this call; trying the next rule"),
            1)
      << dump_log();
  Table t = full_table();  // nvls/simple available again: the first rule applies
  int channels = 7;
  get(4, 4096, t, channels);
  expect_only(t, full_table(), 4 * 3 + 2);
  EXPECT_EQ(channels, 7);
}

TEST_F(TunerPlugin, WildcardsPickTheLowestAvailableCost) {
  write_rules("allreduce,0,-1,*,simple,-1,-1,-1\nreduce,0,-1,tree,-1,-1,-1,-1\n");
  init();
  Table before = full_table();
  before[0 * 3 + 2] = -1.0f;  // tree/simple unavailable
  before[3 * 3 + 2] = 1.5f;   // collnet_chain/simple cheapest
  before[0 * 3 + 0] = 99.0f;  // tree: ll 99, ll128 11, simple -1
  Table t = before;
  int channels = 7;
  get(4, 1, t, channels);
  expect_only(t, before, 3 * 3 + 2);
  t = before;
  get(1, 1, t, channels);
  expect_only(t, before, 0 * 3 + 1);
  before[0 * 3 + 0] = before[0 * 3 + 1] = -1.0f;  // no tree protocol left: the rule is skipped
  t = before;
  get(1, 1, t, channels);
  expect_only(t, before, -1);
}

TEST_F(TunerPlugin, MatchesTheCommunicatorAndTheCall) {
  write_rules("allreduce,0,-1,tree,ll,-1,2,16\nallreduce,0,-1,ring,ll,-1,-1,-1,4\n"
              "allreduce,0,-1,pat,ll,-1,-1,-1,-1,1\n");
  init(16, 2);
  const Table before = full_table();
  Table t = before;
  int channels = 7;
  get(4, 1, t, channels);
  expect_only(t, before, 0);
  s_tuner->finalize(m_ctx);
  init(8, 2);  // rule 1 wants 16 ranks
  t = before;
  get(4, 1, t, channels, 4, 0);
  expect_only(t, before, 3);
  t = before;
  get(4, 1, t, channels, 1, 1);
  expect_only(t, before, 18);
  t = before;
  get(4, 1, t, channels, 1, 0);
  expect_only(t, before, -1);
}

TEST_F(TunerPlugin, OtherCollectiveTypesNeverMatch) {
  write_rules("*,-1,-1,ring,simple,4,-1,-1\n");
  init();
  const Table before = full_table();
  for (int coll = 5; coll <= 14; ++coll) {
    Table t = before;
    int channels = 7;
    EXPECT_EQ(get(coll, 1024, t, channels), ncclSuccess);
    expect_only(t, before, -1);
    EXPECT_EQ(channels, 7) << coll;
  }
}

TEST_F(TunerPlugin, MissingFileWarnsAndKeepsNcclsChoices) {
  init();
  EXPECT_NE(m_ctx, nullptr);
  const auto& log = captured_log();
  ASSERT_EQ(log.size(), 1u) << dump_log();
  EXPECT_EQ(log[0].level, NCCL_LOG_WARN);
  EXPECT_EQ(log[0].flags, static_cast<unsigned long>(NCCL_TUNING));
  EXPECT_EQ(log[0].text, "collbench tuner: cannot read '" + m_path +
                             "': No such file or directory; NCCL's own choices are kept");
  Table t = full_table();
  int channels = 7;
  EXPECT_EQ(get(4, 1024, t, channels), ncclSuccess);
  expect_only(t, full_table(), -1);
  EXPECT_EQ(channels, 7);
}

TEST_F(TunerPlugin, UnreadableFileWarns) {
  setenv("NCCL_TUNER_CONFIG_FILE", m_dir.c_str(), 1);  // a directory
  init();
  const auto& log = captured_log();
  ASSERT_EQ(log.size(), 1u) << dump_log();
  EXPECT_EQ(log[0].level, NCCL_LOG_WARN);
  EXPECT_EQ(log[0].text, "collbench tuner: cannot read '" + m_dir.string() +
                             "': Is a directory; NCCL's own choices are kept");
}

// A FIFO nobody writes would block fopen, and with it NCCL's communicator init in the training
// job; /dev/zero would never end. Both are refused at once (issue 23, item 4).
TEST_F(TunerPlugin, AFifoOrADeviceIsRefusedWithoutBlocking) {
  const std::string fifo = (m_dir / "rules.fifo").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  for (const auto& [path, what] : {std::pair{fifo, std::string("a FIFO (named pipe)")},
                                   std::pair{std::string("/dev/zero"), std::string("a character device")}}) {
    setenv("NCCL_TUNER_CONFIG_FILE", path.c_str(), 1);
    captured_log().clear();
    init();
    const auto& log = captured_log();
    ASSERT_EQ(log.size(), 1u) << dump_log();
    EXPECT_EQ(log[0].text, "collbench tuner: cannot read '" + path + "': " + what +
                               ", expected a regular file; NCCL's own choices are kept");
    s_tuner->finalize(m_ctx);
    m_ctx = nullptr;
  }
}

TEST_F(TunerPlugin, AByteOrderMarkIsSkipped) {
  write_rules("\xEF\xBB\xBF" "allreduce,0,-1,ring,simple,4,-1,-1\n");
  init();
  for (const auto& e : captured_log()) EXPECT_NE(e.level, NCCL_LOG_WARN) << dump_log();
}

TEST_F(TunerPlugin, MalformedFileAppliesNoRuleAtAll) {
  write_rules("allreduce,0,-1,ring,simple,4,-1,-1\n\nallreduce,0,-1,ring,fast,-1,-1,-1\n");
  init();
  EXPECT_NE(m_ctx, nullptr);
  const auto& log = captured_log();
  ASSERT_EQ(log.size(), 1u) << dump_log();
  EXPECT_EQ(log[0].level, NCCL_LOG_WARN);
  EXPECT_EQ(log[0].text, "collbench tuner: " + m_path +
                             ":3: expected protocol ll|ll128|simple|-1|*, got 'fast'; no rules applied, NCCL's "
                             "own choices are kept");
  Table t = full_table();
  int channels = 7;
  get(4, 1024, t, channels);
  expect_only(t, full_table(), -1);
  EXPECT_EQ(channels, 7);
}

TEST_F(TunerPlugin, WorksWithoutALogger) {
  init(8, 1, false);  // missing file, nothing to log to
  EXPECT_NE(m_ctx, nullptr);
  s_tuner->finalize(m_ctx);
  write_rules("allreduce,0,-1,ring,simple,2,-1,-1\nnot,a,rule\n");
  init(8, 1, false);
  s_tuner->finalize(m_ctx);
  write_rules("allreduce,0,-1,ring,simple,2,-1,-1\n");
  init(8, 1, false);
  Table t = full_table();
  int channels = 7;
  get(4, 1024, t, channels);
  expect_only(t, full_table(), 5);
  EXPECT_EQ(channels, 2);
  EXPECT_TRUE(captured_log().empty());
}

TEST_F(TunerPlugin, NullArgumentsChangeNothing) {
  write_rules("allreduce,0,-1,ring,simple,2,-1,-1\n");
  init();
  Table t = full_table();
  int channels = 7;
  auto* table = reinterpret_cast<float**>(t.data());
  EXPECT_EQ(s_tuner->getCollInfo(nullptr, ncclFuncAllReduce, 1, 1, table, 7, 3, 0, &channels), ncclSuccess);
  EXPECT_EQ(s_tuner->getCollInfo(m_ctx, ncclFuncAllReduce, 1, 1, nullptr, 7, 3, 0, &channels), ncclSuccess);
  EXPECT_EQ(s_tuner->getCollInfo(m_ctx, ncclFuncAllReduce, 1, 1, table, 7, 3, 0, nullptr), ncclSuccess);
  expect_only(t, full_table(), -1);
  EXPECT_EQ(channels, 7);
  EXPECT_EQ(s_tuner->finalize(nullptr), ncclSuccess);
  EXPECT_EQ(s_tuner->init(nullptr, 1, 8, 1, nullptr, nullptr, nullptr), ncclSuccess);
}

TEST_F(TunerPlugin, LongLinesParse) {
  write_rules("allreduce,0,-1,ring,simple,3,-1," + std::string(300, ' ') + "8" + std::string(300, '\t') +
              "# a comment after a long run of blanks\n");
  init();
  Table t = full_table();
  int channels = 7;
  get(4, 1024, t, channels);
  expect_only(t, full_table(), 5);
  EXPECT_EQ(channels, 3);
}

TEST_F(TunerPlugin, DefaultFileIsInTheCurrentDirectory) {
  unsetenv("NCCL_TUNER_CONFIG_FILE");
  std::ofstream(m_dir / "nccl_tuner.conf") << "allreduce,0,-1,tree,ll128,-1,-1,-1\n";
  const fs::path cwd = fs::current_path();
  fs::current_path(m_dir);
  init();
  fs::current_path(cwd);
  Table t = full_table();
  int channels = 7;
  get(4, 1024, t, channels);
  expect_only(t, full_table(), 1);
  EXPECT_EQ(count(NCCL_LOG_INFO, "collbench tuner: 1 rules from nccl_tuner.conf (nRanks 8, nNodes 1)"), 1)
      << dump_log();
}

}  // namespace
