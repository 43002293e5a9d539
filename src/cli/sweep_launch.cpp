#include "cli/sweep_launch.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <thread>
#include <tuple>

#include <nlohmann/json.hpp>

#include "backend/mpi/mpi_backend.hpp"
#include "cli/run_setup.hpp"
#include "measure/session.hpp"
#include "plan/launch_file.hpp"
#include "report/table.hpp"
#include "results/json.hpp"
#include "results/metadata.hpp"
#include "results/store.hpp"

namespace collbench::cli {

namespace {

// Rank 0's sink for one block: the table on stdout (the launch's log) and each case appended to
// the store under its id.
class BlockSink final : public measure::ResultSink {
 public:
  BlockSink(const plan::LaunchFile& f, const plan::Block& b, results::StoreAppender& store, report::TablePrinter& table)
      : m_file(f), m_block(b), m_store(store), m_table(table) {}
  void begin_collective(core::Collective c) override {
    m_table.begin_collective(core::name(c), core::nccl_tests_name(c), placements());
  }
  void row(std::span<const results::ResultRecord> records) override {
    m_table.row(records);
    for (const results::ResultRecord& r : records) {
      results::StoredCase sc;
      sc.case_id = id_of(r);
      sc.config_id = m_block.config_id;
      sc.knobs = m_block.knobs;
      sc.rep = m_file.launch.rep;
      sc.launch = m_file.name;
      sc.result = r;
      m_store.append(sc);
    }
  }
  void end_collective(core::Collective) override { m_table.end_collective(); }

