// NCCL_DEBUG for the stand-in NCCL, as debug.cc in NCCL 2.28.9: NCCL_DEBUG (VERSION, WARN, INFO,
// TRACE), NCCL_DEBUG_SUBSYS (a comma list, of which the stand-in logs TUNING and INIT; ALL; ^ negates; default INIT,BOOTSTRAP,ENV) and
// NCCL_DEBUG_FILE (%h host, %p pid; default stdout) are read once, at the first message; lines
// start "host:pid:tid [dev] NCCL INFO ". The last WARN is what ncclGetLastError returns.
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

#include "comm.hpp"
#include "params.hpp"
#include "runtime.hpp"

namespace cbsi {

namespace {

struct Debug {
  int level = 0;  // 0 none, 1 version, 2 warn, 3 info, 5 trace
  bool tuning = false;
  bool init = false;
  FILE* out = stdout;
  std::string host;
};

Debug make_debug() {
  Debug d;
  load_conf_files_once();  // ncclDebugInit reads through ncclGetEnv, after the conf files
  const char* lvl = std::getenv("NCCL_DEBUG");
  if (lvl) {
    if (strcasecmp(lvl, "VERSION") == 0) d.level = 1;
    else if (strcasecmp(lvl, "WARN") == 0) d.level = 2;
    else if (strcasecmp(lvl, "INFO") == 0) d.level = 3;
    else if (strcasecmp(lvl, "ABORT") == 0) d.level = 4;
    else if (strcasecmp(lvl, "TRACE") == 0) d.level = 5;
  }
  std::string subsys = std::getenv("NCCL_DEBUG_SUBSYS") ? std::getenv("NCCL_DEBUG_SUBSYS") : "INIT,BOOTSTRAP,ENV";
  bool invert = !subsys.empty() && subsys[0] == '^';
  if (invert) subsys.erase(0, 1);
  bool listed = false, init_listed = false;
  std::size_t pos = 0;
  while (pos <= subsys.size()) {
    std::size_t comma = subsys.find(',', pos);
    if (comma == std::string::npos) comma = subsys.size();
    const std::string item = subsys.substr(pos, comma - pos);
    if (strcasecmp(item.c_str(), "TUNING") == 0 || strcasecmp(item.c_str(), "ALL") == 0) listed = true;
    if (strcasecmp(item.c_str(), "INIT") == 0 || strcasecmp(item.c_str(), "ALL") == 0) init_listed = true;
    pos = comma + 1;
  }
  d.tuning = invert ? !listed : listed;
  d.init = invert ? !init_listed : init_listed;
  d.host = host_name();
  if (const std::size_t dot = d.host.find('.'); dot != std::string::npos) d.host.resize(dot);
  if (const char* f = std::getenv("NCCL_DEBUG_FILE"); f && d.level > 0) {
    std::string path;
    for (const char* c = f; *c; ++c) {
      if (c[0] == '%' && c[1] == 'h') { path += d.host; ++c; }
      else if (c[0] == '%' && c[1] == 'p') { path += std::to_string(::getpid()); ++c; }
      else path += *c;
    }
    if (FILE* o = std::fopen(path.c_str(), "a")) {
      setvbuf(o, nullptr, _IOLBF, 0);
      d.out = o;
    }
  }
  return d;
}

Debug& debug() {
  static Debug d = make_debug();
  return d;
}

std::mutex g_mutex;
std::string g_last;

void emit(int dev, const char* kind, const char* fmt, va_list ap) {
  char msg[1024];
  std::vsnprintf(msg, sizeof msg, fmt, ap);
  Debug& d = debug();
  std::lock_guard<std::mutex> lock(g_mutex);
  if (std::strcmp(kind, "WARN") == 0) g_last = msg;
  std::fprintf(d.out, "%s:%d:%ld [%d] NCCL %s %s\n", d.host.c_str(), ::getpid(), static_cast<long>(::syscall(SYS_gettid)), dev,
               kind, msg);
  std::fflush(d.out);
}

}  // namespace

void warn(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  if (debug().level >= 2) {
    emit(current_device(), "WARN", fmt, ap);
  } else {
    char msg[1024];
    std::vsnprintf(msg, sizeof msg, fmt, ap);
    std::lock_guard<std::mutex> lock(g_mutex);
    g_last = msg;
  }
  va_end(ap);
}

void info_tuning(int dev, const char* fmt, ...) {
  if (debug().level < 3 || !debug().tuning) return;
  va_list ap;
  va_start(ap, fmt);
  emit(dev, "INFO", fmt, ap);
  va_end(ap);
}

void info_init(int dev, const char* fmt, ...) {
  if (debug().level < 3 || !debug().init) return;
  va_list ap;
  va_start(ap, fmt);
  emit(dev, "INFO", fmt, ap);
  va_end(ap);
}

std::string last_error() {
  std::lock_guard<std::mutex> lock(g_mutex);
  return g_last;
}

}  // namespace cbsi
