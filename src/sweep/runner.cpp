#include "sweep/runner.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "core/collective.hpp"
#include "plan/launch_file.hpp"
#include "results/json.hpp"
#include "results/metadata.hpp"
#include "results/store.hpp"
#include "sweep/launcher.hpp"

extern char** environ;

namespace collbench::sweep {

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

volatile std::sig_atomic_t g_interrupt = 0;
extern "C" void on_interrupt(int sig) { g_interrupt = sig; }

// SIGINT/SIGTERM/SIGHUP set a flag for the duration of the sweep; the launch in flight is then
// stopped and the store left to resume.
class InterruptGuard {
 public:
  InterruptGuard() {
    g_interrupt = 0;
    struct sigaction sa {};
    sa.sa_handler = on_interrupt;
    sigemptyset(&sa.sa_mask);
    for (int i = 0; i < 3; ++i) ::sigaction(kSignals[i], &sa, &m_old[i]);
  }
  ~InterruptGuard() {
    for (int i = 0; i < 3; ++i) ::sigaction(kSignals[i], &m_old[i], nullptr);
  }

 private:
  static constexpr int kSignals[3] = {SIGINT, SIGTERM, SIGHUP};
  struct sigaction m_old[3] {};
};

// DIR/.lock, held for the sweep's life. Launches inherit it, so a launch that outlived a killed
// sweep still holds it and a resume cannot start beside it.
int lock_store(const std::string& dir) {
  const std::string path = dir + "/.lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT, 0644);
  if (fd < 0) throw core::InputError(fmt::format("--out '{}': cannot create {}: {}", dir, path, std::strerror(errno)));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    throw core::InputError(fmt::format("--out '{}': another collbench sweep (or a launch it left running) is using "
                                       "it ({} is locked)", dir, path));
  }
  return fd;
}

std::string host_name() {
  char buf[256] = {};
  ::gethostname(buf, sizeof(buf) - 1);
  return buf;
}

std::string now_iso() { return results::iso8601_utc(std::chrono::system_clock::now()); }

// New complete lines of the store since `offset`.
std::vector<results::StoredCase> read_new(const std::string& path, std::uint64_t* offset) {
  std::vector<results::StoredCase> out;
  std::ifstream in(path, std::ios::binary);
  if (!in) return out;
  in.seekg(static_cast<std::streamoff>(*offset));
  std::string line;
  while (std::getline(in, line)) {
    if (in.eof()) break;  // no newline yet: a line still being written
    *offset += line.size() + 1;
    if (!line.empty()) out.push_back(results::parse_store_line(line, path));
  }
  return out;
}

// The first line a launch printed that says what went wrong ("collbench: rank 1 on h: …").
std::string reason_from_log(const std::string& log, std::uintmax_t from) {
  std::ifstream in(log, std::ios::binary);
  if (!in) return "";
  in.seekg(static_cast<std::streamoff>(from));
  std::string line, mpi;
  while (std::getline(in, line)) {
    if (line.rfind("collbench: ", 0) == 0 && line.find("backend mpi (") == std::string::npos) return line.substr(11);
    if (mpi.empty() && (line.find("exited on signal") != std::string::npos || line.find("Exit code:") != std::string::npos))
      mpi = line;
  }
  while (!mpi.empty() && mpi.front() == ' ') mpi.erase(0, 1);
  return mpi;
}

results::ResultRecord failed_record(const plan::Block& b, const plan::PlannedCase& c, int nranks, const std::string& why) {
  results::ResultRecord r;
  const core::CollShape sh = core::shape(b.coll, c.bytes, b.dtype, nranks);
  r.collective = std::string(core::name(b.coll));
  r.bytes = sh.bytes;
  r.requested_bytes = c.bytes;
  r.count = sh.param_count;
  r.datatype = std::string(core::name(b.dtype));
  r.op = core::takes_op(b.coll) ? std::string(core::name(b.op)) : "none";
  r.root = core::has_root(b.coll) ? b.root : -1;
  r.placement = c.in_place ? "in_place" : "out_of_place";
  r.nranks = nranks;
  r.wrong = -1;
  r.status = "failed";
  r.error = why;
  return r;
}

json plan_json(const plan::SweepPlan& p) {
  json launches = json::array();
  for (const plan::Launch& l : p.launches) {
    if (l.rep != 0) continue;  // every repetition runs the same launches
    json blocks = json::array();
    for (const plan::Block& b : l.blocks)
      blocks.push_back({{"config_id", b.config_id}, {"knobs", b.knobs}, {"collective", core::name(b.coll)},
                        {"datatype", core::name(b.dtype)}, {"op", core::name(b.op)}, {"cases", b.cases.size()}});
    launches.push_back({{"index", l.index}, {"process", l.process}, {"blocks", blocks}});
  }
  return {{"cases", p.total_cases}, {"configurations", p.configurations}, {"units", p.units},
          {"launches_per_repetition", launches.size()}, {"launches", launches}, {"knobs", p.knobs},
          {"skipped_invalid", p.dropped}};
}

