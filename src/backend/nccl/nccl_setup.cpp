#include "backend/nccl/nccl_setup.hpp"

#include <fmt/format.h>
#include <strings.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/error.hpp"

namespace collbench::backend::nccl {

DeviceChoice choose_device(int visible, int local_rank, int local_size, int rank, const std::string& host) {
  if (visible <= 0) return {-1, "no CUDA GPU is visible"};
  if (visible == 1) return {0, ""};
  if (local_rank < visible) return {local_rank, ""};
  return {-1, fmt::format("rank {} on {} is local rank {} of {} but only {} GPU(s) are visible there; run at most one "
                          "rank per GPU (or give each process its own GPU: srun --gpus-per-task=1)",
                          rank, host, local_rank, local_size, visible)};
}

EnvLookup process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    return v ? std::optional<std::string>(v) : std::nullopt;
  };
}

namespace {

// An NCCL_PARAM integer as ncclLoadParam reads it (param.cc: strtoll, base 0); nullopt when unset,
// empty or not a number (NCCL then keeps its default).
std::optional<long long> env_int(const EnvLookup& env, const char* name) {
  const auto v = env(name);
  if (!v || v->empty()) return std::nullopt;
  char* end = nullptr;
  const long long x = std::strtoll(v->c_str(), &end, 0);
  if (end == v->c_str()) return std::nullopt;
  return x;
}

}  // namespace

NcclOptions checked_config(NcclOptions o, const EnvLookup& env, bool sweep_fields) {
  const auto name = [&](const char* flag, const char* field) {
    return std::string(sweep_fields ? fmt::format("config.{}", field) : std::string(flag));
  };
  const auto fail = [](const std::string& why) { throw core::InputError(why); };
  const auto range = [&](int v, int lo, int hi, const char* flag, const char* field) {
    if (v >= 0 && (v < lo || v > hi))
      fail(fmt::format("{} {}: expected an integer from {} to {} (NCCL's check, init.cc:1852-1910)", name(flag, field), v,
                       lo, hi));
  };
  range(o.min_ctas, 1, kMaxChannels, "--nccl-min-ctas", "minCTAs");
  range(o.max_ctas, 1, kMaxChannels, "--nccl-max-ctas", "maxCTAs");
  // 3 = efficiency|zero: a value of NCCL 2.29, whose uses are bit tests; 2.28.9 refuses it at init
  // (init.cc:1887-1891), which library_refusal says before init, knowing the library in use.
  range(o.cta_policy, 0, 3, "--nccl-cta-policy", "CTAPolicy");
  range(o.cga_cluster_size, 0, 8, "--nccl-cga-cluster-size", "cgaClusterSize");
  range(o.channels_per_net_peer, 1, kMaxChannels, "--nccl-channels-per-net-peer", "nChannelsPerNetPeer");
  range(o.collnet_enable, 0, 1, "--nccl-collnet", "collnetEnable");
  range(o.nvlink_centric_sched, 0, 1, "--compat nccl-tests", "nvlinkCentricSched");
  if (o.min_ctas >= 0 && o.max_ctas >= 0 && o.min_ctas > o.max_ctas)
    fail(fmt::format("{} {}: expected at most {} ({})", name("--nccl-min-ctas", "minCTAs"), o.min_ctas,
                     name("--nccl-max-ctas", "maxCTAs"), o.max_ctas));
  // NCCL compares minCTAs with maxCTAs even when maxCTAs is unset (INT_MIN), so minCTAs alone
  // fails init: pass NCCL's own default for the other side (init.cc:1922, MAXCHANNELS = 64 in device.h:86).
  if (o.min_ctas >= 0 && o.max_ctas < 0) {
    o.max_ctas = kMaxChannels;
    o.max_ctas_completed = true;
  }
  // What NCCL ends with after the environment's overrides (init.cc:1661-1681: a value <= 0 is
  // ignored), which nothing in NCCL checks again.
  const auto env_min = env_int(env, "NCCL_MIN_CTAS"), env_max = env_int(env, "NCCL_MAX_CTAS");
  const long long lo = env_min && *env_min > 0 ? *env_min : (o.min_ctas >= 0 ? o.min_ctas : 1);
  const long long hi = env_max && *env_max > 0 ? *env_max : (o.max_ctas >= 0 ? o.max_ctas : kMaxChannels);
  const bool env_involved = (env_min && *env_min > 0) || (env_max && *env_max > 0);
  if (env_involved && (o.min_ctas >= 0 || o.max_ctas >= 0) && std::min<long long>(lo, kMaxChannels) > std::min<long long>(hi, kMaxChannels))
    fail(fmt::format("{}: NCCL would run with minCTAs {} above maxCTAs {} once the environment's {} overrides the "
                     "config (init.cc:1661-1681, after its checks); unset it or change the flag",
                     o.min_ctas >= 0 ? name("--nccl-min-ctas", "minCTAs") : name("--nccl-max-ctas", "maxCTAs"), lo, hi,
                     env_min && *env_min > 0 ? "NCCL_MIN_CTAS=" + std::to_string(*env_min)
                                             : "NCCL_MAX_CTAS=" + std::to_string(*env_max)));
  return o;
}

