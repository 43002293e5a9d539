#include "results/json.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <concepts>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <string_view>
#include <type_traits>
#include <utility>

#include "core/collective.hpp"
#include "core/datatype.hpp"
#include "core/error.hpp"
#include "core/redop.hpp"
#include "core/json_text.hpp"
#include "results/file_io.hpp"

namespace collbench {
namespace {

using nlohmann::json;

// NaN and infinities have no JSON spelling: they are written as null and read back as NaN.
json num(double x) { return std::isfinite(x) ? json(x) : json(nullptr); }

// A missing field or a value of the wrong type. Turned into core::InputError at the API boundary.
struct FieldError {
  std::string path;
  std::string what;
  std::string message() const { return path.empty() ? what : path + ": " + what; }
};

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw FieldError{path, what};
}

[[noreturn]] void wrong_type(const json& j, const std::string& path, const char* expected) {
  fail(path, std::string("expected ") + expected + ", got " + j.type_name());
}

std::string member_path(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}
std::string item_path(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

// A short JSON value for messages; never throws on invalid UTF-8.
std::string quote(const json& j) {
  return j.is_structured() ? j.type_name() : j.dump(-1, ' ', false, json::error_handler_t::replace);
}

void expect_object(const json& j, const std::string& path) {
  if (!j.is_object()) wrong_type(j, path, "an object");
}

// Member `key` of the object `j` at `path`, or nullptr when absent.
const json* find_member(const json& j, const std::string& path, const char* key) {
  expect_object(j, path);
  const auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

void expect_one_of(const std::string& path, const std::string& value,
                   std::initializer_list<std::string_view> allowed) {
  std::string list;
  for (const std::string_view a : allowed) {
    if (value == a) return;
    list += (list.empty() ? "\"" : ", \"") + std::string(a) + "\"";
  }
  fail(path, "expected one of " + list + ", got " + quote(value));
}

void load(const json& j, const std::string& path, double& v) {
  if (j.is_null()) {
    v = std::numeric_limits<double>::quiet_NaN();
    return;
  }
  if (!j.is_number()) wrong_type(j, path, "a number");
  v = j.get<double>();
}

// Any integer type but bool; the value must fit.
template <std::integral T>
  requires(!std::same_as<T, bool>)
void load(const json& j, const std::string& path, T& v) {
  constexpr bool is_unsigned = std::is_unsigned_v<T>;
  if (!j.is_number_integer()) wrong_type(j, path, is_unsigned ? "a non-negative integer" : "an integer");
  const bool fits = j.is_number_unsigned() ? std::in_range<T>(j.get<std::uint64_t>())
                                           : std::in_range<T>(j.get<std::int64_t>());
  if (!fits && is_unsigned) fail(path, "expected a non-negative integer, got " + quote(j));
  if (!fits) {
    fail(path, "expected an integer in [" + std::to_string(std::numeric_limits<T>::min()) + ", " +
                   std::to_string(std::numeric_limits<T>::max()) + "], got " + quote(j));
  }
  v = j.get<T>();
}

void load(const json& j, const std::string& path, bool& v) {
  if (!j.is_boolean()) wrong_type(j, path, "true or false");
  v = j.get<bool>();
}

void load(const json& j, const std::string& path, std::string& v) {
  if (!j.is_string()) wrong_type(j, path, "a string");
  v = j.get<std::string>();
}

// Member `key` of the object `j` at `path`. An absent optional member leaves `v` as it is.
// Defined after every load() overload, which its body must see.
template <class T>
void field(const json& j, const std::string& path, const char* key, T& v, bool required = true);
// An optional object member: absent or null resets `v`. Defined with field().
template <class T>
void optional_field(const json& j, const std::string& path, const char* key, std::optional<T>& v);

template <class S, class T>
concept is = std::same_as<std::remove_const_t<S>, T>;

template <is<stats::MedianCI> S, class F>
void fields(S& v, F&& f) {
  f("lo", v.lo), f("hi", v.hi), f("level", v.level), f("rel_half_width", v.rel_half_width);
}

template <is<stats::Summary> S, class F>
void fields(S& v, F&& f) {
  f("n", v.n), f("min", v.min), f("mean", v.mean), f("p50", v.p50), f("p90", v.p90);
  f("p99", v.p99), f("p999", v.p999), f("max", v.max), f("stddev", v.stddev), f("cv", v.cv);
  f("median_ci", v.median_ci);
}

template <is<results::RankSummary> S, class F>
void fields(S& v, F&& f) {
  f("rank", v.rank), f("host", v.host), f("time_us", v.time_us);
  f("outside_call_us", v.outside_call_us), f("in_call_us", v.in_call_us), f("wrong", v.wrong);
}

template <is<results::GroupNode> S, class F>
void fields(S& v, F&& f) {
  f("label", v.label), f("host", v.host), f("ranks", v.ranks);
}

template <is<results::GroupInfo> S, class F>
void fields(S& v, F&& f) {
  f("kind", v.kind), f("round", v.round), f("index", v.index), f("nodes", v.nodes);
}

template <is<results::NcclTestsFigure> S, class F>
void fields(S& v, F&& f) {
  f("time_us", v.time_us), f("algbw_gbps", v.algbw_gbps), f("busbw_gbps", v.busbw_gbps);
}

template <is<results::PrintedFigure> S, class F>
void fields(S& v, F&& f) {
  f("time_us", v.time_us), f("algbw_gbps", v.algbw_gbps), f("busbw_gbps", v.busbw_gbps);
}

template <is<results::Straggler> S, class F>
void fields(S& v, F&& f) {
  f("rank", v.rank), f("host", v.host), f("outside_call_us", v.outside_call_us);
  f("others_us", v.others_us);
}

// Without the optional error, straggler and samples_us.
template <is<results::ResultRecord> S, class F>
void fields(S& v, F&& f) {
  f("collective", v.collective), f("bytes", v.bytes), f("requested_bytes", v.requested_bytes);
  f("count", v.count), f("datatype", v.datatype), f("op", v.op), f("root", v.root);
  f("placement", v.placement), f("nranks", v.nranks), f("wrong", v.wrong);
  f("checked", v.checked), f("status", v.status), f("warmup_iters", v.warmup_iters);
  f("iters", v.iters), f("stop_reason", v.stop_reason), f("time_us", v.time_us);
  f("algbw_gbps", v.algbw_gbps), f("busbw_gbps", v.busbw_gbps);
  f("algbw_mean_gbps", v.algbw_mean_gbps), f("busbw_mean_gbps", v.busbw_mean_gbps);
  f("per_rank", v.per_rank);
}

template <is<results::HostRanks> S, class F>
void fields(S& v, F&& f) {
  f("host", v.host), f("ranks", v.ranks);
}

template <is<results::DeviceRecord> S, class F>
void fields(S& v, F&& f) {
  f("rank", v.rank), f("host", v.host), f("details", v.details);
}

template <is<results::ImportInfo> S, class F>
void fields(S& v, F&& f) {
  f("source", v.source), f("format", v.format), f("tool", v.tool), f("tool_version", v.tool_version);
  f("program", v.program), f("complete", v.complete), f("source_bytes", v.source_bytes);
  f("fingerprint", v.fingerprint), f("missing", v.missing), f("notes", v.notes);
  f("avg_busbw_gbps", v.avg_busbw_gbps), f("out_of_bounds", v.out_of_bounds);
}

template <is<results::RunMetadata> S, class F>
void fields(S& v, F&& f) {
  f("tool", v.tool), f("version", v.version), f("command_line", v.command_line);
  f("start_time", v.start_time), f("end_time", v.end_time), f("backend", v.backend);
  f("backend_library", v.backend_library), f("timer", v.timer);
  f("nranks", v.nranks), f("hosts", v.hosts), f("env", v.env), f("settings", v.settings);
}

json out(double x) { return num(x); }

json out(const std::vector<double>& xs) {
  json a = json::array();
  for (const double x : xs) a.push_back(num(x));
  return a;
}

template <class T>
json out(const T& x) {
  return json(x);
}

template <class S>
json write_fields(const S& v) {
  json j = json::object();
  fields(v, [&j](const char* key, const auto& x) { j[key] = out(x); });
  return j;
}

template <class S>
void load_fields(const json& j, const std::string& path, S& v, bool required = true) {
  expect_object(j, path);
  fields(v, [&](const char* key, auto& x) { field(j, path, key, x, required); });
}

template <class S>
  requires(is<S, stats::MedianCI> || is<S, stats::Summary> || is<S, results::Straggler> || is<S, results::GroupInfo> || is<S, results::GroupNode> ||
           is<S, results::DeviceRecord> || is<S, results::NcclTestsFigure> || is<S, results::PrintedFigure>)
void load(const json& j, const std::string& path, S& v) {
  load_fields(j, path, v);
}

// algbw_definition came with schema version 9: optional.
void load(const json& j, const std::string& path, results::ImportInfo& v) {
  load_fields(j, path, v);
  field(j, path, "algbw_definition", v.algbw_definition, false);
}

// slurm_node came with schema version 6: optional.
void load(const json& j, const std::string& path, results::HostRanks& v) {
  load_fields(j, path, v);
  field(j, path, "slurm_node", v.slurm_node, false);
}

// Every field but the job id is optional: Slurm does not always say everything.
void load(const json& j, const std::string& path, core::SlurmJob& v) {
  field(j, path, "job_id", v.job_id);
  const std::initializer_list<std::pair<const char*, std::string*>> strings = {
      {"step_id", &v.step_id}, {"job_name", &v.job_name}, {"cluster", &v.cluster}, {"partition", &v.partition},
      {"array_job_id", &v.array_job_id}, {"array_task_id", &v.array_task_id}, {"nodelist", &v.nodelist}};
  for (const auto& [key, s] : strings) field(j, path, key, *s, false);
  field(j, path, "nodes", v.nodes, false);
  field(j, path, "tasks_per_node", v.tasks_per_node, false);
  field(j, path, "ntasks", v.ntasks, false);
  field(j, path, "nnodes", v.nnodes, false);
}

// has_pmi is not recorded: a run that reached MPI had it.
void load(const json& j, const std::string& path, core::LaunchInfo& v) {
  field(j, path, "launcher", v.launcher);
  expect_one_of(member_path(path, "launcher"), v.launcher, {"srun", "mpirun", "mpiexec", "torchrun", "collbench-launch", "none"});
  field(j, path, "control_plane", v.control_plane, false);
  if (!v.control_plane.empty()) expect_one_of(member_path(path, "control_plane"), v.control_plane, {"mpi", "nccl", "none"});
  field(j, path, "rendezvous", v.rendezvous, false);
  field(j, path, "rendezvous_source", v.rendezvous_source, false);
  field(j, path, "local_tasks", v.local_tasks, false);
  field(j, path, "cpus", v.cpus, false);
  field(j, path, "oversubscribed", v.oversubscribed, false);
  field(j, path, "set_yield_when_idle", v.set_yield_when_idle, false);
  optional_field(j, path, "slurm", v.slurm);
}

// backend_details and devices came with schema version 2, launch with 6: optional. predicted came
// with the model backend in version 5 documents, so it is optional too.
void load(const json& j, const std::string& path, results::RunMetadata& v) {
  load_fields(j, path, v);
  field(j, path, "predicted", v.predicted, false);
  field(j, path, "standin", v.standin, false);
  field(j, path, "backend_details", v.backend_details, false);
  optional_field(j, path, "launch", v.launch);
  field(j, path, "devices", v.devices, false);
  optional_field(j, path, "imported", v.imported);
}

// Every field of a per_rank entry is optional.
void load(const json& j, const std::string& path, results::RankSummary& v) {
  load_fields(j, path, v, false);
}

// The names and figures every reader relies on: a collective, type, op or placement collbench
// does not know would become a baseline expectation for "bogus"; a negative time a latency floor of
// -5 in a report.
void check_record(const results::ResultRecord& v, const std::string& path) {
  if (!core::find_collective(v.collective))
    fail(member_path(path, "collective"), "expected allreduce, allgather, reducescatter, alltoall, broadcast or reduce, got " +
                                              quote(v.collective));
  try {
    (void)core::parse_datatype(v.datatype);
  } catch (const core::InputError&) {
    fail(member_path(path, "datatype"), "expected a data type (int8 … f8e5m2, README), got " + quote(v.datatype));
  }
  if (!core::is_record_op(v.op))
    fail(member_path(path, "op"), "expected one of \"sum\", \"prod\", \"min\", \"max\", \"avg\", \"mulsum\", \"none\", got " + quote(v.op));
  expect_one_of(member_path(path, "placement"), v.placement, {"out_of_place", "in_place"});
  if (v.nranks < 1) fail(member_path(path, "nranks"), "expected a positive number of ranks, got " + std::to_string(v.nranks));
  const stats::Summary& t = v.time_us;
  for (const auto& [key, x] : {std::pair{"min", t.min}, {"mean", t.mean}, {"p50", t.p50}, {"p90", t.p90}, {"p99", t.p99},
                               {"p999", t.p999}, {"max", t.max}, {"stddev", t.stddev}})
    if (x < 0) fail(member_path(member_path(path, "time_us"), key), "expected a time of 0 or more, got " + json(x).dump());
  if ((v.status == "ok" || v.status == "wrong") && t.p50 == 0 && t.mean == 0)
    fail(member_path(member_path(path, "time_us"), "p50"), "expected a positive time for a measured case, got 0");
  for (const auto& [key, x] : {std::pair{"algbw_gbps", v.algbw_gbps}, {"busbw_gbps", v.busbw_gbps},
                               {"algbw_mean_gbps", v.algbw_mean_gbps}, {"busbw_mean_gbps", v.busbw_mean_gbps}})
    if (x < 0) fail(member_path(path, key), "expected a bandwidth of 0 or more, got " + json(x).dump());
}

void load(const json& j, const std::string& path, results::ResultRecord& v) {
  load_fields(j, path, v);
  expect_one_of(member_path(path, "status"), v.status, {"ok", "wrong", "skipped", "timeout", "failed"});
  check_record(v, path);
  field(j, path, "error", v.error, false);
  field(j, path, "backend_notes", v.backend_notes, false);
  field(j, path, "samples_us", v.samples_us, false);
  field(j, path, "missing", v.missing, false);
  optional_field(j, path, "straggler", v.straggler);
  optional_field(j, path, "group", v.group);
  optional_field(j, path, "nccl_tests", v.nccl_tests);  // schema 7
  optional_field(j, path, "printed", v.printed);        // schema 9
  if (v.group) expect_one_of(member_path(member_path(path, "group"), "kind"), v.group->kind, {"node", "pair"});
}

template <class T>
void load(const json& j, const std::string& path, std::vector<T>& v) {
  if (!j.is_array()) wrong_type(j, path, "an array");
  v.assign(j.size(), T{});
  for (std::size_t i = 0; i < j.size(); ++i) load(j[i], item_path(path, i), v[i]);
}

template <class T>
void load(const json& j, const std::string& path, std::map<std::string, T>& v) {
  expect_object(j, path);
  v.clear();
  for (const auto& [key, value] : j.items()) load(value, member_path(path, key), v[key]);
}

template <class T>
void field(const json& j, const std::string& path, const char* key, T& v, bool required) {
  const json* m = find_member(j, path, key);
  if (m != nullptr) {
    load(*m, member_path(path, key), v);
  } else if (required) {
    fail(member_path(path, key), "missing required field");
  }
}

template <class T>
void optional_field(const json& j, const std::string& path, const char* key, std::optional<T>& v) {
  if (const json* m = find_member(j, path, key); m != nullptr && !m->is_null()) {
    load(*m, member_path(path, key), v.emplace());
  } else {
    v.reset();
  }
}

// from_json for a value on its own: paths are relative to it.
template <class T>
void load_or_throw(const json& j, T& v) {
  try {
    load(j, "", v);
  } catch (const FieldError& e) {
    throw core::InputError(e.message());
  }
}

// "schema" and "schema_version" of a run document; returns the version.
int check_schema(const json& j) {
  if (!j.is_object()) wrong_type(j, "", "a collbench.run document (a JSON object)");
  const json* schema = find_member(j, "", "schema");
  if (schema == nullptr || !schema->is_string() || *schema != results::kSchemaName) {
    fail("schema", std::string("expected \"") + results::kSchemaName + "\", got " +
                       (schema == nullptr ? "nothing" : quote(*schema)));
  }
  int version = 0;
  field(j, "", "schema_version", version);
  if (version > results::kSchemaVersion) {
    fail("schema_version", std::to_string(version) + " is newer than this build of collbench reads (" +
                               std::to_string(results::kSchemaVersion) + "); use a newer collbench");
  }
  if (version < 1) fail("schema_version", "expected a positive integer, got " + std::to_string(version));
  return version;
}

// nlohmann's message on one line, without its "[json.exception.parse_error.101] " prefix.
std::string parser_message(const json::exception& e) {
  std::string text = e.what();
  if (const auto end = text.find("] "); text.starts_with("[json.exception.") && end != text.npos) {
    text.erase(0, end + 2);
  }
  std::ranges::replace_if(text, [](char c) { return c == '\n' || c == '\r'; }, ' ');
  return text;
}

[[noreturn]] void cannot_write(const std::string& path, int err, const std::string& flag = "--json") {
  throw core::InputError(flag + " '" + path + "': cannot write: " + std::strerror(err));
}



}  // namespace

namespace stats {

void to_json(nlohmann::json& j, const MedianCI& v) { j = write_fields(v); }
void from_json(const nlohmann::json& j, MedianCI& v) { load_or_throw(j, v); }
void to_json(nlohmann::json& j, const Summary& v) { j = write_fields(v); }
void from_json(const nlohmann::json& j, Summary& v) { load_or_throw(j, v); }

}  // namespace stats

namespace results {

void to_json(nlohmann::json& j, const RankSummary& v) { j = write_fields(v); }
void from_json(const nlohmann::json& j, RankSummary& v) { load_or_throw(j, v); }
void to_json(nlohmann::json& j, const Straggler& v) { j = write_fields(v); }
void from_json(const nlohmann::json& j, Straggler& v) { load_or_throw(j, v); }

void to_json(nlohmann::json& j, const GroupNode& v) { j = write_fields(v); }
void to_json(nlohmann::json& j, const GroupInfo& v) { j = write_fields(v); }

// error, straggler, samples_us, nccl_tests and printed only when they hold something.
void to_json(nlohmann::json& j, const ResultRecord& v) {
  j = write_fields(v);
  if (v.nccl_tests) j["nccl_tests"] = write_fields(*v.nccl_tests);
  if (v.printed) j["printed"] = write_fields(*v.printed);
  if (!v.error.empty()) j["error"] = v.error;
  if (v.straggler) j["straggler"] = *v.straggler;
  if (v.group) j["group"] = *v.group;
  if (!v.samples_us.empty()) j["samples_us"] = out(v.samples_us);
  if (!v.backend_notes.empty()) j["backend_notes"] = v.backend_notes;
  if (!v.missing.empty()) j["missing"] = v.missing;
}

void from_json(const nlohmann::json& j, ResultRecord& v) { load_or_throw(j, v); }
void to_json(nlohmann::json& j, const HostRanks& v) {
  j = write_fields(v);
  if (!v.slurm_node.empty()) j["slurm_node"] = v.slurm_node;
}
void from_json(const nlohmann::json& j, HostRanks& v) { load_or_throw(j, v); }
void to_json(nlohmann::json& j, const DeviceRecord& v) { j = write_fields(v); }
void from_json(const nlohmann::json& j, DeviceRecord& v) { load_or_throw(j, v); }
namespace {

// Slurm's strings only when Slurm gave them; the lists and counts likewise.
json slurm_json(const core::SlurmJob& s) {
  json j = {{"job_id", s.job_id}};
  const std::initializer_list<std::pair<const char*, const std::string*>> strings = {
      {"step_id", &s.step_id}, {"job_name", &s.job_name}, {"cluster", &s.cluster}, {"partition", &s.partition},
      {"array_job_id", &s.array_job_id}, {"array_task_id", &s.array_task_id}, {"nodelist", &s.nodelist}};
  for (const auto& [key, v] : strings)
    if (!v->empty()) j[key] = *v;
  if (!s.nodes.empty()) j["nodes"] = s.nodes;
  if (!s.tasks_per_node.empty()) j["tasks_per_node"] = s.tasks_per_node;
  if (s.ntasks > 0) j["ntasks"] = s.ntasks;
  if (s.nnodes > 0) j["nnodes"] = s.nnodes;
  return j;
}

json launch_json(const core::LaunchInfo& l) {
  json j = {{"launcher", l.launcher}};
  if (l.launcher == "srun") {
    j["local_tasks"] = l.local_tasks;
    j["cpus"] = l.cpus;
    j["oversubscribed"] = l.oversubscribed;
    j["set_yield_when_idle"] = l.set_yield_when_idle;
  }
  if (!l.control_plane.empty()) j["control_plane"] = l.control_plane;
  if (!l.rendezvous.empty()) {
    j["rendezvous"] = l.rendezvous;
    j["rendezvous_source"] = l.rendezvous_source;
  }
  if (l.slurm) j["slurm"] = slurm_json(*l.slurm);
  return j;
}

}  // namespace

// backend_details and devices only when the backend gives them.
void to_json(nlohmann::json& j, const RunMetadata& v) {
  j = write_fields(v);
  j["predicted"] = v.predicted;
  if (v.standin) j["standin"] = true;  // only on the stand-in: documents from GPUs stay as they were
  if (v.launch) j["launch"] = launch_json(*v.launch);
  if (!v.backend_details.empty()) j["backend_details"] = v.backend_details;
  if (!v.devices.empty()) j["devices"] = v.devices;
  if (v.imported) {
    j["imported"] = write_fields(*v.imported);
    if (!v.imported->algbw_definition.empty()) j["imported"]["algbw_definition"] = v.imported->algbw_definition;
  }
}
void from_json(const nlohmann::json& j, RunMetadata& v) { load_or_throw(j, v); }

// Always the current version: this build writes only the current layout.
void to_json(nlohmann::json& j, const RunDocument& v) {
  j = json{{"schema", kSchemaName},
           {"schema_version", kSchemaVersion},
           {"status", v.status},
           {"metadata", v.metadata},
           {"results", v.results}};
}

RunDocument parse_document(const nlohmann::json& j, const std::string& source) {
  try {
    RunDocument doc;
    doc.schema_version = check_schema(j);
    field(j, "", "status", doc.status);
    expect_one_of("status", doc.status, {"running", "ok", "wrong", "failed", "interrupted"});
    field(j, "", "metadata", doc.metadata);
    field(j, "", "results", doc.results);
    return doc;
  } catch (const FieldError& e) {
    throw core::InputError(source + ": " + e.message());
  } catch (const nlohmann::json::exception& e) {
    throw core::InputError(source + ": " + parser_message(e));
  }
}

RunDocument read_document_file(const std::string& path) {
  const std::string text = read_file_text(path);
  core::JsonParse j = core::parse_json(text);
  if (j.status == core::JsonParse::Status::not_json) throw core::InputError(path + ": not valid JSON: " + j.problem);
  if (!j.ok()) throw core::InputError(path + ": " + j.problem);
  return parse_document(j.value, path);
}

void write_document_file(const std::string& path, const RunDocument& doc) {
  // Invalid UTF-8 (from argv or the environment) becomes U+FFFD instead of failing the write.
  try {
    write_file_atomically(path, json(doc).dump(1, ' ', false, json::error_handler_t::replace) + "\n");
  } catch (const core::InputError& e) {
    throw core::InputError(std::string("--json ") + e.what());
  }
}

void check_writable(const std::string& path, const std::string& flag) {
  if (path.empty()) throw core::InputError(flag + " '': expected a file path");
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) {
      throw core::InputError(flag + " '" + path + "': is a directory, expected a file path");
    }
    // The file is replaced by rename(): a device or a pipe (/dev/null, /dev/stdout) would be.
    if (!S_ISREG(st.st_mode)) {
      throw core::InputError(flag + " '" + path + "': is not a regular file, expected a file path");
    }
  }
  const std::string tmp = path + ".tmp";
  bool created = true;
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  // A PATH.tmp left by an interrupted run is kept: writing replaces it, so it need only be writable.
  if (fd < 0 && errno == EEXIST) {
    created = false;
    fd = ::open(tmp.c_str(), O_WRONLY | O_CLOEXEC);
  }
  if (fd < 0) cannot_write(path, errno, flag);
  ::close(fd);
  if (created) ::unlink(tmp.c_str());
}

}  // namespace results
}  // namespace collbench
