#include "app/this_binary.hpp"

#include <unistd.h>

#include <climits>

namespace collbench::app {

std::string this_binary() {
  char buf[PATH_MAX] = {};
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string("/proc/self/exe");
}

}  // namespace collbench::app
