#include "tune/input.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <tuple>
#include <unordered_map>

#include "core/error.hpp"
#include "core/json_text.hpp"
#include "results/input.hpp"
#include "results/store_scan.hpp"

namespace collbench::tune {

using nlohmann::json;

const ConfigCell* Cell::find(int config) const {
  for (const ConfigCell& c : configs)
    if (c.config == config) return &c;
  return nullptr;
}

int TuneInput::find_config(const std::string& label) const {
  const auto it = by_label.find(label);
  return it == by_label.end() ? -1 : it->second;
}

namespace {

// What tune needs of a store's manifest and launches; the records are scanned by load_stores.
StoreInfo read_manifest(const std::string& dir) {
  const results::LoadedInput in = results::load_store(dir, {results::StoreKinds::sweep, false, true});
  const results::StoreManifest& m = in.manifest;
  StoreInfo s;
  s.dir = dir;
  s.backend = m.backend();
  s.repetitions = m.repetitions();
  s.spec_text = m.spec_text();
  s.spec_path = m.spec_path();
  s.launcher_kind = m.launcher_kind();
  s.launcher_ranks = m.launcher_ranks();
  const results::LaunchFacts launches = results::read_launch_facts(dir);
  s.nodes = launches.nodes;
  s.standin = launches.standin;
  s.results_path = in.results_path;
  return s;
}

// Keys of a cell without building strings per record: the few distinct names are interned.
struct CellKey {
  int coll, dtype, op, placement, nranks;
  std::uint64_t bytes;
  bool operator==(const CellKey&) const = default;
};
struct CellKeyHash {
  std::size_t operator()(const CellKey& k) const noexcept {
    std::uint64_t h = k.bytes * 0x9E3779B97F4A7C15ull;
    for (int v : {k.coll, k.dtype, k.op, k.placement, k.nranks}) h = (h ^ static_cast<std::uint64_t>(v)) * 0x100000001B3ull;
    return static_cast<std::size_t>(h);
  }
};

class Loader {
 public:
  explicit Loader(TuneInput& in) : m_in(in) {}

  void add(const StoreInfo& store, std::size_t store_index, const results::CaseDigest& d) {
    const CellKey key{intern(d.collective), intern(d.datatype), intern(d.op), intern(d.placement), d.nranks, d.bytes};
    auto [it, fresh] = m_cells.try_emplace(key, m_in.cells.size());
    if (fresh) {
      Cell c;
      c.series = {std::string(d.collective), std::string(d.datatype), std::string(d.op), std::string(d.placement), d.nranks};
      c.bytes = d.bytes;
      m_in.cells.push_back(std::move(c));
      m_slots.emplace_back();
    }
    const std::size_t cell = it->second;
    const int config = config_of(d);
    auto& slots = m_slots[cell];
    const std::uint64_t slot_key = (static_cast<std::uint64_t>(cell) << 32) | (static_cast<std::uint64_t>(config) << 8) | store_index;
    auto [pos, added] = m_slot_of.try_emplace(slot_key, slots.size());
    if (added) slots.push_back(Slot{config, &store, std::vector<std::optional<Stored>>(static_cast<std::size_t>(store.repetitions))});
    Slot* slot = &slots[pos->second];
    if (d.rep < 0 || d.rep >= store.repetitions) return;  // a repetition the manifest does not plan
    // A later record of a case (--retry-failed) supersedes an earlier one.
    slot->reps[static_cast<std::size_t>(d.rep)] =
        Stored{std::string(d.status), std::string(d.error), d.wrong,
               Rep{d.p50_us, d.p99_us, d.ci_lo_us, d.ci_hi_us, d.busbw_gbps, d.n}};
  }

  void finish() {
    for (std::size_t i = 0; i < m_in.cells.size(); ++i) {
      std::map<int, ConfigCell> merged;
      for (const Slot& s : m_slots[i]) {
        ConfigCell& cc = merged[s.config];
        cc.config = s.config;
        cc.expected += static_cast<int>(s.reps.size());
        for (std::size_t r = 0; r < s.reps.size(); ++r) add_rep(cc, s, r);
      }
      for (auto& [id, cc] : merged) m_in.cells[i].configs.push_back(std::move(cc));
    }
    std::sort(m_in.cells.begin(), m_in.cells.end(),
              [](const Cell& a, const Cell& b) { return std::tie(a.series, a.bytes) < std::tie(b.series, b.bytes); });
  }