NcclOptions block_options(NcclOptions o, const std::map<std::string, std::string>& fields, const EnvLookup& env) {
  for (const auto& [field, value] : fields) {
    if (field == "register") {  // the sweep knob `register` (run --register): per communicator, not an ncclConfig_t field
      if (value != "none" && value != "local" && value != "symmetric")
        throw core::InputError("launch file: register '" + value + "': expected none, local or symmetric");
      o.register_mode = value == "local" ? RegisterMode::local : value == "symmetric" ? RegisterMode::symmetric : RegisterMode::none;
      continue;
    }
    const int v = std::stoi(value);
    if (field == "minCTAs") o.min_ctas = v;
    else if (field == "maxCTAs") o.max_ctas = v;
    else if (field == "CTAPolicy") o.cta_policy = v;
    else if (field == "cgaClusterSize") o.cga_cluster_size = v;
    else if (field == "nChannelsPerNetPeer") o.channels_per_net_peer = v;
    else if (field == "collnetEnable") o.collnet_enable = v;
    else throw core::InputError("launch file: unknown ncclConfig_t field '" + field + "'");
  }
  return checked_config(o, env, true);
}

std::string library_refusal(const NcclOptions& o, int version, const LibraryCalls& calls) {
  const auto text = [](int v) { return fmt::format("{}.{}.{}", v / 10000, v / 100 % 100, v % 100); };
  // ncclCommRegister came with NCCL 2.19, ncclCommWindowRegister with 2.27 (nccl-tests' own gates:
  // common.cu:1104, 1306-1308).
  if (o.register_mode == RegisterMode::local && (version < kNcclRegisterVersion || !calls.comm_register))
    return fmt::format("--register local: ncclCommRegister needs NCCL 2.19 or newer; the NCCL library in use is {}{}",
                       text(version), calls.comm_register ? "" : " and lacks the call");
  if (o.register_mode == RegisterMode::symmetric && (version < kNcclWindowVersion || !calls.window_register))
    return fmt::format("--register symmetric: ncclCommWindowRegister needs NCCL 2.27 or newer; the NCCL library in use is "
                       "{}{} (--register local registers with ncclCommRegister)",
                       text(version), calls.window_register ? "" : " and lacks the call");
  // 2.28.9 range-checks the policy (init.cc:1887-1891: "Invalid config policy attribute value") and
  // tests it for equality (enqueue.cc:1950, 2580); 2.29 tests bits.
  if (o.cta_policy > 2 && version < kNcclCtaPolicyBitsVersion)
    return fmt::format("--nccl-cta-policy efficiency|zero: NCCL {} takes one policy (init.cc:1887-1891); combining them "
                       "needs NCCL 2.29",
                       text(version));
  return {};
}

std::string register_description(RegisterMode m) {
  switch (m) {
    case RegisterMode::none: return "none (buffers not registered, as nccl-tests -R 0)";
    case RegisterMode::local:
      return "local (ncclCommRegister, per case, every buffer set's send and recv buffers; as nccl-tests -R 1)";
    case RegisterMode::symmetric:
      return "symmetric (ncclCommWindowRegister NCCL_WIN_COLL_SYMMETRIC, per case, every buffer set; as nccl-tests -R 2)";
  }
  return "";
}

