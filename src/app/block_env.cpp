#include "app/block_env.hpp"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>

namespace collbench::app {

namespace {

// param.cc:27-51 (setEnvFile): the name is everything before the first '=', the value the rest
// of the line (1023 characters at most each), never overwriting a variable already set.
void apply_file(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const std::size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    const std::string name = line.substr(0, std::min<std::size_t>(eq, 1023));
    const std::string value = line.substr(eq + 1, 1023);
    ::setenv(name.c_str(), value.c_str(), 0);
  }
}

}  // namespace

void apply_nccl_conf_files() {
  const char* user_file = std::getenv("NCCL_CONF_FILE");
  if (user_file && *user_file) {
    apply_file(user_file);
  } else if (const passwd* pw = getpwuid(getuid()); pw && pw->pw_dir) {
    apply_file(std::string(pw->pw_dir) + "/.nccl.conf");
  }
  apply_file("/etc/nccl.conf");
}

void BlockEnvironment::apply(const plan::EnvChanges& env) {
  for (const auto& [name, value] : env) {
    if (!m_start.count(name)) {
      const char* now = std::getenv(name.c_str());
      m_start[name] = now ? std::optional<std::string>(now) : std::nullopt;
    }
    const std::optional<std::string>& v = value ? value : m_start[name];
    if (v) ::setenv(name.c_str(), v->c_str(), 1);
    else ::unsetenv(name.c_str());
  }
}

}  // namespace collbench::app
