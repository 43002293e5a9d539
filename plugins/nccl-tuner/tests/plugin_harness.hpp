#pragma once
// Drives the real libnccl-tuner-collbench.so as NCCL does: dlopen, dlsym "ncclTunerPlugin_v5",
// init/getCollInfo/finalize with flat float[7][3] cost tables cast to float**, a capturing logger,
// and a rules file in a per-test temporary directory named by NCCL_TUNER_CONFIG_FILE.
#include <gtest/gtest.h>

#include <array>
#include <filesystem>
#include <string>
#include <vector>

#include "collbench_tuner_v5.h"

namespace collbench::tuner::testing {

struct LogEntry {
  int level = 0;
  unsigned long flags = 0;
  std::string text;
};

// Every line the plugin logged through capture_logger since the test began.
std::vector<LogEntry>& captured_log();

using Table = std::array<float, 21>;  // float[7][3]

// Cell (a, p) costs 10 + 3a + p: all distinct, all available.
Table full_table();

class TunerPlugin : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  void SetUp() override;
  void TearDown() override;

  void write_rules(const std::string& text) const;
  // init with the capturing logger (or a NULL one); the context lands in m_ctx.
  void init(std::size_t n_ranks = 8, std::size_t n_nodes = 1, bool with_logger = true);
  ncclResult_t get(int coll, std::size_t bytes, Table& table, int& channels, int pipe_ops = 1, int reg_buff = 0);
  // How many times `text` was logged at `level`.
  static int count(int level, const std::string& text);
  static std::string dump_log();
  // `table` is `before` with only cell index `cell` (none for -1) set to 0.0, compared exactly.
  static void expect_only(const Table& table, const Table& before, int cell);

  static const ncclTuner_v5_t* s_tuner;
  std::filesystem::path m_dir;
  std::string m_path;
  void* m_ctx = nullptr;

 private:
  static void* s_handle;
};

}  // namespace collbench::tuner::testing
