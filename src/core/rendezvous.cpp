#include "core/rendezvous.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace collbench::core {

namespace {

constexpr const char* kDefaultPortFormula = "20000 + (SLURM_JOB_ID * 64 + SLURM_STEP_ID) % 20000";

// The variable's value; nullopt when unset. `empty_is_unset` for variables whose empty value
// means "not given" to the program that reads them (NCCL_COMM_ID, COLLBENCH_LAUNCHER).
std::optional<std::string> get(const EnvLookup& env, const char* name, bool empty_is_unset = false) {
  const char* v = env(name);
  if (v == nullptr || (empty_is_unset && *v == '\0')) return std::nullopt;
  return std::string(v);
}

// A non-negative integer of at most 9 digits; nullopt otherwise ("", "-1", "4x", " 4").
std::optional<long> digits(std::string_view s) {
  if (s.empty() || s.size() > 9 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  long v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

[[noreturn]] void bad(const std::string& name, const std::string& value, const std::string& expected) {
  throw InputError(name + " '" + value + "': expected " + expected);
}

// `name`'s value as an integer in [lo, hi]; `why` (" (WORLD_SIZE is 4)") explains the bounds.
int integer(const std::string& name, const std::string& value, long lo, long hi, const std::string& why = "") {
  const std::optional<long> v = digits(value);
  if (!v || *v < lo || *v > hi) {
    const std::string range = hi >= 999999999 ? "an integer of " + std::to_string(lo) + " or more"
                                              : "an integer from " + std::to_string(lo) + " to " + std::to_string(hi);
    bad(name, value, range + why);
  }
  return static_cast<int>(*v);
}

int integer_or(const EnvLookup& env, const char* name, int fallback, long lo, long hi, const std::string& why = "") {
  const auto v = get(env, name);
  return v ? integer(name, *v, lo, hi, why) : fallback;
}

int port(const std::string& name, const std::string& value) { return integer(name, value, 1, 65535); }

std::string strip_brackets(const std::string& host) {
  return host.size() >= 2 && host.front() == '[' && host.back() == ']' ? host.substr(1, host.size() - 2) : host;
}

// NCCL_COMM_ID: "host:port", "1.2.3.4:port" or "[v6]:port", as NCCL's bootstrap reads it.
void from_nccl_comm_id(const std::string& id, Rendezvous& r) {
  const char* expected = "host:port or [IPv6]:port with a port from 1 to 65535";
  std::string host, port_text;
  if (!id.empty() && id.front() == '[') {
    const std::size_t close = id.find(']');
    if (close == std::string::npos || close + 1 >= id.size() || id[close + 1] != ':') bad("NCCL_COMM_ID", id, expected);
    host = id.substr(1, close - 1);
    port_text = id.substr(close + 2);
  } else {
    const std::size_t colon = id.rfind(':');
    if (colon == std::string::npos) bad("NCCL_COMM_ID", id, expected);
    host = id.substr(0, colon);
    port_text = id.substr(colon + 1);
    if (host.find(':') != std::string::npos) bad("NCCL_COMM_ID", id, expected);  // a bare IPv6 literal
  }
  const std::optional<long> p = digits(port_text);
  if (host.empty() || !p || *p < 1 || *p > 65535) bad("NCCL_COMM_ID", id, expected);
  r.host = host;
  r.port = static_cast<int>(*p);
  r.source = "NCCL_COMM_ID";
}

void check_port_flag(int port_flag) {
  if (port_flag < 0 || port_flag > 65535)
    bad("--rendezvous-port", std::to_string(port_flag), "a port from 1 to 65535");
}

// RANK, WORLD_SIZE … as torchrun sets them (and `collbench launch`, and our Kubernetes manifests).
Rendezvous from_torchrun(const EnvLookup& env, const std::string& convention, int port_flag) {
  Rendezvous r;
  r.convention = convention;
  const auto rank = get(env, "RANK");
  const auto world = get(env, "WORLD_SIZE");
  if (!rank && !world)
    throw InputError("COLLBENCH_LAUNCHER 'collbench-launch': expected RANK and WORLD_SIZE as collbench launch sets them; "
                     "neither is set");
  if (!world) bad("RANK", *rank, "WORLD_SIZE too (torchrun and our Kubernetes manifests set both); WORLD_SIZE is not set");
  if (!rank) bad("WORLD_SIZE", *world, "RANK too (torchrun and our Kubernetes manifests set both); RANK is not set");
  r.world_size = integer("WORLD_SIZE", *world, 1, 999999999);
  const std::string of_world = " (WORLD_SIZE is " + std::to_string(r.world_size) + ")";
  r.rank = integer("RANK", *rank, 0, r.world_size - 1, of_world);
  r.local_world_size = integer_or(env, "LOCAL_WORLD_SIZE", 1, 1, r.world_size, of_world);
  const std::string of_local = get(env, "LOCAL_WORLD_SIZE")
                                   ? " (LOCAL_WORLD_SIZE is " + std::to_string(r.local_world_size) + ")"
                                   : " (LOCAL_WORLD_SIZE is not set: 1)";
  r.local_rank = integer_or(env, "LOCAL_RANK", 0, 0, r.local_world_size - 1, of_local);
  r.node_rank = integer_or(env, "NODE_RANK", integer_or(env, "GROUP_RANK", -1, 0, 999999999), 0, 999999999);
  if (r.world_size == 1) return r;  // meets nobody: no address is read

  if (const auto id = get(env, "NCCL_COMM_ID", true)) {
    from_nccl_comm_id(*id, r);
    return r;
  }
  const auto addr = get(env, "MASTER_ADDR");
  const auto mport = get(env, "MASTER_PORT");
  if (addr) {
    r.host = strip_brackets(*addr);
    if (r.host.empty() || r.host.find_first_of(" /") != std::string::npos) bad("MASTER_ADDR", *addr, "a host name or an IP address");
  }
  if (mport) r.port = port("MASTER_PORT", *mport);
  else if (port_flag > 0) r.port = port_flag;
  if (!addr || r.port == 0)
    bad("WORLD_SIZE", *world, std::string("a rendezvous address with more than one rank: MASTER_ADDR and MASTER_PORT, or NCCL_COMM_ID=host:port (") +
                                  (!addr && !mport ? "neither MASTER_ADDR nor MASTER_PORT is set" : !addr ? "MASTER_ADDR is not set" : "MASTER_PORT is not set") + ")");
  r.source = mport ? "MASTER_ADDR/MASTER_PORT" : "MASTER_ADDR + --rendezvous-port";
  return r;
}

// The first node of the step's (else the job's) node list, and the variable it came from.
std::pair<std::string, std::string> first_node(const EnvLookup& env) {
  for (const char* name : {"SLURM_STEP_NODELIST", "SLURM_JOB_NODELIST", "SLURM_NODELIST"}) {
    const auto list = get(env, name);
    if (!list) continue;
    std::vector<std::string> nodes;
    try {
      nodes = expand_hostlist(*list);
    } catch (const InputError& e) {
      bad(name, *list, std::string("a Slurm host list like gpu[01-16] (") + e.what() + ")");
    }
    return {nodes.front(), name};
  }
  throw InputError("SLURM_STEP_NODELIST: not set (nor SLURM_JOB_NODELIST); expected srun's node list, whose first node "
                   "is the rendezvous host (or set NCCL_COMM_ID=host:port)");
}

// An id the default port is derived from: SLURM_JOB_ID, SLURM_STEP_ID.
std::uint64_t slurm_id(const EnvLookup& env, const char* name) {
  const std::string expected = std::string("an integer, for the default rendezvous port ") + kDefaultPortFormula +
                               " (or give --rendezvous-port or COLLBENCH_RENDEZVOUS_PORT)";
  const auto v = get(env, name);
  if (!v) throw InputError(std::string(name) + ": not set; expected " + expected);
  const std::optional<long> n = digits(*v);
  if (!n) bad(name, *v, expected);
  return static_cast<std::uint64_t>(*n);
}

void srun_address(const EnvLookup& env, int port_flag, Rendezvous& r) {
  if (const auto id = get(env, "NCCL_COMM_ID", true)) {
    from_nccl_comm_id(*id, r);
    return;
  }
  const auto [host, list_var] = first_node(env);
  r.host = host;
  if (port_flag > 0) {
    r.port = port_flag;
    r.source = list_var + " + --rendezvous-port";
  } else if (const auto p = get(env, "COLLBENCH_RENDEZVOUS_PORT")) {
    r.port = port("COLLBENCH_RENDEZVOUS_PORT", *p);
    r.source = list_var + " + COLLBENCH_RENDEZVOUS_PORT";
  } else {
    const std::uint64_t job = slurm_id(env, "SLURM_JOB_ID"), step = slurm_id(env, "SLURM_STEP_ID");
    r.port = static_cast<int>(20000 + (job * 64 + step) % 20000);
    r.source = list_var + " + port " + std::to_string(r.port) + " (default: " + kDefaultPortFormula + ")";
  }
}

// An srun step without PMI (srun --mpi=none).
Rendezvous from_srun(const EnvLookup& env, int port_flag) {
  Rendezvous r;
  r.convention = "srun";
  const char* tasks_var = get(env, "SLURM_STEP_NUM_TASKS") ? "SLURM_STEP_NUM_TASKS" : "SLURM_NTASKS";
  const auto tasks = get(env, tasks_var);
  const std::string procid = get(env, "SLURM_PROCID").value_or("");
  if (!tasks) bad("SLURM_PROCID", procid, "SLURM_STEP_NUM_TASKS or SLURM_NTASKS too (srun sets them); neither is set");
  r.world_size = integer(tasks_var, *tasks, 1, 999999999);
  r.rank = integer("SLURM_PROCID", procid, 0, r.world_size - 1,
                   std::string(" (") + tasks_var + " is " + std::to_string(r.world_size) + ")");
  const auto nodeid = get(env, "SLURM_NODEID");
  const int node = nodeid ? integer("SLURM_NODEID", *nodeid, 0, 999999999) : 0;
  r.node_rank = nodeid ? node : -1;

  const char* per_node_var = get(env, "SLURM_STEP_TASKS_PER_NODE") ? "SLURM_STEP_TASKS_PER_NODE" : "SLURM_TASKS_PER_NODE";
  const auto per_node_text = get(env, per_node_var);
  if (!per_node_text)
    throw InputError("SLURM_STEP_TASKS_PER_NODE: not set (nor SLURM_TASKS_PER_NODE); expected srun's tasks per node, e.g. 4(x2)");
  std::vector<int> per_node;
  try {
    per_node = expand_tasks_per_node(*per_node_text);
  } catch (const InputError&) {
    bad(per_node_var, *per_node_text, "tasks per node like 4(x2),2");
  }
  const std::string lists = std::string(" (") + per_node_var + " '" + *per_node_text + "' lists " +
                            std::to_string(per_node.size()) + " node(s))";
  if (static_cast<std::size_t>(node) >= per_node.size())
    bad("SLURM_NODEID", nodeid.value_or("0"), "an integer from 0 to " + std::to_string(per_node.size() - 1) + lists);
  r.local_world_size = per_node[static_cast<std::size_t>(node)];
  if (r.local_world_size < 1 || r.local_world_size > r.world_size)
    bad(per_node_var, *per_node_text,
        "from 1 to " + std::string(tasks_var) + " (" + std::to_string(r.world_size) + ") tasks on node " + std::to_string(node));
  r.local_rank = integer_or(env, "SLURM_LOCALID", 0, 0, r.local_world_size - 1,
                            " (" + std::string(per_node_var) + " gives node " + std::to_string(node) + " " +
                                std::to_string(r.local_world_size) + " task(s))");
  if (r.world_size > 1) srun_address(env, port_flag, r);
  return r;
}

bool srun_step(const EnvLookup& env) { return env("SLURM_STEP_ID") != nullptr && env("SLURM_PROCID") != nullptr; }

// The variable that says an MPI launcher started this process; nullptr when none.
const char* mpi_launcher_variable(const EnvLookup& env) {
  for (const char* name : {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK"})
    if (env(name) != nullptr) return name;
  return nullptr;
}

WorldChoice nccl(Rendezvous r) { return {WorldKind::nccl, std::move(r)}; }

}  // namespace

std::string Rendezvous::address() const {
  if (host.empty() || port == 0) return "";
  const std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return h + ":" + std::to_string(port);
}

WorldChoice choose_world(const EnvLookup& env, bool with_mpi, int port_flag) {
  check_port_flag(port_flag);
  if (const auto launcher = get(env, "COLLBENCH_LAUNCHER", true)) {
    if (*launcher != "collbench-launch") bad("COLLBENCH_LAUNCHER", *launcher, "collbench-launch (set by collbench launch) or unset");
    return nccl(from_torchrun(env, "collbench-launch", port_flag));
  }
  const bool torch_vars = env("RANK") != nullptr || env("WORLD_SIZE") != nullptr;
  if (torch_vars && env("TORCHELASTIC_RUN_ID") != nullptr) return nccl(from_torchrun(env, "torchrun", port_flag));
  if (const char* var = mpi_launcher_variable(env)) {
    if (!with_mpi)
      bad(var, env(var), std::string("no MPI launcher: this collbench was built without MPI (COLLBENCH_WITH_MPI=OFF): "
                                     "start it with torchrun, srun --mpi=none or collbench launch"));
    return {WorldKind::mpi, Rendezvous{}};
  }
  if (torch_vars) return nccl(from_torchrun(env, "torchrun", port_flag));
  if (srun_step(env)) return nccl(from_srun(env, port_flag));
  return with_mpi ? WorldChoice{WorldKind::mpi, Rendezvous{}} : nccl(Rendezvous{});
}

}  // namespace collbench::core
