// The NCCL tuner plugin ABI (v5) around the rules: init reads the rules file, getCollInfo applies
// the first matching rule, finalize frees the context. Nothing here ever fails the job: every
// entry point returns ncclSuccess, catches everything, and leaves NCCL's choices alone on doubt.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "collbench_tuner_v5.h"
#include "rules.hpp"

namespace collbench::tuner {

namespace {

constexpr const char* kDefaultConfigFile = "nccl_tuner.conf";

struct Context {
  std::vector<Rule> m_rules;
  std::uint64_t m_n_ranks = 0;
  std::uint64_t m_n_nodes = 0;
  ncclDebugLogger_t m_logger = nullptr;
  // One flag per rule: "applied" and "skipped" are each logged once.
  std::unique_ptr<std::atomic<bool>[]> m_applied_logged;
  std::unique_ptr<std::atomic<bool>[]> m_skipped_logged;
};

void log_message(ncclDebugLogger_t logger, ncclDebugLogLevel level, const std::string& message) {
  if (logger != nullptr) logger(level, NCCL_TUNING, __FILE__, __LINE__, "%s", message.c_str());
}

std::string config_path() {
  const char* env = std::getenv("NCCL_TUNER_CONFIG_FILE");
  return env != nullptr && env[0] != '\0' ? std::string(env) : std::string(kDefaultConfigFile);
}

struct FileText {
  bool ok = false;
  std::string text;   // when ok
  std::string error;  // when not: strerror-like text
};

// A rules file is a few lines; anything over this is not one (and /dev/zero would never end).
constexpr off_t kMaxRulesBytes = 1 << 20;

// Regular files only, opened without blocking: a FIFO nobody writes would hang NCCL's
// communicator init inside the training job (issue 23, item 4).
FileText read_file(const std::string& path) {
  FileText result;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    result.error = std::error_code(errno, std::generic_category()).message();
    return result;
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    result.error = std::error_code(errno, std::generic_category()).message();
    return result;
  }
  if (S_ISDIR(st.st_mode)) {
    result.error = std::error_code(EISDIR, std::generic_category()).message();
    return result;
  }
  if (!S_ISREG(st.st_mode)) {
    result.error = std::string(S_ISFIFO(st.st_mode) ? "a FIFO (named pipe)" : S_ISCHR(st.st_mode) ? "a character device"
                                                                                                  : "not a regular file") +
                   ", expected a regular file";
    return result;
  }
  if (st.st_size > kMaxRulesBytes) {
    result.error = std::to_string(st.st_size) + " bytes, more than the 1 MiB a rules file may have";
    return result;
  }
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  char buffer[1 << 16];
  ssize_t n = 0;
  while ((n = ::read(fd, buffer, sizeof buffer)) > 0 || (n < 0 && errno == EINTR)) {
    if (n > 0) result.text.append(buffer, static_cast<std::size_t>(n));
    if (result.text.size() > static_cast<std::size_t>(kMaxRulesBytes)) {
      result.error = "more than the 1 MiB a rules file may have";
      return result;
    }
  }
  if (n < 0) {
    result.error = std::error_code(errno, std::generic_category()).message();
    return result;
  }
  if (result.text.compare(0, 3, "\xEF\xBB\xBF") == 0) result.text.erase(0, 3);  // a UTF-8 byte-order mark, as collbench skips it
  result.ok = true;
  return result;
}

// The rules of `path`, or none (with a WARN) when the file cannot be read or is malformed.
std::vector<Rule> load_rules(const std::string& path, const Context& ctx) {
  const FileText file = read_file(path);
  if (!file.ok) {
    log_message(ctx.m_logger, NCCL_LOG_WARN,
        "collbench tuner: cannot read '" + path + "': " + file.error + "; NCCL's own choices are kept");
    return {};
  }
  ParseResult parsed = parse_rules(file.text);
  if (!parsed.ok()) {
    log_message(ctx.m_logger, NCCL_LOG_WARN,
        "collbench tuner: " + path + ":" + std::to_string(parsed.error->line) + ": " + parsed.error->message +
            "; no rules applied, NCCL's own choices are kept");
    return {};
  }
  log_message(ctx.m_logger, NCCL_LOG_INFO,
      "collbench tuner: " + std::to_string(parsed.rules.size()) + " rules from " + path + " (nRanks " +
          std::to_string(ctx.m_n_ranks) + ", nNodes " + std::to_string(ctx.m_n_nodes) + ")");
  return std::move(parsed.rules);
}

void log_skipped_once(Context& ctx, std::size_t index) {
  if (ctx.m_skipped_logged[index].exchange(true)) return;
  const Rule& rule = ctx.m_rules[index];
  log_message(ctx.m_logger, NCCL_LOG_INFO,
      "collbench tuner: rule at line " + std::to_string(rule.line) + ": " +
          std::string(algorithm_name(rule.algorithm)) + "/" + std::string(protocol_name(rule.protocol)) +
          " not available for this call; trying the next rule");
}

void log_applied_once(Context& ctx, const Decision& decision, const CallParams& call) {
  if (ctx.m_applied_logged[decision.rule_index].exchange(true)) return;
  const Rule& rule = ctx.m_rules[decision.rule_index];
  std::string target = decision.cell.algo == kAny ? std::string("NCCL's algorithm/protocol")
                                                  : std::string(algorithm_name(decision.cell.algo)) + "/" +
                                                        std::string(protocol_name(decision.cell.proto));
  if (rule.channels > 0) target += ", " + std::to_string(rule.channels) + " channels";
  log_message(ctx.m_logger, NCCL_LOG_INFO,
      "collbench tuner: line " + std::to_string(rule.line) + ": " + std::string(collective_name(call.coll_type)) +
          " " + std::to_string(call.n_bytes) + " bytes -> " + target);
}

ncclResult_t tuner_init(void** ctx, std::uint64_t /*comm_id*/, std::size_t n_ranks, std::size_t n_nodes,
                        ncclDebugLogger_t logger, ncclNvlDomainInfo_v5_t* /*nvl_domain_info*/,
                        ncclTunerConstants_v5_t* /*constants*/) {
  if (ctx == nullptr) return ncclSuccess;
  *ctx = nullptr;
  try {
    auto context = std::make_unique<Context>();
    context->m_n_ranks = n_ranks;
    context->m_n_nodes = n_nodes;
    context->m_logger = logger;
    context->m_rules = load_rules(config_path(), *context);
    context->m_applied_logged = std::make_unique<std::atomic<bool>[]>(context->m_rules.size());
    context->m_skipped_logged = std::make_unique<std::atomic<bool>[]>(context->m_rules.size());
    *ctx = context.release();
  } catch (...) {
    if (logger != nullptr) {
      logger(NCCL_LOG_WARN, NCCL_TUNING, __FILE__, __LINE__,
             "collbench tuner: initialisation failed; NCCL's own choices are kept");
    }
  }
  return ncclSuccess;
}

ncclResult_t tuner_get_coll_info(void* context, ncclFunc_t coll_type, std::size_t n_bytes, int num_pipe_ops,
                                 float** coll_cost_table, int num_algo, int num_proto, int reg_buff,
                                 int* n_channels) {
  if (context == nullptr || coll_cost_table == nullptr || n_channels == nullptr) return ncclSuccess;
  try {
    Context& ctx = *static_cast<Context*>(context);
    if (ctx.m_rules.empty()) return ncclSuccess;
    // NCCL passes a flat float[numAlgo][numProto] cast to float**: never dereference it twice.
    CostTable table{reinterpret_cast<float*>(coll_cost_table), num_algo, num_proto};
    const CallParams call{static_cast<int>(coll_type), n_bytes, ctx.m_n_nodes, ctx.m_n_ranks, num_pipe_ops,
                          reg_buff};
    const Walk walk = decide(ctx.m_rules, call, table);
    if (walk.decision) apply(ctx.m_rules[walk.decision->rule_index], walk.decision->cell, table, n_channels);
    for (const std::size_t index : walk.skipped) log_skipped_once(ctx, index);
    if (walk.decision) log_applied_once(ctx, *walk.decision, call);
  } catch (...) {
    // Logging failed (out of memory): the decision, if any, is already applied.
  }
  return ncclSuccess;
}

ncclResult_t tuner_finalize(void* context) {
  delete static_cast<Context*>(context);
  return ncclSuccess;
}

}  // namespace

}  // namespace collbench::tuner

extern "C" {
__attribute__((visibility("default"))) extern const ncclTuner_v5_t ncclTunerPlugin_v5;
const ncclTuner_v5_t ncclTunerPlugin_v5 = {
    "collbench",
    collbench::tuner::tuner_init,
    collbench::tuner::tuner_get_coll_info,
    collbench::tuner::tuner_finalize,
};
}
