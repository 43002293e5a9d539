#include "sweep/runner.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "core/error.hpp"
#include "core/hash.hpp"
#include "plan/launch_file.hpp"
#include "results/file_io.hpp"
#include "results/identity.hpp"
#include "results/json.hpp"
#include "results/metadata.hpp"
#include "results/store.hpp"
#include "results/store_layout.hpp"
#include "sweep/launcher.hpp"

extern char** environ;

namespace collbench::sweep {

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

// DIR/.lock, held for the sweep's life. Launches inherit it, so a launch that outlived a killed
// sweep still holds it and a resume cannot start beside it.
int lock_store(const std::string& dir) {
  const std::string path = results::store_layout(dir).lock();
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT, 0644);
  if (fd < 0) throw core::InputError(fmt::format("--out '{}': cannot create {}: {}", dir, path, std::strerror(errno)));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    throw core::InputError(fmt::format("--out '{}': another collbench sweep (or a launch it left running) is using "
                                       "it ({} is locked)", dir, path));
  }
  return fd;
}

// The store's own writes failed (a full disk, a quota): every launch would fail alike and nothing
// could be recorded, so the sweep stops with what the store holds, to --resume once there is room.
struct StoreWriteFailed : core::RunError {
  using core::RunError::RunError;
};

template <class F>
void store_write(F&& write) {
  try {
    write();
  } catch (const core::Error& e) {
    throw StoreWriteFailed(e.what());
  }
}

// "" when the store's file system has room; otherwise what it has left (a launch that failed on a
// full disk cannot say so: its log is on the same disk).
std::string store_full(const std::string& dir) {
  struct statvfs v {};
  if (::statvfs(dir.c_str(), &v) != 0) return "";
  const std::uint64_t free = static_cast<std::uint64_t>(v.f_bavail) * v.f_frsize;
  if (free >= (1u << 20)) return "";
  return fmt::format("the store's file system has {} KiB free", free >> 10);
}

std::string host_name() {
  char buf[256] = {};
  ::gethostname(buf, sizeof(buf) - 1);
  return buf;
}

std::string now_iso() { return results::iso8601_utc(std::chrono::system_clock::now()); }

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
  results::ResultRecord r = results::identify_case(b.coll, b.dtype, b.op, b.root, c.in_place, c.bytes, nranks);
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
      if (b.rep == l.rep)  // a launch holding every repetition lists the first one's
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

// Whether another process holds DIR/.lock now (probed without creating it: a refused --out is left
// as it was).
bool store_in_use(const std::string& dir) {
  const int fd = ::open(results::store_layout(dir).lock().c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return false;
  const bool busy = ::flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);  // releases the probe's lock, if it got it
  return busy;
}

// --out must hold a sweep exactly when --resume is given. Returns whether it holds one. Before
// this process takes the lock (`locked` false), a sweep still running there is said first: "add
// --resume" would only meet its lock.
bool refuse_mismatch(const SweepOptions& opt, bool locked) {
  std::error_code ec;
  const bool has_manifest = fs::exists(results::store_layout(opt.out_dir).manifest(), ec);
  if (has_manifest && !locked && store_in_use(opt.out_dir))
    throw core::InputError(fmt::format("--out '{}': another collbench sweep (or a launch it left running) is using it "
                                       "({} is locked); wait for it to end, or choose another directory",
                                       opt.out_dir, results::store_layout(opt.out_dir).lock()));
  if (has_manifest && !opt.resume)
    throw core::InputError(fmt::format("--out '{}': already holds a sweep (manifest.json); add --resume to continue "
                                       "it, or choose another directory", opt.out_dir));
  if (!has_manifest && opt.resume)
    throw core::InputError(fmt::format("--resume: '{}' holds no sweep (no manifest.json); run without --resume to "
                                       "start one", opt.out_dir));
  return has_manifest;
}

