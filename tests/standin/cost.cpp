#include "cost.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <array>
#include <cstdarg>
#include <cstdio>
#include <mutex>
#include <optional>
#include <stdexcept>

#include "backend/model/predictor.hpp"
#include "collbench_tuner_v5.h"
#include "core/error.hpp"
#include "params.hpp"
#include "standin_env.hpp"

namespace cbsi {

namespace model = collbench::model;
namespace core = collbench::core;

const char* func_name(Func f) {
  switch (f) {
    case Func::broadcast: return "Broadcast";
    case Func::reduce: return "Reduce";
    case Func::allgather: return "AllGather";
    case Func::reducescatter: return "ReduceScatter";
    case Func::allreduce: return "AllReduce";
  }
  return "";
}

namespace {

core::Collective collective(Func f) {
  switch (f) {
    case Func::broadcast: return core::Collective::broadcast;
    case Func::reduce: return core::Collective::reduce;
    case Func::allgather: return core::Collective::allgather;
    case Func::reducescatter: return core::Collective::reducescatter;
    case Func::allreduce: return core::Collective::allreduce;
  }
  return core::Collective::allreduce;
}

core::DataType data_type(ncclDataType_t t) {
  switch (t) {
    case ncclInt8: return core::DataType::int8;
    case ncclUint8: return core::DataType::uint8;
    case ncclInt32: return core::DataType::int32;
    case ncclUint32: return core::DataType::uint32;
    case ncclInt64: return core::DataType::int64;
    case ncclUint64: return core::DataType::uint64;
    case ncclFloat16: return core::DataType::half;
    case ncclBfloat16: return core::DataType::bfloat16;
    case ncclFloat64: return core::DataType::float64;
    case ncclFloat8e4m3: return core::DataType::fp8_e4m3;
    case ncclFloat8e5m2: return core::DataType::fp8_e5m2;
    default: return core::DataType::float32;
  }
}

// The plugin's logger: its messages go where NCCL's would, as INFO lines of the TUNING subsystem.
void plugin_logger(ncclDebugLogLevel level, unsigned long, const char*, int, const char* fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (level == NCCL_LOG_WARN) warn("%s", msg);
  else info_tuning(0, "%s", msg);
}

// NCCL_TUNER_PLUGIN: a name (libnccl-tuner-<name>.so), a file name or a path (plugin_open.cc:91).
// Loaded once per process; a failed load stays failed, as in NCCL.
const ncclTuner_v5_t* tuner_plugin() {
  static const ncclTuner_v5_t* plugin = [] () -> const ncclTuner_v5_t* {
    const auto env = live("NCCL_TUNER_PLUGIN");
    if (!env || env->empty()) return nullptr;
    std::string name(*env);
    if (name.find('/') == std::string::npos && name.find(".so") == std::string::npos)
      name = "libnccl-tuner-" + name + ".so";
    void* h = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!h) {
      warn("TUNER/Plugin: failed to load %s: %s", name.c_str(), dlerror());
      return nullptr;
    }
    auto* p = static_cast<const ncclTuner_v5_t*>(dlsym(h, "ncclTunerPlugin_v5"));
    if (!p) warn("TUNER/Plugin: %s has no ncclTunerPlugin_v5", name.c_str());
    return p;
  }();
  return plugin;
}

}  // namespace

// COLLBENCH_STANDIN_SKEW: "algo[/proto]=factor,…" — the simulated machine runs those cells
// `factor` times as long as NCCL's model says, while NCCL still chooses by its model: a machine
// on which NCCL's default is not the best, so tune has something to find.
std::array<std::array<double, model::kProtos>, model::kAlgos> parse_skew() {
  std::array<std::array<double, model::kProtos>, model::kAlgos> f{};
  for (auto& row : f) row.fill(1.0);
  for (const std::string& item : env_list("COLLBENCH_STANDIN_SKEW", ',')) {
    const std::size_t eq = item.find('='), slash = item.find('/');
    const std::string a = item.substr(0, std::min(eq, slash));
    const auto algo = model::algo_from_text(a);
    std::optional<model::Proto> proto;
    if (slash != std::string::npos && slash < eq) proto = model::proto_from_text(item.substr(slash + 1, eq - slash - 1));
    char* end = nullptr;
    const double x = eq == std::string::npos ? 0 : std::strtod(item.c_str() + eq + 1, &end);
    if (!algo || (slash != std::string::npos && slash < eq && !proto) || eq == std::string::npos || *end != '\0' || !(x > 0))
      throw std::runtime_error("COLLBENCH_STANDIN_SKEW: expected algo[/proto]=factor (factor > 0), got '" + item + "'");
    for (int p = 0; p < model::kProtos; ++p)
      if (!proto || static_cast<int>(*proto) == p) f[static_cast<std::size_t>(*algo)][static_cast<std::size_t>(p)] = x;
  }
  return f;
}

struct Cost::Impl {
  std::optional<model::Predictor> predictor;
  std::array<std::array<double, model::kProtos>, model::kAlgos> skew{};
  const ncclTuner_v5_t* plugin = nullptr;
  void* plugin_ctx = nullptr;
  int max_ctas = 64, min_ctas = 1;
  double jitter = 0;
  std::uint64_t seed = 1, comm_hash = 0;
};

