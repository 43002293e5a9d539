#include "console_golden.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace consoletest {

void expect_golden(const std::string& name, const std::string& actual) {
  const std::string path = std::string(COLLBENCH_SOURCE_DIR) + "/tests/golden/console/" + name;
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
  std::istringstream e(expected), a(actual);
  std::string le, la;
  for (int line = 1;; ++line) {
    const bool he = static_cast<bool>(std::getline(e, le)), ha = static_cast<bool>(std::getline(a, la));
    if (!he && !ha) {
      ADD_FAILURE() << name << ": differs only in its final newline";
      return;
    }
    if (!he || !ha || le != la) {
      ADD_FAILURE() << name << ": first difference at line " << line << "\n  golden: " << (he ? le : "(end of file)")
                    << "\n  actual: " << (ha ? la : "(end of file)");
      return;
    }
  }
}

}  // namespace consoletest