struct Store {
  std::string dir, results, manifest_path;
  json manifest;
  void save() const { results::write_file_atomically(manifest_path, manifest.dump(1) + "\n"); }
};

Store open_store(const plan::SweepSpec& spec, const plan::SweepPlan& plan, const SweepOptions& opt,
                 const std::string& fingerprint) {
  Store s;
  s.dir = opt.out_dir;
  s.results = s.dir + "/results.jsonl";
  s.manifest_path = s.dir + "/manifest.json";
  std::error_code ec;
  const bool exists = fs::exists(s.manifest_path, ec);
  if (exists && !opt.resume)
    throw core::InputError(fmt::format("--out '{}': already holds a sweep (manifest.json); add --resume to continue it, "
                                       "or choose another directory", s.dir));
  if (!exists && opt.resume)
    throw core::InputError(fmt::format("--resume: '{}' holds no sweep (no manifest.json); run without --resume to start one", s.dir));
  if (exists) {
    std::ifstream in(s.manifest_path);
    try {
      s.manifest = json::parse(in);
    } catch (const json::exception&) {
      throw core::InputError(fmt::format("--resume: '{}': not a collbench sweep manifest (unreadable JSON)", s.manifest_path));
    }
    if (s.manifest.value("schema", "") != results::kStoreSchemaName)
      throw core::InputError(fmt::format("--resume: '{}': expected schema \"{}\"", s.manifest_path, results::kStoreSchemaName));
    if (s.manifest.value("fingerprint", "") != fingerprint)
      throw core::InputError(fmt::format("--resume: '{}' was planned from a different spec or options (cases, launcher, "
                                         "backend or measure options differ); resume with the spec it was started "
                                         "with, or start a new --out", s.dir));
    return s;
  }
  s.manifest = {{"schema", results::kStoreSchemaName},
                {"schema_version", results::kStoreSchemaVersion},
                {"collbench_version", opt.version},
                {"created", now_iso()},
                {"status", "running"},
                {"fingerprint", fingerprint},
                {"spec_path", spec.source},
                {"spec_text", opt.spec_text},
                {"backend", spec.backend},
                {"launcher", {{"ranks", spec.launcher.ranks}, {"hosts", spec.launcher.hosts},
                              {"template", spec.launcher.command_template}}},
                {"run_args", opt.run_args},
                {"repetitions", spec.repetitions},
                {"plan", plan_json(plan)},
                {"environment", {{"host", host_name()}, {"env", results::filtered_env(environ)}}},
                {"sessions", json::array()}};
  return s;
}

}  // namespace

std::string plan_fingerprint(const plan::SweepSpec& spec, const plan::SweepPlan& plan, const SweepOptions& opt) {
  std::uint64_t h = 1469598103934665603ull;
  auto mix = [&h](const std::string& s) {
    for (unsigned char ch : s) h = (h ^ ch) * 1099511628211ull;
    h = (h ^ 0xff) * 1099511628211ull;
  };
  mix(spec.backend);
  mix(spec.launcher.command_template);
  mix(std::to_string(spec.launcher.ranks));
  for (const auto& host : spec.launcher.hosts) mix(host);
  for (const auto& a : opt.run_args) mix(a);
  for (const plan::Launch& l : plan.launches)
    for (const plan::Block& b : l.blocks)
      for (const plan::PlannedCase& c : b.cases) mix(c.id);
  return fmt::format("{:016x}", h);
}

