#include "backend/nccl/tuning_log.hpp"

#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "backend/nccl/nccl_setup.hpp"

namespace collbench::backend::nccl {

namespace {

bool take(std::string_view& s, std::string_view prefix) {
  if (s.substr(0, prefix.size()) != prefix) return false;
  s.remove_prefix(prefix.size());
  return true;
}

std::string_view word(std::string_view& s) {
  std::size_t n = 0;
  while (n < s.size() && s[n] != ' ' && s[n] != ':') ++n;
  std::string_view w = s.substr(0, n);
  s.remove_prefix(n);
  return w;
}

template <class T>
bool number(std::string_view& s, T& out) {
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec != std::errc()) return false;
  s.remove_prefix(static_cast<std::size_t>(ptr - s.data()));
  return true;
}

}  // namespace

std::optional<TuningLine> parse_tuning_line(std::string_view line) {
  const std::size_t at = line.find("NCCL INFO ");
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view s = line.substr(at + 10);
  TuningLine t;
  t.func = std::string(word(s));
  if (t.func.empty()) return std::nullopt;
  if (take(s, " [Symmetric]: ")) {  // symmetric_sched.cc:228-231
    int channels = 0;
    if (!number(s, t.bytes) || !take(s, " Bytes -> Kernel ")) return std::nullopt;
    t.kernel = std::string(word(s));
    if (t.kernel.empty() || !take(s, " nchannels ") || !number(s, channels) || channels < 1 || !take(s, " nthreads ") ||
        !number(s, t.nthreads) || !take(s, " nWorks ") || !number(s, t.nworks))
      return std::nullopt;
    t.channel_hi = channels - 1;
    return t;
  }
  if (!take(s, ": ") || !number(s, t.bytes) || !take(s, " Bytes -> Algo ")) return std::nullopt;
  t.algo = std::string(word(s));
  if (t.algo.empty() || !take(s, " proto ")) return std::nullopt;
  t.proto = std::string(word(s));
  if (t.proto.empty()) return std::nullopt;
  // The channel range is optional (older releases do not print it).
  if (take(s, " channel{Lo..Hi}={")) {
    if (!number(s, t.channel_lo) || !take(s, "..") || !number(s, t.channel_hi) || !take(s, "}")) return std::nullopt;
  }
  return t;
}

std::optional<TuningLine> last_tuning_line(std::string_view text, std::string_view func) {
  std::optional<TuningLine> last;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    if (auto t = parse_tuning_line(line); t && t->func == func) last = std::move(t);
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return last;
}

bool logged_init_ce(std::string_view text) {
  for (std::size_t at = text.find("NCCL INFO Init CE, rank "); at != std::string_view::npos;
       at = text.find("NCCL INFO Init CE, rank ", at + 1))
    if (at == 0 || text[at - 1] == ' ') return true;
  return false;
}

std::map<std::string, std::string> tuning_notes(std::string_view text, std::string_view func, bool copy_engine_possible,
                                                bool& init_ce) {
  std::map<std::string, std::string> n;
  init_ce = init_ce || logged_init_ce(text);
  if (auto t = last_tuning_line(text, func)) {
    if (!t->kernel.empty()) {
      n["nccl_kernel"] = "symmetric " + t->kernel;  // NCCL_ALGO/NCCL_PROTO are not consulted (symmetric_sched.cc)
    } else {
      n["nccl_algo"] = t->algo;
      n["nccl_proto"] = t->proto;
    }
    n["nccl_channels"] = std::to_string(t->channel_hi - t->channel_lo + 1);
  } else if (copy_engine_possible && init_ce) {
    // A CE collective has no TUNING line (its plan skips both schedulers, enqueue.cc:1438-1454).
    n["nccl_path"] = "copy engine (NCCL logged Init CE; no kernel line)";
  }
  return n;
}

namespace {

const UserDebug& user_settings() {
  static const UserDebug user = user_debug(process_env());  // before the first TuningLog changes them
  return user;
}

}  // namespace

TuningLog::TuningLog() {
  const UserDebug& user = user_settings();
  m_path = "/tmp/collbench-nccl-tuning." + std::to_string(::getpid()) + ".log";
  ::setenv("NCCL_DEBUG", user.level > 3 ? std::getenv("NCCL_DEBUG") : "INFO", 1);
  ::setenv("NCCL_DEBUG_SUBSYS", tuning_subsys(user).c_str(), 1);
  ::setenv("NCCL_DEBUG_FILE", m_path.c_str(), 1);
  std::ifstream in(m_path, std::ios::binary | std::ios::ate);
  if (in) m_offset = static_cast<std::uint64_t>(in.tellg());
}

std::string TuningLog::read_new() {
  std::ifstream in(m_path, std::ios::binary);
  if (!in) return {};
  in.seekg(static_cast<std::streamoff>(m_offset));
  std::stringstream text;
  text << in.rdbuf();
  std::string s = text.str();
  // Only whole lines: NCCL may be writing the next one.
  const std::size_t end = s.rfind('\n');
  s.resize(end == std::string::npos ? 0 : end + 1);
  m_offset += s.size();
  if (const std::string shown = lines_for_user(s, user_settings()); !shown.empty()) {
    std::fputs(shown.c_str(), stderr);
    std::fflush(stderr);
  }
  return s;
}

}  // namespace collbench::backend::nccl
