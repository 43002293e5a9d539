#include "fuzz_input.hpp"

#include <cxxabi.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>

namespace collbench::fuzz {
namespace {

namespace fs = std::filesystem;

// Removes the scratch directory when the process exits normally (libFuzzer's -runs and
// -max_total_time end with exit()); a crash leaves it for the post-mortem.
struct Scratch {
  std::string path;
  Scratch() {
    std::error_code ec;
    const fs::path base = fs::is_directory("/dev/shm", ec) ? fs::path("/dev/shm") : fs::temp_directory_path();
    path = (base / ("collbench-fuzz-" + std::to_string(::getpid()))).string();
    fs::remove_all(path, ec);
    fs::create_directories(path);
  }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::string demangled(const std::type_info* type) {
  if (type == nullptr) return "unknown type";
  int status = 0;
  const std::unique_ptr<char, void (*)(void*)> name(abi::__cxa_demangle(type->name(), nullptr, nullptr, &status), std::free);
  return status == 0 && name ? std::string(name.get()) : std::string(type->name());
}

}  // namespace

const std::string& scratch_dir() {
  static const Scratch scratch;
  return scratch.path;
}

std::string write_input(std::string_view relative, std::string_view text) {
  const fs::path path = fs::path(scratch_dir()) / relative;
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.close();
  if (!out) {
    std::fprintf(stderr, "fuzz: cannot write %s\n", path.c_str());
    std::abort();
  }
  return path.string();
}

std::string write_input(std::string_view relative, const std::uint8_t* data, std::size_t size) {
  return write_input(relative, std::string_view(reinterpret_cast<const char*>(data), size));
}

void contract_broken(std::string_view target, const std::type_info* type, std::string_view what) {
  std::fprintf(stderr, "%.*s: contract broken: %s: %.*s\n", static_cast<int>(target.size()), target.data(),
               demangled(type).c_str(), static_cast<int>(what.size()), what.data());
  std::abort();
}

}  // namespace collbench::fuzz