 private:
  struct Stored {
    std::string status, error;
    std::int64_t wrong = 0;
    Rep rep;
  };
  struct Slot {
    int config;
    const StoreInfo* store;
    std::vector<std::optional<Stored>> reps;
  };

  static void add_rep(ConfigCell& cc, const Slot& s, std::size_t r) {
    const auto& d = s.reps[r];
    const std::string where = s.store->dir + " r" + std::to_string(r);
    if (!d) return cc.problems.push_back(where + " missing");
    if (d->status == "wrong" || d->wrong > 0)
      return cc.problems.push_back(fmt::format("{} wrong ({} elements)", where, d->wrong));
    if (d->status != "ok")
      return cc.problems.push_back(fmt::format("{} {}{}", where, d->status, d->error.empty() ? "" : ": " + std::string(d->error)));
    Rep rep = d->rep;
    if (!(rep.p50_us > 0)) return cc.problems.push_back(where + " has no timing");
    if (!(rep.ci_lo_us > 0) || rep.ci_lo_us > rep.p50_us) rep.ci_lo_us = rep.p50_us;  // no interval recorded
    if (!(rep.ci_hi_us >= rep.p50_us)) rep.ci_hi_us = rep.p50_us;
    cc.reps.push_back(rep);
  }

  int intern(std::string_view s) {
    for (std::size_t i = 0; i < m_names.size(); ++i)
      if (m_names[i] == s) return static_cast<int>(i);
    m_names.emplace_back(s);
    return static_cast<int>(m_names.size() - 1);
  }

  int config_of(const results::CaseDigest& d) {
    const auto found = m_config_ids.find(std::string(d.config_id));
    if (found != m_config_ids.end()) return found->second;
    ConfigInfo info;
    info.id = std::string(d.config_id);
    core::JsonParse parsed = core::parse_json(d.knobs_json);
    if (parsed.status == core::JsonStatus::refused)
      throw core::InputError(fmt::format("case '{}': \"knobs\": {}", d.case_id, parsed.problem));
    const json k = std::move(parsed.value);
    if (!k.is_object()) throw core::InputError(fmt::format("case '{}': \"knobs\" is not an object of strings", d.case_id));
    for (const auto& [name, v] : k.items()) {
      if (!v.is_string()) throw core::InputError(fmt::format("case '{}': knob {} is not a string", d.case_id, name));
      info.knobs[name] = v.get<std::string>();
    }
    info.label = plan::describe(info.knobs);
    // Two ids for one configuration would split its repetitions: key by the label as well.
    const int existing = m_in.find_config(info.label);
    const int idx = existing >= 0 ? existing : static_cast<int>(m_in.configs.size());
    if (existing < 0) {
      m_in.by_label.emplace(info.label, idx);
      m_in.configs.push_back(std::move(info));
    }
    if (idx >= (1 << 24)) throw core::InputError("tune: expected fewer than 16777216 configurations across the stores");
    m_config_ids.emplace(std::string(d.config_id), idx);
    return idx;
  }

  TuneInput& m_in;
  std::vector<std::string> m_names;
  std::unordered_map<CellKey, std::size_t, CellKeyHash> m_cells;
  std::vector<std::vector<Slot>> m_slots;
  std::unordered_map<std::uint64_t, std::size_t> m_slot_of;  // (cell, config, store) -> index in m_slots[cell]
  std::unordered_map<std::string, int> m_config_ids;
};

}  // namespace

TuneInput load_stores(const std::vector<std::string>& dirs) {
  if (dirs.empty()) throw core::InputError("tune: expected at least one sweep store (a directory written by collbench sweep --out)");
  TuneInput in;
  in.stores.reserve(dirs.size());
  for (const std::string& dir : dirs) {
    in.stores.push_back(read_manifest(dir));
    const StoreInfo& s = in.stores.back();
    if (in.backend.empty()) in.backend = s.backend;
    if (s.backend != in.backend)
      throw core::InputError(fmt::format("'{}': a {} store beside a {} store; tune one backend at a time", dir, s.backend, in.backend));
  }
  if (in.stores.size() > 255) throw core::InputError("tune: expected at most 255 stores at once");
  Loader loader(in);
  for (std::size_t i = 0; i < in.stores.size(); ++i) {
    StoreInfo& s = in.stores[i];
    const results::ScanStats st =
        results::scan_store(s.results_path, [&](const results::CaseDigest& d) { loader.add(s, i, d); });
    s.records = st.lines;
    s.torn_tail = st.torn_tail;
    in.records += st.lines;
  }
  loader.finish();
  return in;
}

}  // namespace collbench::tune
