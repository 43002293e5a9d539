#include "plugin_harness.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <fstream>

namespace collbench::tuner::testing {

std::vector<LogEntry>& captured_log() {
  static std::vector<LogEntry> log;
  return log;
}

}  // namespace collbench::tuner::testing

// A C logger as NCCL hands it to init: printf-style with varargs.
extern "C" void collbench_test_capture_logger(ncclDebugLogLevel level, unsigned long flags, const char* /*file*/,
                                              int /*line*/, const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  va_list copy;
  va_copy(copy, args);
  const int n = std::vsnprintf(nullptr, 0, fmt, copy);
  va_end(copy);
  std::string text(static_cast<std::size_t>(n > 0 ? n : 0) + 1, '\0');
  std::vsnprintf(text.data(), text.size(), fmt, args);
  va_end(args);
  text.pop_back();
  collbench::tuner::testing::captured_log().push_back({static_cast<int>(level), flags, text});
}

namespace collbench::tuner::testing {

namespace fs = std::filesystem;

const ncclTuner_v5_t* TunerPlugin::s_tuner = nullptr;
void* TunerPlugin::s_handle = nullptr;

Table full_table() {
  Table t{};
  for (std::size_t i = 0; i < t.size(); ++i) t[i] = 10.0f + static_cast<float>(i);
  return t;
}

void TunerPlugin::SetUpTestSuite() {
  s_handle = dlopen(COLLBENCH_TUNER_PLUGIN_PATH, RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(s_handle, nullptr) << dlerror();
  s_tuner = static_cast<const ncclTuner_v5_t*>(dlsym(s_handle, "ncclTunerPlugin_v5"));
  ASSERT_NE(s_tuner, nullptr) << dlerror();
}

void TunerPlugin::TearDownTestSuite() {
  if (s_handle != nullptr) dlclose(s_handle);
  s_handle = nullptr;
  s_tuner = nullptr;
}

void TunerPlugin::SetUp() {
  ASSERT_NE(s_tuner, nullptr);
  m_dir = fs::temp_directory_path() / ("collbench-tuner-" + std::to_string(getpid()) + "-" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
  fs::create_directories(m_dir);
  m_path = (m_dir / "rules.conf").string();
  setenv("NCCL_TUNER_CONFIG_FILE", m_path.c_str(), 1);
  captured_log().clear();
}

void TunerPlugin::TearDown() {
  if (m_ctx != nullptr) s_tuner->finalize(m_ctx);
  unsetenv("NCCL_TUNER_CONFIG_FILE");
  std::error_code ec;
  fs::remove_all(m_dir, ec);
}

void TunerPlugin::write_rules(const std::string& text) const { std::ofstream(m_path) << text; }

void TunerPlugin::init(std::size_t n_ranks, std::size_t n_nodes, bool with_logger) {
  const ncclDebugLogger_t logger = with_logger ? collbench_test_capture_logger : nullptr;
  EXPECT_EQ(s_tuner->init(&m_ctx, 42, n_ranks, n_nodes, logger, nullptr, nullptr), ncclSuccess);
}

ncclResult_t TunerPlugin::get(int coll, std::size_t bytes, Table& table, int& channels, int pipe_ops, int reg_buff) {
  // As NCCL does: the flat float[numAlgo][numProto] passed as float**.
  return s_tuner->getCollInfo(m_ctx, static_cast<ncclFunc_t>(coll), bytes, pipe_ops,
                              reinterpret_cast<float**>(table.data()), 7, 3, reg_buff, &channels);
}

int TunerPlugin::count(int level, const std::string& text) {
  int n = 0;
  for (const LogEntry& e : captured_log()) n += e.level == level && e.text == text ? 1 : 0;
  return n;
}

std::string TunerPlugin::dump_log() {
  std::string all;
  for (const LogEntry& e : captured_log()) all += std::to_string(e.level) + ": " + e.text + "\n";
  return all;
}

void TunerPlugin::expect_only(const Table& table, const Table& before, int cell) {
  for (std::size_t i = 0; i < table.size(); ++i) {
    EXPECT_EQ(table[i], static_cast<int>(i) == cell ? 0.0f : before[i]) << "cell " << i;
  }
}

}  // namespace collbench::tuner::testing
