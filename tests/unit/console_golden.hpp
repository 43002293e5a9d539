#pragma once
// Console text compared byte for byte with tests/golden/console/NAME. COLLBENCH_UPDATE_GOLDEN=1
// rewrites the golden file instead (then read the diff).
#include <string>

namespace consoletest {

void expect_golden(const std::string& name, const std::string& actual);

}  // namespace consoletest