 private:
  std::vector<bool> placements() const {
    std::set<bool> p;
    for (const auto& c : m_block.cases) p.insert(c.in_place);
    return {p.begin(), p.end()};
  }
  std::string id_of(const results::ResultRecord& r) const {
    const bool in_place = r.placement == "in_place";
    for (const auto& c : m_block.cases)
      if (c.bytes == r.requested_bytes && c.in_place == in_place) return c.id;
    throw core::RunError(fmt::format("launch {}: a {} B {} result that the launch file did not ask for",
                                     m_file.name, r.requested_bytes, r.placement));
  }
  const plan::LaunchFile& m_file;
  const plan::Block& m_block;
  results::StoreAppender& m_store;
  report::TablePrinter& m_table;
};

class NullSink final : public measure::ResultSink {
 public:
  void begin_collective(core::Collective) override {}
  void row(std::span<const results::ResultRecord>) override {}
  void end_collective(core::Collective) override {}
};

// The per-communicator environment of a block: NCCL reads these at each communicator init.
void apply_env(const plan::EnvChanges& env) {
  for (const auto& [name, value] : env) {
    if (value) ::setenv(name.c_str(), value->c_str(), 1);
    else ::unsetenv(name.c_str());
  }
}

backend::nccl::NcclOptions nccl_options(backend::nccl::NcclOptions o, const std::map<std::string, std::string>& fields) {
  for (const auto& [field, value] : fields) {
    const int v = std::stoi(value);
    if (field == "minCTAs") o.min_ctas = v;
    else if (field == "maxCTAs") o.max_ctas = v;
    else if (field == "CTAPolicy") o.cta_policy = v;
    else if (field == "cgaClusterSize") o.cga_cluster_size = v;
    else if (field == "nChannelsPerNetPeer") o.channels_per_net_peer = v;
    else if (field == "collnetEnable") o.collnet_enable = v;
    else throw core::InputError("launch file: unknown ncclConfig_t field '" + field + "'");
  }
  return o;
}

plan::RunPlan block_plan(const plan::Block& b) {
  plan::RunPlan p;
  p.collectives = {b.coll};
  p.dtype = b.dtype;
  p.op = b.op;
  p.root = b.root;
  std::set<std::uint64_t> sizes;
  std::set<bool> placements;
  for (const auto& c : b.cases) sizes.insert(c.bytes), placements.insert(c.in_place);
  p.sizes.assign(sizes.begin(), sizes.end());
  p.placements.assign(placements.begin(), placements.end());  // false (out-of-place) first
  return p;
}

}  // namespace

core::ExitCode run_sweep_launch(const RunConfig& cfg, const measure::World& world, int argc, char** argv, char** envp) {
  plan::LaunchFile file;
  try {
    file = plan::read_launch_file(cfg.launch_file);
  } catch (const core::InputError& e) {
    return fail_together(world, e.what(), core::ExitCode::bad_input);
  }
  std::string refusal;
  if (resolve_backend(cfg, world, &refusal).empty()) return fail_together(world, refusal, core::ExitCode::run_failed);
  if (world.is_root()) results::write_file_atomically(file.started, results::iso8601_utc(std::chrono::system_clock::now()) + "\n");
  std::unique_ptr<results::StoreAppender> store;
  if (world.is_root()) store = std::make_unique<results::StoreAppender>(file.store);
  report::TablePrinter table(stdout);
  NullSink null_sink;
  bool any_wrong = false, metadata_written = false;

  const auto& blocks = file.launch.blocks;
  for (std::size_t first = 0; first < blocks.size();) {
    // Blocks with the same per-communicator settings share one communicator.
    std::size_t last = first + 1;
    while (last < blocks.size() && blocks[last].comm_env == blocks[first].comm_env &&
           blocks[last].nccl_config == blocks[first].nccl_config)
      ++last;
    apply_env(blocks[first].comm_env);
    std::unique_ptr<backend::Backend> be;
    if (cfg.backend == "nccl") {
      be = make_nccl(nccl_options(cfg.nccl, blocks[first].nccl_config), world, &refusal);
      if (!be) return fail_together(world, "configuration " + plan::describe(blocks[first].knobs) + ": " + refusal,
                                    core::ExitCode::run_failed);
    } else {
      be = backend::make_mpi_backend(world.comm());
    }
    be->set_faults(core::faults_for_rank(cfg.faults, world.rank()));
    if (!metadata_written) {
      results::RunMetadata m = make_metadata(cfg, world, be->info(), argc, argv, envp);
      add_backend_details(m, *be, world);
      m.settings["sweep"] = file.sweep;
      m.settings["launch"] = file.name;
      if (world.is_root()) {
        results::write_file_atomically(file.metadata, nlohmann::json(m).dump(1) + "\n");
        table.preamble(m);
      }
      metadata_written = true;
    }
    for (std::size_t i = first; i < last; ++i) {
      const plan::Block& b = blocks[i];
      if (world.is_root()) table.note("configuration " + b.config_id + ": " + plan::describe(b.knobs));
      std::set<std::pair<std::uint64_t, bool>> wanted;
      for (const auto& c : b.cases) wanted.insert({c.bytes, c.in_place});
      measure::SessionOptions sopt{cfg.measure, be->info().aborts_on_timeout && cfg.timeout_s > 0 ? cfg.timeout_s + 30.0 : cfg.timeout_s, {}};
      sopt.want = [&wanted](const backend::CaseSpec& s) { return wanted.count({s.requested_bytes, s.in_place}) > 0; };
      std::unique_ptr<BlockSink> sink;
      if (world.is_root()) sink = std::make_unique<BlockSink>(file, b, *store, table);
      measure::ResultSink& out = world.is_root() ? static_cast<measure::ResultSink&>(*sink) : null_sink;
      try {
        any_wrong = measure::run_session(*be, world, block_plan(b), sopt, out) == core::ExitCode::wrong || any_wrong;
      } catch (const core::Error& e) {
        std::fprintf(stderr, "collbench: rank %d on %s: configuration %s: %s\n", world.rank(), world.host().c_str(),
                     plan::describe(b.knobs).c_str(), e.what());
        std::fflush(nullptr);
        if (!world.is_root() && dynamic_cast<const core::TimeoutError*>(&e) != nullptr)
          std::this_thread::sleep_for(std::chrono::seconds(3));
        world.abort(static_cast<int>(core::ExitCode::run_failed));
      }
    }
    be.reset();  // the communicator is destroyed before the next one is made
    first = last;
  }
  std::fflush(stdout);
  world.barrier();
  return any_wrong ? core::ExitCode::wrong : core::ExitCode::ok;
}

}  // namespace collbench::cli
