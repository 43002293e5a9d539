#include "plan/launch_file.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.hpp"

namespace collbench::plan {

using nlohmann::json;

namespace {

json env_json(const EnvChanges& env) {
  json j = json::object();
  for (const auto& [k, v] : env) j[k] = v ? json(*v) : json(nullptr);
  return j;
}

EnvChanges env_from(const json& j) {
  EnvChanges env;
  for (const auto& [k, v] : j.items()) env[k] = v.is_null() ? std::nullopt : std::optional(v.get<std::string>());
  return env;
}

}  // namespace

std::string launch_file_text(const LaunchFile& f) {
  json blocks = json::array();
  for (const Block& b : f.launch.blocks) {
    json cases = json::array();
    for (const PlannedCase& c : b.cases) cases.push_back({{"id", c.id}, {"bytes", c.bytes}, {"in_place", c.in_place}});
    blocks.push_back({{"config_id", b.config_id}, {"knobs", b.knobs}, {"comm_env", env_json(b.comm_env)},
                      {"nccl_config", b.nccl_config}, {"mpi_t", b.mpi_t}, {"collective", core::name(b.coll)},
                      {"datatype", core::name(b.dtype)}, {"op", core::name(b.op)}, {"root", b.root}, {"rep", b.rep},
                      {"cases", cases}});
  }
  const json j = {{"sweep", f.sweep}, {"name", f.name}, {"store", f.store}, {"metadata", f.metadata}, {"started", f.started},
                  {"deadline_unix_s", f.deadline_unix_s}, {"stopped", f.stopped},
                  {"launch", {{"index", f.launch.index}, {"rep", f.launch.rep}, {"reps", f.launch.reps}, {"process", f.launch.process},
                              {"env", env_json(f.launch.env)}, {"blocks", blocks}}}};
  return j.dump(1) + "\n";
}

LaunchFile read_launch_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw core::InputError("--sweep-launch '" + path + "': cannot be read");
  std::stringstream ss;
  ss << in.rdbuf();
  LaunchFile f;
  try {
    const json j = json::parse(ss.str());
    f.sweep = j.at("sweep").get<std::string>();
    f.name = j.at("name").get<std::string>();
    f.store = j.at("store").get<std::string>();
    f.metadata = j.at("metadata").get<std::string>();
    f.started = j.at("started").get<std::string>();
    const json& l = j.at("launch");
    f.launch.index = l.at("index").get<int>();
    f.deadline_unix_s = j.at("deadline_unix_s").get<double>();
    f.stopped = j.at("stopped").get<std::string>();
    f.launch.rep = l.at("rep").get<int>();
    f.launch.reps = l.at("reps").get<int>();
    f.launch.process = l.at("process").get<Config>();
    f.launch.env = env_from(l.at("env"));
    for (const json& jb : l.at("blocks")) {
      Block b;
      b.config_id = jb.at("config_id").get<std::string>();
      b.knobs = jb.at("knobs").get<Config>();
      b.comm_env = env_from(jb.at("comm_env"));
      b.nccl_config = jb.at("nccl_config").get<std::map<std::string, std::string>>();
      b.mpi_t = jb.at("mpi_t").get<std::map<std::string, std::string>>();
      b.coll = core::parse_collectives(jb.at("collective").get<std::string>()).at(0);
      b.dtype = core::parse_datatype(jb.at("datatype").get<std::string>());
      b.op = core::parse_redop(jb.at("op").get<std::string>());
      b.root = jb.at("root").get<int>();
      b.rep = jb.at("rep").get<int>();
      for (const json& jc : jb.at("cases"))
        b.cases.push_back({jc.at("id").get<std::string>(), jc.at("bytes").get<std::uint64_t>(), jc.at("in_place").get<bool>()});
      f.launch.blocks.push_back(std::move(b));
    }
  } catch (const json::exception& e) {
    throw core::InputError("--sweep-launch '" + path + "': not a collbench launch file: " + e.what());
  }
  return f;
}

}  // namespace collbench::plan
