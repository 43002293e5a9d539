#include "cli/sweep_launch.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <tuple>

#include <nlohmann/json.hpp>

#include "backend/mpi/mpi_backend.hpp"
#include "backend/nccl/nccl_setup.hpp"
#include "cli/launch_env.hpp"
#include "cli/run_setup.hpp"
#include "measure/session.hpp"
#include "plan/launch_file.hpp"
#include "report/table.hpp"
#include "results/file_io.hpp"
#include "results/json.hpp"
#include "results/metadata.hpp"
#include "results/store.hpp"

namespace collbench::cli {

namespace {

// Rank 0's sink for one block: the table on stdout (the launch's log) and each case appended to
// the store under its id.
class BlockSink final : public measure::ResultSink {
 public:
  BlockSink(const plan::LaunchFile& f, const plan::Block& b, std::vector<bool> placements, results::StoreAppender& store,
            report::TablePrinter& table)
      : m_file(f), m_block(b), m_placements(std::move(placements)), m_store(store), m_table(table) {}
  void begin_collective(core::Collective c) override {
    m_table.begin_collective(core::name(c), core::nccl_tests_name(c), m_placements);
  }
  void row(std::span<const results::ResultRecord> records) override {
    m_table.row(records);
    for (const results::ResultRecord& r : records) {
      results::StoredCase sc;
      sc.case_id = id_of(r);
      sc.config_id = m_block.config_id;
      sc.knobs = m_block.knobs;
      sc.rep = m_block.rep;
      sc.launch = m_file.name;
      sc.result = r;
      m_store.append(sc);
    }
  }
  void end_collective(core::Collective) override { m_table.end_collective(); }

 private:
  std::string id_of(const results::ResultRecord& r) const {
    const bool in_place = r.placement == "in_place";
    for (const auto& c : m_block.cases)
      if (c.bytes == r.requested_bytes && c.in_place == in_place) return c.id;
    throw core::RunError(fmt::format("launch {}: a {} B {} result that the launch file did not ask for",
                                     m_file.name, r.requested_bytes, r.placement));
  }
  const plan::LaunchFile& m_file;
  const plan::Block& m_block;
  std::vector<bool> m_placements;
  results::StoreAppender& m_store;
  report::TablePrinter& m_table;
};

}  // namespace

backend::nccl::NcclOptions block_nccl_options(backend::nccl::NcclOptions o, const std::map<std::string, std::string>& fields,
                                              const backend::nccl::EnvLookup& env) {
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
  return backend::nccl::checked_config(o, env, true);
}

namespace {

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

core::ExitCode run_sweep_launch(const RunConfig& cfg, const measure::World& world, const core::LaunchInfo& launch,
                                int argc, char** argv, char** envp) {
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
  measure::NullSink null_sink;
  bool any_wrong = false, metadata_written = false;

  // A knob a block leaves at its default gets the launch's starting value back, nccl.conf's included.
  if (cfg.backend == "nccl") apply_nccl_conf_files();
  LaunchEnvironment env;
  const auto& blocks = file.launch.blocks;
  // The sweep's time budget: rank 0's clock decides for every rank, between blocks, after the first.
  auto past_deadline = [&](std::size_t i) {
    int stop = 0;
    if (world.is_root() && i > 0 && file.deadline_unix_s > 0)
      stop = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count() >= file.deadline_unix_s;
    return world.broadcast(stop) == 1;
  };
  bool stopped = false;
  for (std::size_t first = 0; first < blocks.size() && !stopped;) {
    // Blocks with the same per-communicator settings share one communicator.
    std::size_t last = first + 1;
    while (last < blocks.size() && blocks[last].comm_env == blocks[first].comm_env &&
           blocks[last].nccl_config == blocks[first].nccl_config && blocks[last].mpi_t == blocks[first].mpi_t)
      ++last;
    env.apply(blocks[first].comm_env);
    std::unique_ptr<backend::Backend> be;
    if (cfg.backend == "nccl") {
      backend::nccl::NcclOptions options;
      try {
        options = block_nccl_options(cfg.nccl, blocks[first].nccl_config, backend::nccl::process_env());
      } catch (const core::InputError& e) {
        return fail_together(world, "configuration " + plan::describe(blocks[first].knobs) + ": " + e.what(),
                             core::ExitCode::bad_input);
      }
      be = make_nccl(options, world, &refusal);
      if (!be) return fail_together(world, "configuration " + plan::describe(blocks[first].knobs) + ": " + refusal,
                                    core::ExitCode::run_failed);
    } else {
      try {  // the same settings on every rank: a refusal comes from every rank alike
        be = backend::make_mpi_backend(world, blocks[first].mpi_t);
      } catch (const core::InputError& e) {
        return fail_together(world, "configuration " + plan::describe(blocks[first].knobs) + ": " + e.what(),
                             core::ExitCode::bad_input);
      }
    }
    be->set_faults(core::faults_for_rank(cfg.faults, world.rank()));
    if (!metadata_written) {
      results::RunMetadata m = make_metadata(cfg, world, be->info(), launch, argc, argv, envp);
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
      if ((stopped = past_deadline(i))) {
        if (world.is_root()) results::write_file_atomically(file.stopped, "time budget\n");
        break;
      }
      const plan::Block& b = blocks[i];
      if (world.is_root()) table.note("configuration " + b.config_id + ": " + plan::describe(b.knobs));
      std::set<std::pair<std::uint64_t, bool>> wanted;
      for (const auto& c : b.cases) wanted.insert({c.bytes, c.in_place});
      measure::SessionOptions sopt = session_options(cfg, be->info());
      sopt.want = [&wanted](const backend::CaseSpec& s) { return wanted.count({s.requested_bytes, s.in_place}) > 0; };
      std::unique_ptr<BlockSink> sink;
      const plan::RunPlan run_plan = block_plan(b);
      if (world.is_root()) sink = std::make_unique<BlockSink>(file, b, run_plan.placements, *store, table);
      measure::ResultSink& out = world.is_root() ? static_cast<measure::ResultSink&>(*sink) : null_sink;
      try {
        any_wrong = measure::run_session(*be, world, run_plan, sopt, out) == core::ExitCode::wrong || any_wrong;
      } catch (const core::Error& e) {
        abort_job(world, e, "configuration " + plan::describe(b.knobs) + ": ");
      }
    }
    be.reset();  // the communicator is destroyed before the next one is made
    first = last;
  }
  if (store) store->sync();
  std::fflush(stdout);
  world.barrier();
  return any_wrong ? core::ExitCode::wrong : core::ExitCode::ok;
}

}  // namespace collbench::cli