SweepOutcome run_sweep(const plan::SweepSpec& spec, const plan::SweepPlan& plan, const SweepOptions& opt,
                       const std::function<void(const Progress&)>& on_progress) {
  SweepOutcome out;
  const auto t0 = Clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - t0).count(); };
  std::error_code ec;
  // Refusals first, so that a refused --out is left exactly as it was.
  const bool has_manifest = fs::exists(opt.out_dir + "/manifest.json", ec);
  if (has_manifest && !opt.resume)
    throw core::InputError(fmt::format("--out '{}': already holds a sweep (manifest.json); add --resume to continue it, "
                                       "or choose another directory", opt.out_dir));
  if (!has_manifest && opt.resume)
    throw core::InputError(fmt::format("--resume: '{}' holds no sweep (no manifest.json); run without --resume to start one", opt.out_dir));
  fs::create_directories(opt.out_dir + "/launches", ec);
  fs::create_directories(opt.out_dir + "/logs", ec);
  if (ec) throw core::InputError(fmt::format("--out '{}': cannot create the store directory: {}", opt.out_dir, ec.message()));
  const int lock_fd = lock_store(opt.out_dir);
  struct LockCloser {
    int fd;
    ~LockCloser() { ::close(fd); }
  } lock_closer{lock_fd};

  Store store = open_store(spec, plan, opt, plan_fingerprint(spec, plan, opt));
  out.store_path = store.results;
  out.manifest_path = store.manifest_path;
  const results::StoreContents existing = results::read_store(store.results);
  if (existing.torn_tail) {
    results::drop_torn_tail(store.results, existing.valid_bytes);
    out.notes.push_back("dropped a results line cut short by an earlier kill (that case runs again)");
  }
  std::map<std::string, std::string> status;  // case id -> latest status
  for (const auto& r : existing.records) status[r.case_id] = r.result.status;
  auto done = [&](const std::string& id) {
    const auto it = status.find(id);
    return it != status.end() && (it->second != "failed" || !opt.retry_failed);
  };
  out.planned = plan.total_cases;
  for (const plan::Launch& l : plan.launches)
    for (const plan::Block& b : l.blocks)
      for (const plan::PlannedCase& c : b.cases) out.already_done += done(c.id) ? 1 : 0;
  const std::size_t todo = out.planned - out.already_done;

  json session = {{"start", now_iso()}, {"resumed", opt.resume}, {"retry_failed", opt.retry_failed}};
  store.manifest["status"] = "running";
  store.manifest["sessions"].push_back(session);
  store.save();

  InterruptGuard guard;
  results::StoreAppender appender(store.results);
  std::uint64_t offset = existing.valid_bytes;
  Progress progress;
  progress.total = todo;

  for (const plan::Launch& full : plan.launches) {
    if (g_interrupt || out.setup_failed) break;
    // Only what the store does not hold yet.
    plan::Launch launch = full;
    launch.blocks.clear();
    for (plan::Block b : full.blocks) {
      std::erase_if(b.cases, [&](const plan::PlannedCase& c) { return done(c.id); });
      if (!b.cases.empty()) launch.blocks.push_back(std::move(b));
    }
    if (launch.blocks.empty()) continue;
    if (spec.time_budget_s > 0 && elapsed() >= spec.time_budget_s) {
      out.budget_reached = true;
      break;
    }
    for (int attempt = 0; !launch.blocks.empty() && !g_interrupt; ++attempt) {
      const std::string name = launch.label() + (attempt ? fmt::format(".{}", attempt) : "");
      plan::LaunchFile lf{spec.name, store.results, fmt::format("{}/launches/{}.meta.json", opt.out_dir, name),
                          fmt::format("{}/launches/{}.started", opt.out_dir, name), launch};
      fs::remove(lf.started, ec);
      const std::string lf_path = fmt::format("{}/launches/{}.json", opt.out_dir, name);
      results::write_file_atomically(lf_path, plan::launch_file_text(lf));
      std::vector<std::string> args = opt.run_args;
      args.insert(args.end(), {"--sweep-launch", lf_path});
      const std::vector<std::string> argv = expand_template(spec.launcher, opt.collbench, args, launch.env);
      const std::string log = fmt::format("{}/logs/{}.log", opt.out_dir, launch.label());
      const std::uintmax_t log_from = fs::exists(log, ec) ? fs::file_size(log, ec) : 0;
      {
        std::ofstream(log, std::ios::app) << fmt::format("# {} {}: {}\n", now_iso(), name, fmt::join(argv, " "));
      }
      progress.launch = name;
      progress.configuration = plan::describe(launch.process);

      std::map<std::string, std::pair<const plan::Block*, const plan::PlannedCase*>> pending;
      for (const plan::Block& b : launch.blocks)
        for (const plan::PlannedCase& c : b.cases) pending[c.id] = {&b, &c};
      auto last_record = Clock::now();
      const double stall_s = (opt.case_timeout_s > 0 ? opt.case_timeout_s : 3600.0) + (spec.backend == "nccl" ? 180.0 : 60.0);
      bool stalled = false;
      auto absorb = [&] {
        for (results::StoredCase& r : read_new(store.results, &offset)) {
          if (!pending.erase(r.case_id)) continue;  // not this launch's (cannot happen with the lock held)
          status[r.case_id] = r.result.status;
          ++progress.done;
          out.measured += r.result.status == "timeout" ? 0 : 1;
          out.wrong += r.result.status == "wrong" ? 1 : 0;
          out.skipped += r.result.status == "skipped" ? 1 : 0;
          if (r.result.status == "timeout") ++out.failed, ++progress.failed;
          out.measured_s += r.result.time_us.mean * r.result.iters * 1e-6;
          last_record = Clock::now();
        }
      };
      ++out.launches;
      Child child(argv, launch.env, log);
      const ChildExit ex = child.wait([&] {
        absorb();
        progress.elapsed_s = elapsed();
        progress.eta_s = progress.done > 0 ? progress.elapsed_s / static_cast<double>(progress.done) *
                                                 static_cast<double>(progress.total - progress.done)
                                           : -1;
        if (on_progress) on_progress(progress);
        stalled = std::chrono::duration<double>(Clock::now() - last_record).count() > stall_s;
        return !g_interrupt && !stalled;
      });
      absorb();
      if (pending.empty() || (g_interrupt && !stalled)) break;  // done, or interrupted: nothing to record

      if (!fs::exists(lf.started, ec) && !stalled) {
        // It never got going (launcher, MPI start-up, no GPU): every launch would fail alike.
        // Nothing is recorded as failed; the cases stay to measure once the cause is fixed.
        std::string why = fmt::format("launch {} {} before starting", name, ex.describe());
        if (const std::string r = reason_from_log(log, log_from); !r.empty()) why += ": " + r;
        out.notes.push_back(why + fmt::format("; the sweep stopped (see {}; fix it and --resume)", log));
        out.setup_failed = true;
        break;
      }
      // The launch ended before its cases: the case in flight and the rest of its configuration
      // are recorded as failed; the other configurations are launched again.
      const plan::Block* culprit = nullptr;
      for (const plan::Block& b : launch.blocks)
        for (const plan::PlannedCase& c : b.cases)
          if (!culprit && pending.count(c.id)) culprit = &b;
      std::string why = stalled ? fmt::format("launch {} recorded nothing for {:.0f} s and was killed", name, stall_s)
                                : fmt::format("launch {} {}", name, ex.describe());
      if (ex.exited && ex.code == 0) why += " without measuring every case";
      if (const std::string r = reason_from_log(log, log_from); !r.empty()) why += ": " + r;
      bool first = true;
      for (const plan::PlannedCase& c : culprit->cases) {
        if (!pending.count(c.id)) continue;
        results::StoredCase sc;
        sc.case_id = c.id;
        sc.config_id = culprit->config_id;
        sc.knobs = culprit->knobs;
        sc.rep = launch.rep;
        sc.launch = name;
        sc.result = failed_record(*culprit, c, spec.launcher.ranks,
                                  first ? why : "not run: its configuration failed at an earlier size (" + why + ")");
        first = false;
        appender.append(sc);
        status[c.id] = "failed";
        ++out.failed;
        ++progress.failed;
        ++progress.done;
      }
      offset = fs::file_size(store.results, ec);
      out.notes.push_back(fmt::format("configuration {} ({}) failed: {}", culprit->config_id,
                                      plan::describe(culprit->knobs), why));
      launch.blocks.erase(launch.blocks.begin() + (culprit - launch.blocks.data()));
      for (plan::Block& b : launch.blocks) std::erase_if(b.cases, [&](const plan::PlannedCase& c) { return !pending.count(c.id); });
      std::erase_if(launch.blocks, [](const plan::Block& b) { return b.cases.empty(); });
    }
  }

  out.interrupted = g_interrupt != 0;
  out.wall_s = elapsed();
  for (const plan::Launch& l : plan.launches)
    for (const plan::Block& b : l.blocks)
      for (const plan::PlannedCase& c : b.cases) out.left += status.count(c.id) ? 0 : 1;
  bool any_failed = false, any_wrong = false;
  for (const auto& [id, st] : status) {
    any_failed = any_failed || st == "failed" || st == "timeout";
    any_wrong = any_wrong || st == "wrong";
  }
  out.code = any_failed || out.setup_failed ? core::ExitCode::run_failed : any_wrong ? core::ExitCode::wrong : core::ExitCode::ok;

  const char* st = out.interrupted ? "interrupted" : out.setup_failed ? "failed" : out.left > 0 ? "incomplete" : "complete";
  store.manifest["status"] = st;
  json& last = store.manifest["sessions"].back();
  last["end"] = now_iso();
  last["status"] = st;
  last["launches"] = out.launches;
  last["cases_recorded"] = progress.done;
  last["failed"] = out.failed;
  last["wall_s"] = out.wall_s;
  last["measured_s"] = out.measured_s;
  last["outside_share"] = out.wall_s > 0 ? 1.0 - out.measured_s / out.wall_s : 0.0;
  store.save();
  return out;
}

}  // namespace collbench::sweep
