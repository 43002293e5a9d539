#include "core/launcher.hpp"

#include <sched.h>

#include <algorithm>
#include <cstdlib>
#include <initializer_list>
#include <thread>

#include "core/error.hpp"
#include "core/text.hpp"

namespace collbench::core {

namespace {

const char* from_environment(const char* name) { return std::getenv(name); }

std::string value(const EnvLookup& env, const char* name) {
  const char* v = env(name);
  return v ? std::string(v) : std::string();
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int to_int(std::string_view s) {
  if (!all_digits(s) || s.size() > 9) return -1;
  return std::atoi(std::string(s).c_str());
}

constexpr std::size_t kMaxHosts = 1000000;

[[noreturn]] void bad_hostlist(std::string_view list, const std::string& why) {
  throw InputError("Slurm host list '" + std::string(list) + "': " + why);
}

// "01-16,20" inside one pair of brackets -> the names it stands for, zero padding kept.
std::vector<std::string> expand_ranges(std::string_view list, std::string_view ranges) {
  std::vector<std::string> out;
  for (const std::string& part : split(ranges, ',')) {
    const std::size_t dash = part.find('-');
    const std::string lo = part.substr(0, dash);
    const std::string hi = dash == std::string::npos ? lo : part.substr(dash + 1);
    if (!all_digits(lo) || !all_digits(hi) || lo.size() > 9 || hi.size() > 9)
      bad_hostlist(list, "expected ranges like [01-16,20], got [" + std::string(ranges) + "]");
    const long a = std::atol(lo.c_str()), b = std::atol(hi.c_str());
    if (b < a) bad_hostlist(list, "range " + part + " runs backwards");
    if (static_cast<std::size_t>(b - a) >= kMaxHosts) bad_hostlist(list, "more than a million names");
    const std::size_t width = lo.size() > 1 && lo[0] == '0' ? lo.size() : 0;
    for (long n = a; n <= b; ++n) {
      std::string s = std::to_string(n);
      if (s.size() < width) s.insert(0, width - s.size(), '0');
      out.push_back(std::move(s));
    }
  }
  return out;
}

// One host expression without top-level commas: "rack[1-2]-gpu[01-04]" -> the cartesian product.
void expand_one(std::string_view list, std::string_view expr, std::vector<std::string>& out) {
  std::vector<std::string> names = {""};
  std::size_t i = 0;
  while (i < expr.size()) {
    if (expr[i] == '[') {
      const std::size_t close = expr.find(']', i);
      if (close == std::string_view::npos) bad_hostlist(list, "'[' without ']'");
      const std::vector<std::string> alts = expand_ranges(list, expr.substr(i + 1, close - i - 1));
      if (names.size() * alts.size() > kMaxHosts) bad_hostlist(list, "more than a million names");
      std::vector<std::string> next;
      next.reserve(names.size() * alts.size());
      for (const auto& n : names)
        for (const auto& a : alts) next.push_back(n + a);
      names = std::move(next);
      i = close + 1;
    } else if (expr[i] == ']') {
      bad_hostlist(list, "']' without '['");
    } else {
      const std::size_t next = std::min(expr.find('[', i), expr.find(']', i));
      const std::string_view text = expr.substr(i, next == std::string_view::npos ? std::string_view::npos : next - i);
      for (auto& n : names) n += text;
      i = next == std::string_view::npos ? expr.size() : next;
    }
  }
  if (out.size() + names.size() > kMaxHosts) bad_hostlist(list, "more than a million names");
  out.insert(out.end(), names.begin(), names.end());
}

}  // namespace

int launcher_rank(const EnvLookup& env) {
  for (const char* var : {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK"}) {
    if (const char* v = env(var)) return std::atoi(v);
  }
  // A batch script (and salloc's shell) carries SLURM_PROCID=0 without being a step.
  if (env("SLURM_STEP_ID") != nullptr) {
    if (const char* v = env("SLURM_PROCID")) return std::atoi(v);
  }
  // torchrun, a Kubernetes manifest, collbench launch: RANK with WORLD_SIZE.
  if (env("RANK") != nullptr && env("WORLD_SIZE") != nullptr) return std::atoi(env("RANK"));
  return -1;
}

int launcher_rank() { return launcher_rank(from_environment); }

std::vector<std::string> expand_hostlist(std::string_view list) {
  std::vector<std::string> out;
  const std::string trimmed = trim(list);
  if (trimmed.empty()) bad_hostlist(list, "empty");
  int depth = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= trimmed.size(); ++i) {
    const char c = i < trimmed.size() ? trimmed[i] : ',';
    if (c == '[') ++depth;
    if (c == ']') --depth;
    if (depth < 0 || depth > 1) bad_hostlist(list, "unbalanced or nested brackets");
    if (c == ',' && depth == 0) {
      const std::string_view expr = std::string_view(trimmed).substr(start, i - start);
      if (expr.empty()) bad_hostlist(list, "an empty name between commas");
      expand_one(list, expr, out);
      start = i + 1;
    }
  }
  if (depth != 0) bad_hostlist(list, "'[' without ']'");
  return out;
}

std::vector<int> expand_tasks_per_node(std::string_view list) {
  std::vector<int> out;
  for (const std::string& raw : split(list, ',')) {
    const std::string part = trim(raw);
    const std::size_t paren = part.find("(x");
    const int tasks = to_int(part.substr(0, paren));
    int times = 1;
    if (paren != std::string::npos) {
      times = part.back() == ')' ? to_int(std::string_view(part).substr(paren + 2, part.size() - paren - 3)) : -1;
    }
    if (tasks < 0 || times < 1 || out.size() + static_cast<std::size_t>(times) > kMaxHosts)
      throw InputError("Slurm tasks per node '" + std::string(list) + "': expected counts like 4(x2),2");
    out.insert(out.end(), static_cast<std::size_t>(times), tasks);
  }
  return out;
}

LaunchInfo detect_launch(const EnvLookup& env, int usable) {
  LaunchInfo info;
  const bool step = env("SLURM_STEP_ID") != nullptr && env("SLURM_PROCID") != nullptr;
  if (env("OMPI_COMM_WORLD_RANK") != nullptr) info.launcher = "mpirun";
  else if (step) info.launcher = "srun";
  else if (env("PMIX_RANK") != nullptr || env("PMI_RANK") != nullptr) info.launcher = "mpiexec";

  if (env("SLURM_JOB_ID") != nullptr) {
    const bool srun = info.launcher == "srun";
    SlurmJob job;
    job.job_id = value(env, "SLURM_JOB_ID");
    if (srun) job.step_id = value(env, "SLURM_STEP_ID");
    job.job_name = value(env, "SLURM_JOB_NAME");
    job.cluster = value(env, "SLURM_CLUSTER_NAME");
    job.partition = value(env, "SLURM_JOB_PARTITION");
    job.array_job_id = value(env, "SLURM_ARRAY_JOB_ID");
    job.array_task_id = value(env, "SLURM_ARRAY_TASK_ID");
    // A step's own nodes and tasks under srun; the allocation's otherwise.
    job.nodelist = value(env, srun ? "SLURM_STEP_NODELIST" : "SLURM_JOB_NODELIST");
    if (job.nodelist.empty()) job.nodelist = value(env, "SLURM_NODELIST");
    const std::string tasks = value(env, srun ? "SLURM_STEP_TASKS_PER_NODE" : "SLURM_TASKS_PER_NODE");
    try {
      if (!job.nodelist.empty()) job.nodes = expand_hostlist(job.nodelist);
    } catch (const InputError&) {
      job.nodes.clear();  // recorded as Slurm gave it; the expansion is a convenience
    }
    try {
      if (!tasks.empty()) job.tasks_per_node = expand_tasks_per_node(tasks);
    } catch (const InputError&) {
      job.tasks_per_node.clear();
    }
    job.ntasks = std::max(0, to_int(value(env, srun ? "SLURM_STEP_NUM_TASKS" : "SLURM_NTASKS")));
    job.nnodes = std::max(0, to_int(value(env, srun ? "SLURM_STEP_NUM_NODES" : "SLURM_JOB_NUM_NODES")));
    info.slurm = std::move(job);
  }

  if (info.launcher == "srun") {
    info.has_pmi = env("PMIX_RANK") != nullptr || env("PMI_RANK") != nullptr;
    const int node = to_int(value(env, "SLURM_NODEID"));
    const auto& per_node = info.slurm ? info.slurm->tasks_per_node : std::vector<int>{};
    if (node >= 0 && static_cast<std::size_t>(node) < per_node.size()) info.local_tasks = per_node[static_cast<std::size_t>(node)];
    info.cpus = std::max({usable, to_int(value(env, "SLURM_CPUS_ON_NODE")), 1});
    info.oversubscribed = info.local_tasks > info.cpus;
  }
  return info;
}

std::string srun_world_mismatch(const std::string& launcher, const std::optional<SlurmJob>& slurm, int world_size) {
  if (launcher != "srun" || !slurm || slurm->ntasks <= 0 || slurm->ntasks == world_size) return "";
  return "srun started " + std::to_string(slurm->ntasks) + " tasks but MPI joined them into a job of " +
         std::to_string(world_size) + " rank(s): MPI did not reach Slurm's process-management interface; "
         "launch with srun --mpi=pmix";
}

int usable_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return std::max(1, CPU_COUNT(&set));
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

LaunchInfo detect_launch() { return detect_launch(from_environment, usable_cpus()); }

}  // namespace collbench::core