Cost::Cost(const Comm& c) : m(new Impl) {
  const char* file = std::getenv("COLLBENCH_STANDIN_TOPOLOGY");
  model::Topology topo;
  try {
    topo = model::read_topology(file && *file ? file : COLLBENCH_STANDIN_DEFAULT_TOPOLOGY);
    topo.nodes = c.nnodes;
    topo.gpus_per_node = c.max_local;
    topo.compute_capability = c.cc;
    // NCCL_ALGO, NCCL_PROTO and NCCL_COLLNET_ENABLE are read at every init (tuning.cc:419,424,
    // init.cc:1734); NCCL_NVLS_ENABLE, NCCL_PAT_ENABLE, NCCL_LL128_C2C, NCCL_NET_OVERHEAD are
    // NCCL_PARAMs, frozen at their first read.
    model::Settings s = model::parse_settings([](const std::string& name) {
      return name == "NCCL_ALGO" || name == "NCCL_PROTO" || name == "NCCL_COLLNET_ENABLE" ? live(name) : param(name);
    });
    if (c.collnet >= 0) s.collnet_enable = c.collnet;
    m->predictor.emplace(topo, s);
  } catch (const core::Error& e) {
    throw std::runtime_error(e.what());
  }
  m->skew = parse_skew();
  // Channels: the communicator's CTA bounds, and NCCL_MIN/MAX_NCHANNELS (frozen; connect.cc:322-356).
  m->max_ctas = c.max_ctas;
  m->min_ctas = c.min_ctas;
  if (const auto v = param("NCCL_MAX_NCHANNELS"); v && std::atoi(v->c_str()) > 0) m->max_ctas = std::min(m->max_ctas, std::atoi(v->c_str()));
  if (const auto v = param("NCCL_MIN_NCHANNELS"); v && std::atoi(v->c_str()) > 0) m->min_ctas = std::max(m->min_ctas, std::atoi(v->c_str()));
  m->min_ctas = std::min(m->min_ctas, m->max_ctas);
  const char* j = std::getenv("COLLBENCH_STANDIN_JITTER");
  m->jitter = j ? std::clamp(std::strtod(j, nullptr), 0.0, 0.9) : 0.0;
  m->seed = static_cast<std::uint64_t>(env_int("COLLBENCH_STANDIN_SEED", 1, 0, 1ll << 62));
  m->comm_hash = c.jitter_key;
  if (c.nranks > 1) m->plugin = tuner_plugin();  // one rank: no plugin (onerank.cu)
  if (m->plugin) {
    ncclNvlDomainInfo_v5_t nvl{c.nnodes, c.max_local, c.max_local};
    ncclTunerConstants_v5_t constants{};  // the stand-in does not expose the model's constants
    if (m->plugin->init(&m->plugin_ctx, c.hash, static_cast<std::size_t>(c.nranks), static_cast<std::size_t>(c.nnodes),
                        plugin_logger, &nvl, &constants) != ncclSuccess) {
      warn("TUNER/Plugin: init failed; NCCL's own choice is used");
      m->plugin = nullptr;
    }
  }
}

Cost::~Cost() {
  if (m->plugin && m->plugin_ctx) m->plugin->finalize(m->plugin_ctx);
}

bool Cost::choose(Func f, ncclDataType_t t, bool avg, std::size_t bytes, Choice* out) {
  const model::CostModel& cm = m->predictor->model();
  std::optional<model::Call> call = model::call_for(collective(f), data_type(t), avg ? core::RedOp::avg : core::RedOp::sum, bytes);
  if (!call) return false;
  float table[model::kAlgos][model::kProtos];
  for (int a = 0; a < model::kAlgos; ++a)
    for (int p = 0; p < model::kProtos; ++p)
      table[a][p] = static_cast<float>(cm.time_us(*call, static_cast<model::Algo>(a), static_cast<model::Proto>(p)));
  float model_time[model::kAlgos][model::kProtos];
  std::copy(&table[0][0], &table[0][0] + model::kAlgos * model::kProtos, &model_time[0][0]);
  int channels = 0;
  if (m->plugin)  // enqueue.cc:1776: the table is passed flat, [algo * NCCL_NUM_PROTOCOLS + proto]
    m->plugin->getCollInfo(m->plugin_ctx, static_cast<ncclFunc_t>(f), bytes, 1, reinterpret_cast<float**>(table),
                           model::kAlgos, model::kProtos, 0, &channels);
  int best_a = -1, best_p = -1;
  for (int a = 0; a < model::kAlgos; ++a)
    for (int p = 0; p < model::kProtos; ++p)
      if (table[a][p] >= 0 && (best_a < 0 || table[a][p] < table[best_a][best_p])) {
        best_a = a;
        best_p = p;
      }
  if (best_a < 0) return false;
  double us = model_time[best_a][best_p];
  const auto algo = static_cast<model::Algo>(best_a);
  const auto proto = static_cast<model::Proto>(best_p);
  const int graph_channels = std::max(1, m->predictor->system().graphs[static_cast<std::size_t>(best_a)].channels);
  if (channels <= 0) channels = std::clamp(graph_channels, m->min_ctas, m->max_ctas);
  if (us < 0) us = cm.latency(call->coll, algo, proto) + static_cast<double>(bytes) / 1e3;  // a cell the model ruled out
  // Fewer channels than the model's graph: the bandwidth part of the time grows in proportion.
  const double lat = cm.latency(call->coll, algo, proto);
  if (channels < graph_channels && us > lat) us = lat + (us - lat) * graph_channels / channels;
  us *= m->skew[static_cast<std::size_t>(best_a)][static_cast<std::size_t>(best_p)];  // the machine, not NCCL's model
  *out = Choice{best_a, best_p, channels, us, lat};
  return true;
}

double Cost::jitter(std::uint64_t seq) const {
  if (m->jitter <= 0) return 1.0;
  const std::uint64_t h = fnv1a(std::to_string(seq), m->seed * 0x9e3779b97f4a7c15ull ^ m->comm_hash);
  const double u = static_cast<double>(h >> 11) / static_cast<double>(1ull << 53);
  return 1.0 + m->jitter * (2 * u - 1);
}


}  // namespace cbsi