// Checked again under the lock, in case another sweep started one in between.
Store open_store(const plan::SweepSpec& spec, const plan::SweepPlan& plan, const SweepOptions& opt,
                 const std::string& fingerprint) {
  Store s;
  s.dir = opt.out_dir;
  const results::StoreLayout layout = results::store_layout(s.dir);
  s.results = layout.results();
  s.manifest_path = layout.manifest();
  if (refuse_mismatch(opt, true)) {
    try {
      s.manifest = results::read_store_manifest(s.dir);
    } catch (const core::InputError& e) {
      throw core::InputError(std::string("--resume: ") + e.what());
    }
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
                {"spec_text", spec.text},
                {"backend", spec.backend},
                {"launcher", {{"kind", spec.launcher.kind}, {"ranks", spec.launcher.ranks}, {"hosts", spec.launcher.hosts},
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
  std::uint64_t h = core::kFnvOffset;
  auto mix = [&h](const std::string& s) { h = core::fnv1a(std::string_view("\xff", 1), core::fnv1a(s, h)); };
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

namespace {

// One session of a sweep: the store opened (and locked), each launch run in turn, the outcome
// kept. The methods follow the steps: open, what is left of a launch, run it (attempts), record a
// failed configuration, finish.
class SweepRun {
 public:
  SweepRun(const plan::SweepSpec& spec, const plan::SweepPlan& plan, const SweepOptions& opt,
           const std::function<void(const Progress&)>& on_progress)
      : m_spec(spec), m_plan(plan), m_opt(opt), m_on_progress(on_progress), m_t0(Clock::now()) {}
  ~SweepRun() {
    if (m_lock_fd >= 0) ::close(m_lock_fd);
  }

  SweepOutcome run() {
    open();
    // Ctrl-C, SIGTERM, SIGHUP: the launch in flight is stopped and the store left to resume.
    InterruptGuard guard;
    m_appender = std::make_unique<results::StoreAppender>(m_store.results);
    for (const plan::Launch& full : m_plan.launches) {
      if (interrupt_signal() || m_out.setup_failed) break;
      plan::Launch launch = still_to_do(full);
      if (launch.blocks.empty()) continue;
      if (m_spec.time_budget_s > 0 && elapsed() >= m_spec.time_budget_s) {
        m_out.budget_reached = true;
        break;
      }
      try {
        for (int attempt = 0; !launch.blocks.empty() && !interrupt_signal() && !m_out.setup_failed; ++attempt)
          run_attempt(launch, attempt);
      } catch (const StoreWriteFailed& e) {
        m_out.notes.push_back(fmt::format("the store cannot be written ({}); the sweep stopped with its cases left to do: "
                                          "free space, then rerun with --resume",
                                          e.what()));
        m_out.setup_failed = true;
      }
      if (m_out.budget_reached || m_out.setup_failed) break;
    }
    try {
      finish();
    } catch (const core::Error& e) {  // the manifest keeps its last state ("running"): --resume still works
      m_out.notes.insert(m_out.notes.end() - (m_out.setup_failed ? 1 : 0),
                         fmt::format("the manifest could not be updated: {}", e.what()));
    }
    return m_out;
  }

 private:
  struct Pending {
    std::set<std::string> ids;
    Clock::time_point last_record;
  };

  double elapsed() const { return std::chrono::duration<double>(Clock::now() - m_t0).count(); }

  bool done(const std::string& id) const {
    const auto it = m_status.find(id);
    return it != m_status.end() && (it->second != "failed" || !m_opt.retry_failed);
  }

  // Refusals first (a refused --out is left as it was), then the directories, the lock, the
  // manifest and what the store already holds.
  void open() {
    refuse_mismatch(m_opt, false);
    std::error_code ec;
    const results::StoreLayout layout = results::store_layout(m_opt.out_dir);
    for (const auto& [sub, path] : {std::pair{results::kLaunchesDir, layout.launches()}, std::pair{results::kLogsDir, layout.logs()}}) {
      fs::create_directories(path, ec);
      if (ec) throw core::InputError(fmt::format("--out '{}': cannot create {}: {}", m_opt.out_dir, sub, ec.message()));
    }
    m_lock_fd = lock_store(m_opt.out_dir);
    m_store = open_store(m_spec, m_plan, m_opt, plan_fingerprint(m_spec, m_plan, m_opt));
    m_out.store_path = m_store.results;
    m_out.manifest_path = m_store.manifest_path;
    const results::StoreContents existing = results::read_store(m_store.results);
    if (existing.torn_tail) {
      results::drop_torn_tail(m_store.results, existing.valid_bytes);
      m_out.notes.push_back("dropped a results line cut short by an earlier kill (that case runs again)");
    }
    m_offset = existing.valid_bytes;
    for (const auto& r : existing.records) m_status[r.case_id] = r.result.status;
    m_out.planned = m_plan.total_cases;
    for (const plan::Launch& l : m_plan.launches)
      for (const plan::Block& b : l.blocks)
        for (const plan::PlannedCase& c : b.cases) m_out.already_done += done(c.id) ? 1 : 0;
    m_progress.total = m_out.planned - m_out.already_done;
    m_session = m_store.manifest["sessions"].size();
    m_store.manifest["status"] = "running";
    m_store.manifest["sessions"].push_back({{"start", now_iso()}, {"resumed", m_opt.resume}, {"retry_failed", m_opt.retry_failed}});
    m_store.save();
  }

  // The launch with only the cases the store does not hold yet.
  plan::Launch still_to_do(const plan::Launch& full) const {
    plan::Launch launch = full;
    launch.blocks.clear();
    for (plan::Block b : full.blocks) {
      std::erase_if(b.cases, [&](const plan::PlannedCase& c) { return done(c.id); });
      if (!b.cases.empty()) launch.blocks.push_back(std::move(b));
    }
    return launch;
  }

  // Takes the launch's new records from the store.
  void absorb(Pending& p) {
    results::StoreContents fresh = results::read_store(m_store.results, m_offset);
    m_offset = fresh.valid_bytes;
    for (results::StoredCase& r : fresh.records) {
      if (!p.ids.erase(r.case_id)) continue;  // not this launch's (cannot happen with the lock held)
      const std::string& st = r.result.status;
      m_status[r.case_id] = st;
      ++m_progress.done;
      m_out.measured += st == "timeout" ? 0 : 1;
      m_out.wrong += st == "wrong" ? 1 : 0;
      m_out.skipped += st == "skipped" ? 1 : 0;
      if (st == "timeout") ++m_out.failed, ++m_progress.failed;
      m_out.measured_s += r.result.time_us.mean * r.result.iters * 1e-6;
      m_out.standin = m_out.standin || r.result.backend_notes.count("standin") != 0;
      p.last_record = Clock::now();
    }
  }

  // One start of `launch`; on return its blocks are what is left to launch again (none when it
  // completed or the sweep must stop).
  void run_attempt(plan::Launch& launch, int attempt) {
    std::error_code ec;
    const std::string name = launch.label() + (m_session ? fmt::format(".s{}", m_session) : "") +
                             (attempt ? fmt::format(".a{}", attempt) : "");
    const results::StoreLayout layout = results::store_layout(m_opt.out_dir);
    plan::LaunchFile lf{m_spec.name, name, m_store.results, layout.launch_meta(name), layout.launch_started(name), launch, 0, {}};
    if (m_spec.time_budget_s > 0) {
      lf.deadline_unix_s = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count() +
                           (m_spec.time_budget_s - elapsed());
      lf.stopped = layout.launch_stopped(name);
      fs::remove(lf.stopped, ec);
    }
    fs::remove(lf.started, ec);
    store_write([&] { results::write_file_atomically(layout.launch_plan(name), plan::launch_file_text(lf)); });
    std::vector<std::string> args = m_opt.run_args;
    args.insert(args.end(), {"--sweep-launch", layout.launch_plan(name)});
    const std::vector<std::string> argv = expand_template(m_spec.launcher, m_opt.collbench, args, launch.env);
    const std::string log = layout.log(launch.label());
    const std::uintmax_t log_from = fs::exists(log, ec) ? fs::file_size(log, ec) : 0;
    std::ofstream(log, std::ios::app) << fmt::format("# {} {}: {}\n", now_iso(), name, fmt::join(argv, " "));
    m_progress.launch = name;
    m_progress.configuration = plan::describe(launch.process);

    Pending pending{{}, Clock::now()};
    for (const plan::Block& b : launch.blocks)
      for (const plan::PlannedCase& c : b.cases) pending.ids.insert(c.id);
    const double stall_s = (m_opt.case_timeout_s > 0 ? m_opt.case_timeout_s : 3600.0) + (m_spec.backend == "nccl" ? 180.0 : 60.0);
    bool stalled = false;
    ++m_out.launches;
    Child child(argv, launch.env, log);
    const ChildExit ex = child.wait([&] {
      absorb(pending);
      m_progress.elapsed_s = elapsed();
      m_progress.eta_s = m_progress.done > 0 ? m_progress.elapsed_s / static_cast<double>(m_progress.done) *
                                                   static_cast<double>(m_progress.total - m_progress.done)
                                             : -1;
      if (m_on_progress) m_on_progress(m_progress);
      stalled = std::chrono::duration<double>(Clock::now() - pending.last_record).count() > stall_s;
      return !interrupt_signal() && !stalled;
    });
    absorb(pending);
    if (pending.ids.empty() || (interrupt_signal() && !stalled)) {  // done, or interrupted: nothing to record
      launch.blocks.clear();
      return;
    }
    if (!lf.stopped.empty() && fs::exists(lf.stopped, ec) && ex.exited && ex.code == 0) {
      m_out.budget_reached = true;  // it stopped at the time budget: the rest stays to --resume
      launch.blocks.clear();
      return;
    }
    std::string reason = reason_from_log(log, log_from);
    if (const std::string full = store_full(m_opt.out_dir); !full.empty()) {
      // Not the configuration's fault: nothing is recorded as failed; the cases stay to measure.
      throw StoreWriteFailed(fmt::format("launch {} {}{}; {}", name, ex.describe(), reason.empty() ? "" : ": " + reason, full));
    }
    if (!fs::exists(lf.started, ec) && !stalled) {
      // It never got going (launcher, MPI start-up, no GPU): every launch would fail alike.
      // Nothing is recorded as failed; the cases stay to measure once the cause is fixed.
      m_out.notes.push_back(fmt::format("launch {} {} before starting{}; the sweep stopped (see {}; fix it and --resume)",
                                        name, ex.describe(), reason.empty() ? "" : ": " + reason, log));
      m_out.setup_failed = true;
      return;
    }
    std::string why = stalled ? fmt::format("launch {} recorded nothing for {:.0f} s and was killed", name, stall_s)
                              : fmt::format("launch {} {}", name, ex.describe());
    if (ex.exited && ex.code == 0) why += " without measuring every case";
    if (!reason.empty()) why += ": " + reason;
    record_failed_block(launch, pending, name, why);
  }

  // The launch ended before its cases: the case in flight and the rest of its configuration are
  // recorded as failed; the launch keeps its other configurations, to be launched again.
  void record_failed_block(plan::Launch& launch, const Pending& pending, const std::string& name, const std::string& why) {
    auto culprit = std::find_if(launch.blocks.begin(), launch.blocks.end(), [&](const plan::Block& b) {
      return std::any_of(b.cases.begin(), b.cases.end(), [&](const plan::PlannedCase& c) { return pending.ids.count(c.id); });
    });
    bool first = true;
    for (const plan::PlannedCase& c : culprit->cases) {
      if (!pending.ids.count(c.id)) continue;
      results::StoredCase sc{c.id, culprit->config_id, culprit->knobs, culprit->rep, name, {}};
      sc.result = failed_record(*culprit, c, m_spec.launcher.ranks,
                                first ? why : "not run: its configuration failed at an earlier size (" + why + ")");
      first = false;
      store_write([&] { m_appender->append(sc); });
      m_status[c.id] = "failed";
      ++m_out.failed, ++m_progress.failed, ++m_progress.done;
    }
    std::error_code ec;
    m_offset = fs::file_size(m_store.results, ec);
    m_out.notes.push_back(fmt::format("configuration {} ({}) failed: {}", culprit->config_id, plan::describe(culprit->knobs), why));
    launch.blocks.erase(culprit);
    for (plan::Block& b : launch.blocks) std::erase_if(b.cases, [&](const plan::PlannedCase& c) { return !pending.ids.count(c.id); });
    std::erase_if(launch.blocks, [](const plan::Block& b) { return b.cases.empty(); });
  }

  void finish() {
    m_out.interrupted = interrupt_signal() != 0;
    m_out.wall_s = elapsed();
    for (const plan::Launch& l : m_plan.launches)
      for (const plan::Block& b : l.blocks)
        for (const plan::PlannedCase& c : b.cases) m_out.left += m_status.count(c.id) ? 0 : 1;
    bool any_failed = m_out.setup_failed, any_wrong = false;
    for (const auto& [id, st] : m_status) {
      any_failed = any_failed || st == "failed" || st == "timeout";
      any_wrong = any_wrong || st == "wrong";
    }
    m_out.code = any_failed ? core::ExitCode::run_failed : any_wrong ? core::ExitCode::wrong : core::ExitCode::ok;
    const char* st = m_out.interrupted ? "interrupted" : m_out.setup_failed ? "failed" : m_out.left > 0 ? "incomplete" : "complete";
    m_store.manifest["status"] = st;
    json& last = m_store.manifest["sessions"].back();
    last["end"] = now_iso();
    last["status"] = st;
    last["launches"] = m_out.launches;
    last["cases_recorded"] = m_progress.done;
    last["failed"] = m_out.failed;
    last["wall_s"] = m_out.wall_s;
    last["measured_s"] = m_out.measured_s;
    last["outside_share"] = m_out.wall_s > 0 ? 1.0 - m_out.measured_s / m_out.wall_s : 0.0;
    m_store.save();
  }

  const plan::SweepSpec& m_spec;
  const plan::SweepPlan& m_plan;
  const SweepOptions& m_opt;
  const std::function<void(const Progress&)>& m_on_progress;
  Clock::time_point m_t0;
  int m_lock_fd = -1;
  Store m_store;
  std::unique_ptr<results::StoreAppender> m_appender;
  std::uint64_t m_offset = 0;
  std::map<std::string, std::string> m_status;  // case id -> latest status
  std::size_t m_session = 0;                    // 0 for the sweep's first session
  Progress m_progress;
  SweepOutcome m_out;
};

}  // namespace

SweepOutcome run_sweep(const plan::SweepSpec& spec, const plan::SweepPlan& plan, const SweepOptions& opt,
                       const std::function<void(const Progress&)>& on_progress) {
  return SweepRun(spec, plan, opt, on_progress).run();
}

}  // namespace collbench::sweep
