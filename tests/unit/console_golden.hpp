#pragma once
// Text compared byte for byte with a golden file. COLLBENCH_UPDATE_GOLDEN=1 rewrites the golden
// file instead (then read the diff); a mismatch leaves the actual text beside it in the temp dir.
#include <string>

namespace goldentest {

// DIR/NAME against `actual`.
void expect_golden_in(const std::string& dir, const std::string& name, const std::string& actual);

}  // namespace goldentest

namespace consoletest {

// tests/golden/console/NAME.
void expect_golden(const std::string& name, const std::string& actual);

}  // namespace consoletest
