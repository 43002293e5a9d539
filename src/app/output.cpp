#include "app/output.hpp"

#include <cstdio>

#include <fmt/format.h>

#include "core/error.hpp"
#include "results/file_io.hpp"

namespace collbench::app {

void write_output(const std::string& path, const std::string& text, const char* flag) {
  if (path.empty() || path == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return;
  }
  try {
    results::write_file_atomically(path, text);
  } catch (const core::Error& e) {
    throw core::InputError(fmt::format("{} '{}': {}", flag, path, e.what()));
  }
}

}  // namespace collbench::app
