#pragma once
// What the nccl backend decides before it touches CUDA or NCCL: which device a rank uses, whether
// NCCL would accept the ncclConfig_t it will be given, and which of NCCL's log lines the user
// asked to see. Pure (no CUDA, no NCCL headers), so unit tests run it on any machine.
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "backend/nccl/nccl_options.hpp"

namespace collbench::backend::nccl {

// MAXCHANNELS (NCCL 2.28.9 src/include/device.h:86): NCCL's default maxCTAs, and the upper bound
// of every CTA/channel count in ncclConfig_t.
inline constexpr int kMaxChannels = 64;

struct DeviceChoice {
  int device = -1;  // the CUDA device index to use, or -1 with `why`
  std::string why;
};

// One visible GPU: device 0, whatever the local rank (srun --gpus-per-task=1, Kubernetes device
// plugins give each process its own). Several: the local rank's. Fewer than the local ranks:
// refused. `rank`/`host` only name the rank in the refusal.
DeviceChoice choose_device(int visible, int local_rank, int local_size, int rank, const std::string& host);

// Reads an environment variable (std::getenv in the product; a map in tests).
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
EnvLookup process_env();

// NCCL's own checks of ncclConfig_t (init.cc:1852-1910) applied to what collbench will pass,
// after completing the pair NCCL compares even when one side is unset (minCTAs alone against an
// unset maxCTAs = INT_MIN fails init: init.cc:1865-1873), and then the environment's overrides
// (NCCL_MIN_CTAS / NCCL_MAX_CTAS win over the fields after the check, init.cc:1661-1681, so a
// crossed pair would reach NCCL unchecked). Returns the options to pass, or throws
// core::InputError with one line naming the flags (or sweep fields) and what NCCL expects.
// `source` names where the values came from: "--nccl-min-ctas" style flags or "config." fields.
NcclOptions checked_config(NcclOptions o, const EnvLookup& env, bool sweep_fields);

// The launch's options `o` with a sweep block's ncclConfig_t fields ("minCTAs" …), checked as
// NCCL checks them under the environment `env` (checked_config). Throws core::InputError naming
// the field.
NcclOptions block_options(NcclOptions o, const std::map<std::string, std::string>& fields, const EnvLookup& env);

// NCCL versions (NCCL_VERSION_CODE form) that bring what --register and --nccl-cta-policy use.
inline constexpr int kNcclRegisterVersion = 21900;       // ncclCommRegister, ncclMemAlloc
inline constexpr int kNcclWindowVersion = 22700;         // ncclCommWindowRegister, NCCL_WIN_COLL_SYMMETRIC
inline constexpr int kNcclCtaPolicyBitsVersion = 22900;  // CTAPolicy values combined with | (2.28.9: one value)

// Which registration calls the NCCL library in use resolves (dlsym), beside its version.
struct LibraryCalls {
  bool comm_register = true;    // ncclCommRegister / ncclCommDeregister
  bool window_register = true;  // ncclCommWindowRegister / ncclCommWindowDeregister
};

// One line (exit 2) when the NCCL library in use (`version` from ncclGetVersion) cannot do what
// `o` asks: --register without its call, or a combined CTA policy before NCCL 2.29. Empty when it can.
std::string library_refusal(const NcclOptions& o, int version, const LibraryCalls& calls);
// --register's value as the run metadata records it.
std::string register_description(RegisterMode m);

// NCCL_DEBUG as NCCL reads it (debug.cc): the level the user asked for before collbench's
// --nccl-tuning-info redirects the log. 0 none (unset or NONE), 1 VERSION, 2 WARN, 3 INFO, 4+ more.
int nccl_debug_level(std::optional<std::string> value);

// The user's NCCL_DEBUG / NCCL_DEBUG_SUBSYS, read before --nccl-tuning-info replaces them.
struct UserDebug {
  int level = 0;       // nccl_debug_level
  std::string subsys;  // as given; "" when unset
  bool tuning = false; // the user's subsystems include TUNING (or ALL)
};
UserDebug user_debug(const EnvLookup& env);
// NCCL_DEBUG_SUBSYS for --nccl-tuning-info: TUNING and INIT plus what the user asked for (NCCL's
// default INIT,BOOTSTRAP,ENV when the user asked for INFO without a list; debug.cc). INIT carries
// the copy-engine marker "Init CE" (ce_coll.cc:48); a user with INFO and a list lacking INIT sees
// NCCL's INIT lines too.
std::string tuning_subsys(const UserDebug& user);

// The lines of a new chunk of NCCL's log that the user's own NCCL_DEBUG would have shown (WARN
// lines at WARN and above, INFO lines at INFO and above, TUNING lines only when the user asked
// for them), each ending in '\n'.
std::string lines_for_user(std::string_view text, const UserDebug& user);

// One ncclConfig_t field for the run metadata: the value asked for ("default" when < 0), `note`,
// and the environment variable that overrides it when set.
std::string config_entry(int value, const char* env, const char* note = nullptr);
// NCCL_COMM_BLOCKING=0 (init.cc:56, applied at init.cc:1647-1649) makes a communicator
// non-blocking whatever its config says.
bool env_makes_nonblocking();

// A blocking ncclCommInitRankConfig cannot be interrupted: the handle it fills exists before its
// work ends (init.cc:2001), but aborting it from another thread would race the init job that owns
// it. So a deadline ends the process (exit 3) after printing `message`, and the launcher ends the
// job. timeout_s <= 0: no deadline.
class InitGuard {
 public:
  InitGuard(double timeout_s, std::string message);
  ~InitGuard();
  InitGuard(const InitGuard&) = delete;
  InitGuard& operator=(const InitGuard&) = delete;

 private:
  std::mutex m_mutex;
  std::condition_variable m_cv;
  bool m_done = false;
  std::thread m_thread;
};

}  // namespace collbench::backend::nccl