int nccl_debug_level(std::optional<std::string> value) {
  if (!value || value->empty()) return 0;
  const char* v = value->c_str();
  if (strcasecmp(v, "VERSION") == 0) return 1;
  if (strcasecmp(v, "WARN") == 0) return 2;
  if (strcasecmp(v, "INFO") == 0) return 3;
  if (strcasecmp(v, "ABORT") == 0) return 4;
  if (strcasecmp(v, "TRACE") == 0) return 5;
  return 0;  // debug.cc: anything else is NONE
}

UserDebug user_debug(const EnvLookup& env) {
  UserDebug u;
  u.level = nccl_debug_level(env("NCCL_DEBUG"));
  u.subsys = env("NCCL_DEBUG_SUBSYS").value_or("");
  std::string upper;
  for (char c : u.subsys) upper.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  u.tuning = !upper.empty() && upper[0] != '^' &&
             (upper.find("TUNING") != std::string::npos || upper.find("ALL") != std::string::npos);
  return u;
}

std::string tuning_subsys(const UserDebug& user) {
  // INIT besides TUNING: the copy-engine path's only marker is an INIT line ("Init CE", ce_coll.cc:48).
  if (user.level < 3) return "INIT,TUNING";
  if (user.subsys.empty()) return "INIT,BOOTSTRAP,ENV,TUNING";
  if (user.subsys[0] != '^') {
    std::string upper;
    for (char c : user.subsys) upper.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    const bool init = upper.find("INIT") != std::string::npos || upper.find("ALL") != std::string::npos;
    return user.subsys + (user.tuning ? "" : ",TUNING") + (init ? "" : ",INIT");
  }
  // A negated list ("^INIT,NET"): everything else is on already; TUNING and INIT are taken out of it.
  std::string out = "^";
  std::string_view rest = std::string_view(user.subsys).substr(1);
  const auto is = [](std::string_view item, const char* name) {
    return strncasecmp(item.data(), name, std::max(item.size(), std::strlen(name))) == 0;
  };
  while (!rest.empty()) {
    const std::size_t comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    if (!item.empty() && !is(item, "TUNING") && !is(item, "INIT"))
      out += (out.size() > 1 ? "," : "") + std::string(item);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return out.size() > 1 ? out : "ALL";
}

std::string lines_for_user(std::string_view text, const UserDebug& user) {
  std::string out;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    const bool warn = line.find(" NCCL WARN ") != std::string_view::npos;
    const bool info = line.find(" NCCL INFO ") != std::string_view::npos;
    const bool tuning = info && (line.find(" Bytes -> Algo ") != std::string_view::npos ||
                                 line.find(" [Symmetric]: ") != std::string_view::npos);
    const bool show = warn ? user.level >= 2 : tuning ? user.level >= 3 && user.tuning : info ? user.level >= 3 : user.level >= 1;
    if (!line.empty() && show) {
      out.append(line);
      out.push_back('\n');
    }
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return out;
}

// One ncclConfig_t field: the value asked for, and the environment variable that overrides it.
std::string config_entry(int value, const char* env, const char* note) {
  std::string s = value < 0 ? "default" : std::to_string(value);
  if (note) s += note;
  if (const char* e = std::getenv(env)) s += std::string(" (overridden by ") + env + "=" + e + ")";
  return s;
}

// NCCL_COMM_BLOCKING=0 (init.cc:56, applied at init.cc:1647-1649) makes the communicator
// non-blocking whatever the config says; collbench then polls it (and says so).
bool env_makes_nonblocking() {
  const char* v = std::getenv("NCCL_COMM_BLOCKING");
  return v && std::strtol(v, nullptr, 0) == 0 && *v != '\0';
}

InitGuard::InitGuard(double timeout_s, std::string message) {
  if (timeout_s <= 0) return;
  m_thread = std::thread([this, timeout_s, message = std::move(message)] {
    std::unique_lock lock(m_mutex);
    if (m_cv.wait_for(lock, std::chrono::duration<double>(timeout_s), [this] { return m_done; })) return;
    std::fprintf(stderr, "%s\n", message.c_str());
    std::fflush(nullptr);
    std::_Exit(static_cast<int>(core::ExitCode::run_failed));
  });
}

InitGuard::~InitGuard() {
  {
    std::lock_guard lock(m_mutex);
    m_done = true;
  }
  m_cv.notify_all();
  if (m_thread.joinable()) m_thread.join();
}

}  // namespace collbench::backend::nccl
