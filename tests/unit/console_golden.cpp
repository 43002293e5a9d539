#include "console_golden.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace goldentest {

namespace {

std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

}  // namespace

void expect_golden_in(const std::string& dir, const std::string& name, const std::string& actual) {
  const std::string path = dir + "/" + name;
  const char* update = std::getenv("COLLBENCH_UPDATE_GOLDEN");
  if (update && std::string(update) == "1") {
    std::ofstream(path, std::ios::binary) << actual;
    return;
  }
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << "missing golden file " << path << " (run with COLLBENCH_UPDATE_GOLDEN=1 to create it)";
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string expected = ss.str();
  if (expected == actual) return;
  const std::string actual_path = (std::filesystem::temp_directory_path() / ("collbench-golden-" + name + ".actual")).string();
  std::ofstream(actual_path, std::ios::binary) << actual;
  const auto e = split_lines(expected), a = split_lines(actual);
  std::size_t i = 0;
  while (i < e.size() && i < a.size() && e[i] == a[i]) ++i;
  ADD_FAILURE() << "golden mismatch: " << name << " (first difference at line " << i + 1
                << (i == e.size() && i == a.size() ? ", only the final newline differs" : "") << ")\n"
                << "  expected: " << (i < e.size() ? e[i] : "<end of file>") << "\n"
                << "  actual:   " << (i < a.size() ? a[i] : "<end of file>") << "\n"
                << "  diff -u " << path << " " << actual_path << "\n"
                << "  (COLLBENCH_UPDATE_GOLDEN=1 rewrites the golden files after a deliberate change)";
}

}  // namespace goldentest

namespace consoletest {

void expect_golden(const std::string& name, const std::string& actual) {
  goldentest::expect_golden_in(std::string(COLLBENCH_SOURCE_DIR) + "/tests/golden/console", name, actual);
}

}  // namespace consoletest
