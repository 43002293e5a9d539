#pragma once
// The path of the running collbench binary, for the processes it starts (sweep launches, the ranks
// of collbench launch): /proc/self/exe resolved, or "/proc/self/exe" itself when it cannot be read.
#include <string>

namespace collbench::app {

std::string this_binary();

}  // namespace collbench::app
