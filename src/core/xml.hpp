#pragma once
// Text for XML and HTML documents (check's JUnit, report's HTML).
#include <string>

namespace collbench::core {

// & < > " ' as entities; control characters XML 1.0 forbids become U+FFFD; UTF-8 passes through.
std::string xml_escape(const std::string& s);

}  // namespace collbench::core
