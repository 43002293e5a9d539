// The stand-in NCCL's communicators: unique ids, init (blocking and not), config validation as
// NCCL 2.28.9's parseCommConfig (init.cc:1852-1885), split, finalize, destroy and abort.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <random>
#include <stdexcept>
#include <thread>

#include "comm.hpp"
#include "cost.hpp"
#include "params.hpp"
#include "runtime.hpp"
#include "standin_env.hpp"

using namespace cbsi;

namespace cbsi {

int launcher_rank() {
  for (const char* v : {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", "RANK", "SLURM_PROCID"})
    if (const char* s = std::getenv(v); s && *s) return std::atoi(s);
  return -1;
}

// COLLBENCH_STANDIN_FAULT: comma-separated KIND:RANK[:AFTER]; KIND hang, async, corrupt,
// graphcorrupt (only collectives replayed from a CUDA graph) or inithang (the rank never finishes
// ncclCommInitRank*, until aborted); RANK the job rank (the launcher's); AFTER the 1-based
// collective from which it applies (default 1).
Faults faults_for(int job_rank, std::string* err) {
  Faults f;
  for (const std::string& item : env_list("COLLBENCH_STANDIN_FAULT", ',')) {
    char kind[16] = {};
    int rank = -1, after = 1;
    const int got = std::sscanf(item.c_str(), "%15[a-z]:%d:%d", kind, &rank, &after);
    const std::string k(kind);
    if (got < 2 || rank < 0 || after < 1 ||
        (k != "hang" && k != "async" && k != "corrupt" && k != "graphcorrupt" && k != "inithang")) {
      *err = "COLLBENCH_STANDIN_FAULT: expected KIND:RANK[:AFTER], KIND hang, async, corrupt, graphcorrupt or inithang, "
             "RANK >= 0, AFTER >= 1; got '" + item + "'";
      return {};
    }
    if (rank != job_rank) continue;
    if (k == "inithang") f.init_hang = true;
    else if (k == "graphcorrupt") f.graph_corrupt_after = after;
    else (k == "hang" ? f.hang_after : k == "async" ? f.async_after : f.corrupt_after) = after;
  }
  return f;
}

// COLLBENCH_STANDIN_NCCL_VERSION: the version ncclGetVersion reports (NCCL_VERSION_CODE form,
// default 22809 = 2.28.9), so a client's refusals of older libraries can be tested. From 22900 on
// the CTA policies combine (2.29's bit tests); nothing else changes.
int library_version() {
  static const int v = static_cast<int>(env_int("COLLBENCH_STANDIN_NCCL_VERSION", 22809, 20000, 99999));
  return v;
}

}  // namespace cbsi

namespace {

ncclResult_t fail(ncclResult_t rc, const std::string& message) {
  warn("%s", message.c_str());
  return rc;
}

// NCCL_MIN_CTAS and friends override their config twins (init.cc:1630-1796, after the checks);
// they are NCCL_PARAMs, frozen at their first read in the process (nccl-knobs.md, section B).
void env_override(int* field, const char* name) {
  if (const auto v = param(name); v && !v->empty()) *field = std::atoi(v->c_str());
}

ncclResult_t parse_config(const ncclConfig_t* in, Comm* c) {
  ncclConfig_t cfg = NCCL_CONFIG_INITIALIZER;
  if (in) {
    if (in->magic != 0xcafebeef || in->size < offsetof(ncclConfig_t, nvlinkCentricSched))
      return fail(ncclInvalidArgument, "ncclConfig_t argument not initialized via NCCL_CONFIG_INITIALIZER");
    std::memcpy(&cfg, in, std::min(sizeof cfg, in->size));
  }
  constexpr int U = NCCL_CONFIG_UNDEF_INT;
  char buf[160];
  if (cfg.blocking != U && cfg.blocking != 0 && cfg.blocking != 1) {
    std::snprintf(buf, sizeof buf, "Invalid config blocking attribute value %d", cfg.blocking);
    return fail(ncclInvalidArgument, buf);
  }
  if (cfg.cgaClusterSize != U && cfg.cgaClusterSize < 0) {
    std::snprintf(buf, sizeof buf, "Invalid config cgaClusterSize attribute value %d", cfg.cgaClusterSize);
    return fail(ncclInvalidArgument, buf);
  }
  // As NCCL does: the comparison runs even when one side is unset (INT_MIN).
  if ((cfg.minCTAs != U && cfg.minCTAs <= 0) || (cfg.maxCTAs != U && cfg.maxCTAs <= 0) || cfg.minCTAs > cfg.maxCTAs) {
    std::snprintf(buf, sizeof buf, "Invalid config min/max channels attribute value %d/%d", cfg.minCTAs, cfg.maxCTAs);
    return fail(ncclInvalidArgument, buf);
  }
  if (cfg.splitShare != U && cfg.splitShare != 0 && cfg.splitShare != 1) {
    std::snprintf(buf, sizeof buf, "Invalid config splitShare attribute value %d", cfg.splitShare);
    return fail(ncclInvalidArgument, buf);
  }
  if (cfg.collnetEnable != U && (cfg.collnetEnable < 0 || cfg.collnetEnable > 1)) {
    std::snprintf(buf, sizeof buf, "Invalid config collnetEnable attribute value %d", cfg.collnetEnable);
    return fail(ncclInvalidArgument, buf);
  }
  // 2.28.9 takes one policy (init.cc:1887-1891); 2.29 their OR.
  const int max_policy = library_version() >= 22900 ? (NCCL_CTA_POLICY_EFFICIENCY | NCCL_CTA_POLICY_ZERO) : NCCL_CTA_POLICY_ZERO;
  if (cfg.CTAPolicy != U && (cfg.CTAPolicy < NCCL_CTA_POLICY_DEFAULT || cfg.CTAPolicy > max_policy)) {
    std::snprintf(buf, sizeof buf, "Invalid config policy attribute value %d", cfg.CTAPolicy);
    return fail(ncclInvalidArgument, buf);
  }
  if (cfg.shrinkShare != U && cfg.shrinkShare != 0 && cfg.shrinkShare != 1) {
    std::snprintf(buf, sizeof buf, "Invalid config shrinkShare attribute value %d", cfg.shrinkShare);
    return fail(ncclInvalidArgument, buf);
  }
  if (cfg.nvlsCTAs != U && cfg.nvlsCTAs <= 0) {
    std::snprintf(buf, sizeof buf, "Invalid config nvlsCTAs attribute value %d", cfg.nvlsCTAs);
    return fail(ncclInvalidArgument, buf);
  }
  if (cfg.nChannelsPerNetPeer != U && (cfg.nChannelsPerNetPeer <= 0 || cfg.nChannelsPerNetPeer > 64)) {
    std::snprintf(buf, sizeof buf, "Invalid config nChannelsPerNetPeer attribute value %d", cfg.nChannelsPerNetPeer);
    return fail(ncclInvalidArgument, buf);
  }
  if (cfg.nvlinkCentricSched != U && cfg.nvlinkCentricSched != 0 && cfg.nvlinkCentricSched != 1) {
    std::snprintf(buf, sizeof buf, "Invalid config nvlinkCentricSched attribute value %d", cfg.nvlinkCentricSched);
    return fail(ncclInvalidArgument, buf);
  }
  c->blocking = cfg.blocking == U ? 1 : cfg.blocking;
  // NCCL_COMM_BLOCKING (an NCCL_PARAM, init.cc:56) overrides the field when it is 0 or 1 (init.cc:1647-1649).
  if (const auto v = param("NCCL_COMM_BLOCKING"); v && (*v == "0" || *v == "1")) c->blocking = *v == "1";
  c->min_ctas = cfg.minCTAs == U ? 1 : cfg.minCTAs;
  c->max_ctas = cfg.maxCTAs == U ? 64 : cfg.maxCTAs;  // MAXCHANNELS (device.h:86)
  c->collnet = cfg.collnetEnable == U ? -1 : cfg.collnetEnable;
  c->cta_policy = cfg.CTAPolicy == U ? NCCL_CTA_POLICY_DEFAULT : cfg.CTAPolicy;  // init.cc:1928
  env_override(&c->cta_policy, "NCCL_CTA_POLICY");                                 // init.cc:1745-1750
  // symmetricSupport = isAllCudaP2p && NCCL_WIN_ENABLE && cuMem (init.cc:1376): the stand-in's GPUs
  // are all P2P-capable, with cuMem on; COLLBENCH_STANDIN_SYMMETRIC=0 plays a machine without.
  c->symmetric = env_int("COLLBENCH_STANDIN_SYMMETRIC", 1, 0, 1) != 0;
  if (const auto v = param("NCCL_WIN_ENABLE"); v && !v->empty() && std::atoi(v->c_str()) == 0) c->symmetric = false;
  env_override(&c->min_ctas, "NCCL_MIN_CTAS");
  env_override(&c->max_ctas, "NCCL_MAX_CTAS");
  if (const auto v = live("NCCL_COLLNET_ENABLE"); v && !v->empty()) c->collnet = std::atoi(v->c_str());  // init.cc:1734
  return ncclSuccess;
}

// Everything after the config: bootstrap, the shared-memory file, the cost model.
ncclResult_t join(const std::shared_ptr<Comm>& c, const IdBlob& id) {
  PeerInfo mine;
  mine.rank = c->rank;
  mine.nranks = c->nranks;
  mine.dev = c->dev;
  mine.pid = ::getpid();
  std::snprintf(mine.host, sizeof mine.host, "%s", host_name().c_str());
  std::snprintf(mine.bus_id, sizeof mine.bus_id, "%s", visible(c->dev).bus_id.c_str());
  if (id.from_env && c->rank == 0) {  // NCCL_COMM_ID: rank 0 starts the root inside init
    std::uint16_t port = id.port;
    std::string err;
    if (!start_root(id.addr, &port, &err)) return fail(ncclSystemError, err);
  }
  if (c->faults.init_hang) {  // a rank that never gets through init: its peers wait in the bootstrap
    warn("stand-in: injected hang in init on rank %d (COLLBENCH_STANDIN_FAULT)", c->rank);
    while (!c->aborted.load() && !shutting_down()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return fail(ncclSystemError, "init aborted");
  }
  std::string path, err;
  int root_fd = -1;
  const ncclResult_t rc = exchange(id, mine, &c->peers, &path, &root_fd, c->aborted, &err);
  if (rc != ncclSuccess) return fail(rc, err);
  c->seg = Segment::open(path, c->nranks);
  attached(root_fd);
  if (!c->seg) return fail(ncclSystemError, "could not map the communicator's shared-memory file " + path);
  // Init ends on every rank together, as NCCL's (its bootstrap allgathers): no rank may leave —
  // its process may be the root's and exit — before every rank has its table and the file. Then
  // the file can go: a killed job leaves nothing in /dev/shm.
  char none = 0, all[512];
  if (!c->seg->control_allgather(c->rank, ++c->control_epoch, &none, 1, all, [&] { return c->aborted.load(); }))
    return fail(ncclSystemError, "Bootstrap : a rank did not finish init");
  if (c->rank == 0) ::unlink(path.c_str());
  std::vector<std::string> hosts;
  int most = 0;
  for (const PeerInfo& p : c->peers) {
    int same = 0;
    for (const PeerInfo& q : c->peers) same += std::strcmp(p.host, q.host) == 0;
    most = std::max(most, same);
    if (std::find(hosts.begin(), hosts.end(), p.host) == hosts.end()) hosts.emplace_back(p.host);
  }
  c->nnodes = static_cast<int>(hosts.size());
  c->max_local = most;
  c->sent.assign(static_cast<std::size_t>(c->nranks), 0);
  c->received.assign(static_cast<std::size_t>(c->nranks), 0);
  c->hash = fnv1a(std::string(reinterpret_cast<const char*>(&id), sizeof id));
  if (c->nranks > 1) {
    try {
      c->cost = std::make_unique<Cost>(*c);
    } catch (const std::exception& e) {
      return fail(ncclInvalidUsage, e.what());
    }
  }
  return ncclSuccess;
}

ncclResult_t init(ncclComm_t* out, int nranks, ncclUniqueId uid, int rank, const ncclConfig_t* config) {
  if (!out) return fail(ncclInvalidArgument, "comm argument is NULL");
  *out = nullptr;
  if (nranks < 1 || rank < 0 || rank >= nranks) {
    return fail(ncclInvalidArgument, "Invalid rank requested : " + std::to_string(rank) + "/" + std::to_string(nranks));
  }
  int dev = 0;
  if (cudaGetDevice(&dev) != cudaSuccess) return fail(ncclUnhandledCudaError, "Cuda failure 'no CUDA-capable device is detected'");
  IdBlob id;
  std::memcpy(&id, &uid, sizeof id);
  if (std::memcmp(id.magic, "CBSI", 4) != 0) return fail(ncclInvalidArgument, "the unique id was not made by ncclGetUniqueId");
  auto c = std::make_shared<Comm>();
  c->rank = rank;
  c->nranks = nranks;
  c->dev = dev;
  c->cc = visible(dev).cc_major * 10 + visible(dev).cc_minor;
  c->job_rank = launcher_rank() >= 0 ? launcher_rank() : rank;
  if (ncclResult_t rc = parse_config(config, c.get()); rc != ncclSuccess) return rc;
  static std::atomic<int> made{0};  // every rank makes its communicators in the same order
  c->jitter_key = fnv1a(std::to_string(nranks) + "#" + std::to_string(made++));
  std::string err;
  c->faults = faults_for(c->job_rank, &err);
  if (!err.empty()) return fail(ncclInvalidUsage, err);
  auto* handle = new ncclComm{Handle{c}};
  *out = handle;
  if (c->blocking) {
    const ncclResult_t rc = join(c, id);
    if (rc != ncclSuccess) {
      delete handle;
      *out = nullptr;
    }
    return rc;
  }
  // Non-blocking: init runs on its own thread; ncclCommGetAsyncError says when it is done.
  c->async.store(ncclInProgress);
  std::thread([c, id] {
    const ncclResult_t rc = join(c, id);
    c->async.store(rc);
  }).detach();
  return ncclInProgress;
}

// A unique id: NCCL_COMM_ID's address when `honor_env` (bootstrap.cc:417-421), else a root started
// here on a free loopback port (ncclCommSplit's children never use NCCL_COMM_ID: NCCL splits over
// the parent's bootstrap).
ncclResult_t make_id(ncclUniqueId* out, bool honor_env) {
  std::memset(out, 0, sizeof *out);
  IdBlob id{};
  std::memcpy(id.magic, "CBSI", 4);
  std::random_device rd;
  id.token = (static_cast<std::uint64_t>(rd()) << 32) ^ rd() ^ static_cast<std::uint64_t>(::getpid());
  std::string err;
  if (const auto env = live("NCCL_COMM_ID"); honor_env && env && !env->empty()) {
    if (!parse_comm_id(env->c_str(), &id.addr, &id.port, &err)) return fail(ncclInvalidArgument, err);
    id.from_env = 1;
    id.token = 0;  // every rank's id must be the same
  } else {
    id.addr = htonl(INADDR_LOOPBACK);
    id.port = 0;
    if (!start_root(id.addr, &id.port, &err)) return fail(ncclSystemError, err);
  }
  std::memcpy(out, &id, sizeof id);
  return ncclSuccess;
}

}  // namespace

extern "C" {

ncclResult_t ncclGetVersion(int* version) {
  if (!version) return ncclInvalidArgument;
  *version = library_version();
  return ncclSuccess;
}

ncclResult_t ncclGetUniqueId(ncclUniqueId* out) {
  if (!out) return fail(ncclInvalidArgument, "Invalid NULL uniqueId");
  return make_id(out, true);
}

ncclResult_t ncclCommInitRankConfig(ncclComm_t* comm, int nranks, ncclUniqueId id, int rank, ncclConfig_t* config) {
  return init(comm, nranks, id, rank, config);
}

ncclResult_t ncclCommInitRank(ncclComm_t* comm, int nranks, ncclUniqueId id, int rank) {
  return init(comm, nranks, id, rank, nullptr);
}

ncclResult_t ncclCommInitAll(ncclComm_t* comms, int ndev, const int* devlist) {
  if (!comms || ndev < 1) return fail(ncclInvalidArgument, "Invalid ndev or comms");
  ncclUniqueId id;
  if (ncclResult_t rc = ncclGetUniqueId(&id); rc != ncclSuccess) return rc;
  std::vector<std::thread> threads;
  std::vector<ncclResult_t> rcs(static_cast<std::size_t>(ndev), ncclSuccess);
  for (int i = 0; i < ndev; ++i)
    threads.emplace_back([&, i] {
      const int d = devlist ? devlist[i] : i;
      if (cudaSetDevice(d) != cudaSuccess) {
        rcs[static_cast<std::size_t>(i)] = ncclInvalidArgument;
        return;
      }
      rcs[static_cast<std::size_t>(i)] = ncclCommInitRank(&comms[i], ndev, id, i);
    });
  for (auto& t : threads) t.join();
  for (ncclResult_t rc : rcs)
    if (rc != ncclSuccess) return rc;
  return ncclSuccess;
}

ncclResult_t ncclCommGetAsyncError(ncclComm_t comm, ncclResult_t* state) {
  if (!comm || !state) return ncclInvalidArgument;
  *state = static_cast<ncclResult_t>(comm->h.comm->async.load());
  return ncclSuccess;
}

ncclResult_t ncclCommCount(const ncclComm_t comm, int* count) {
  if (!comm || !count) return ncclInvalidArgument;
  *count = comm->h.comm->nranks;
  return ncclSuccess;
}

ncclResult_t ncclCommCuDevice(const ncclComm_t comm, int* device) {
  if (!comm || !device) return ncclInvalidArgument;
  *device = comm->h.comm->dev;
  return ncclSuccess;
}

ncclResult_t ncclCommUserRank(const ncclComm_t comm, int* rank) {
  if (!comm || !rank) return ncclInvalidArgument;
  *rank = comm->h.comm->rank;
  return ncclSuccess;
}

// Finalize waits for the communicator's operations; on a non-blocking one it returns
// ncclInProgress and completes on a thread.
ncclResult_t ncclCommFinalize(ncclComm_t comm) {
  if (!comm) return ncclInvalidArgument;
  return ncclSuccess;
}

ncclResult_t ncclCommDestroy(ncclComm_t comm) {
  if (!comm) return ncclSuccess;
  delete comm;  // queued operations hold the communicator until they have run
  return ncclSuccess;
}

ncclResult_t ncclCommAbort(ncclComm_t comm) {
  if (!comm) return ncclSuccess;
  comm->h.comm->aborted.store(true);  // every wait of its operations gives up
  delete comm;
  return ncclSuccess;
}

ncclResult_t ncclCommSplit(ncclComm_t comm, int color, int key, ncclComm_t* newcomm, ncclConfig_t* config) {
  if (!comm || !newcomm) return fail(ncclInvalidArgument, "ncclCommSplit: NULL argument");
  Comm& c = *comm->h.comm;
  struct Entry {
    int color, key, rank;
    ncclUniqueId id;
  };
  Entry mine{color, key, c.rank, {}};
  std::vector<Entry> all(static_cast<std::size_t>(c.nranks));
  // Rank order within a color follows (key, rank); the first of each color makes the new id.
  auto exchange_entries = [&] {
    return c.seg->control_allgather(c.rank, ++c.control_epoch, &mine, sizeof mine, all.data(), [&] { return c.aborted.load(); });
  };
  if (!exchange_entries()) return fail(ncclSystemError, "ncclCommSplit: a peer did not answer");
  std::vector<Entry> group;
  for (const Entry& e : all)
    if (e.color == color && color != NCCL_SPLIT_NOCOLOR) group.push_back(e);
  std::sort(group.begin(), group.end(), [](const Entry& a, const Entry& b) { return a.key != b.key ? a.key < b.key : a.rank < b.rank; });
  const bool leader = !group.empty() && group.front().rank == c.rank;
  if (leader) {
    if (ncclResult_t rc = make_id(&mine.id, false); rc != ncclSuccess) return rc;
  }
  if (!exchange_entries()) return fail(ncclSystemError, "ncclCommSplit: a peer did not answer");
  *newcomm = nullptr;
  if (color == NCCL_SPLIT_NOCOLOR) return ncclSuccess;
  int new_rank = 0;
  for (std::size_t i = 0; i < group.size(); ++i)
    if (group[i].rank == c.rank) new_rank = static_cast<int>(i);
  const ncclUniqueId id = all[static_cast<std::size_t>(group.front().rank)].id;
  ncclConfig_t cfg = NCCL_CONFIG_INITIALIZER;
  if (!config) {  // the parent's configuration
    cfg.blocking = c.blocking;
    cfg.minCTAs = c.min_ctas;
    cfg.maxCTAs = c.max_ctas;
  }
  return init(newcomm, static_cast<int>(group.size()), id, new_rank, config ? config : &cfg);
}

const char* ncclGetErrorString(ncclResult_t rc) {
  switch (rc) {
    case ncclSuccess: return "no error";
    case ncclUnhandledCudaError: return "unhandled cuda error (run with NCCL_DEBUG=INFO for details)";
    case ncclSystemError: return "unhandled system error (run with NCCL_DEBUG=INFO for details)";
    case ncclInternalError: return "internal error - please report this issue to the NCCL developers";
    case ncclInvalidArgument: return "invalid argument (run with NCCL_DEBUG=WARN for details)";
    case ncclInvalidUsage: return "invalid usage (run with NCCL_DEBUG=WARN for details)";
    case ncclRemoteError: return "remote process exited or there was a network error";
    case ncclInProgress: return "NCCL operation in progress";
    default: return "unknown result code";
  }
}

const char* ncclGetLastError(ncclComm_t) {
  thread_local std::string text;
  text = last_error();
  return text.c_str();
}

}  // extern "C"
