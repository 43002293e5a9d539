// NCCL's environment as NCCL 2.28.9 reads it (../shared/reference/nccl-knobs.md): the nccl.conf
// files applied once per process with setenv(k, v, 0), so the process environment wins
// (param.cc:28-74); NCCL_PARAM knobs frozen at their first read (param.h:19-28); ncclGetEnv knobs
// (NCCL_ALGO, NCCL_PROTO, NCCL_COLLNET_ENABLE …) read live at every init (param.cc:96-99).
#include "params.hpp"

#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>

namespace cbsi {

namespace {

std::mutex g_mutex;

void apply_file(const std::string& path) {
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    const std::size_t hash = line.find('#');
    if (hash != std::string::npos) line.resize(hash);
    const std::size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    auto trim = [](std::string s) {
      s.erase(0, s.find_first_not_of(" \t\r"));
      s.erase(s.find_last_not_of(" \t\r") + 1);
      return s;
    };
    const std::string key = trim(line.substr(0, eq)), value = trim(line.substr(eq + 1));
    if (!key.empty()) ::setenv(key.c_str(), value.c_str(), 0);
  }
}

}  // namespace

void load_conf_files_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (const char* f = std::getenv("NCCL_CONF_FILE"); f && *f) {
      apply_file(f);
    } else if (const char* home = std::getenv("HOME")) {
      apply_file(std::string(home) + "/.nccl.conf");
    }
    apply_file("/etc/nccl.conf");
  });
}

std::optional<std::string> live(const std::string& name) {
  load_conf_files_once();
  const char* v = std::getenv(name.c_str());
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

std::optional<std::string> param(const std::string& name) {
  static std::map<std::string, std::optional<std::string>> cache;
  std::lock_guard<std::mutex> lock(g_mutex);
  auto it = cache.find(name);
  if (it != cache.end()) return it->second;
  const std::optional<std::string> v = live(name);
  cache.emplace(name, v);
  return v;
}

}  // namespace cbsi
