#pragma once
// Writing a command's output file: atomically, and a failure names the flag that gave the path.
#include <string>

namespace collbench::app {

// PATH "-" (or empty) is standard output. Throws InputError "FLAG 'PATH': …".
void write_output(const std::string& path, const std::string& text, const char* flag);

}  // namespace collbench::app
