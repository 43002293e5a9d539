// Tuning a big store: what `collbench tune` does (read the store, rank every cell, choose the
// three levels, render every output) on a synthetic NCCL sweep of up to a million records, and
// the store reader beside nlohmann's full parse of the same lines. Target: 1M records < 2 s.
//   build/tests/bench/bench_tune --benchmark_filter=Tune
// The store is generated once per size into $TMPDIR (about 1 KB a record without per-rank detail).
#include <benchmark/benchmark.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/json_text.hpp"
#include "plan/sweep_plan.hpp"
#include "results/store.hpp"
#include "results/store_scan.hpp"
#include "tune/input.hpp"
#include "tune/recommend.hpp"
#include "tune/writers.hpp"

namespace {

namespace fs = std::filesystem;
using namespace collbench;

constexpr int kReps = 3;
const char* const kColls[] = {"allreduce", "allgather", "reducescatter", "alltoall"};
const char* const kTypes[] = {"float", "bfloat16", "half"};
const char* const kPlacements[] = {"out_of_place", "in_place"};
constexpr int kSizes = 28;  // 8 B .. 1 GiB

// The configuration `k` of a sweep over algorithms, protocols, channels and buffer sizes.
plan::Config config(int k, const std::string& coll) {
  static const char* const protos[] = {"ll", "ll128", "simple"};
  plan::Config c;
  if (k == 0) return c;
  if (coll != "alltoall" && k % 4 != 0) {
    c["NCCL_PROTO"] = coll + ":" + protos[k % 3];
    if (coll == "allreduce" && k % 2) c["NCCL_ALGO"] = "allreduce:tree";
    else c["NCCL_ALGO"] = coll + ":ring";
  }
  if (k >= 8) c["NCCL_BUFFSIZE"] = std::to_string((1 << 20) * (k / 8));
  if (k >= 16) c["NCCL_MAX_NCHANNELS"] = std::to_string(1 + k % 32);
  return c;
}

std::string make_store(std::int64_t records, int per_rank) {
  const std::string dir = (fs::temp_directory_path() / ("collbench-bench-tune-" + std::to_string(records) + "-" +
                                                        std::to_string(per_rank))).string();
  if (fs::exists(dir + "/done")) return dir;
  fs::create_directories(dir);
  std::ofstream(dir + "/manifest.json") << nlohmann::json{{"schema", results::kStoreSchemaName}, {"schema_version", 1},
                                                          {"backend", "nccl"}, {"repetitions", kReps}}.dump();
  const std::int64_t cells = 4 * 3 * 2 * kSizes;
  const int configs = static_cast<int>(records / (cells * kReps));
  std::ofstream out(dir + "/results.jsonl");
  std::uint64_t seed = 12345;
  auto noise = [&seed] {  // deterministic, +-5 %
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    return 0.95 + 0.1 * static_cast<double>(seed >> 11) / static_cast<double>(1ull << 53);
  };
  for (int rep = 0; rep < kReps; ++rep)
    for (int k = 0; k < configs; ++k)
      for (const char* coll : kColls)
        for (const char* type : kTypes)
          for (const char* placement : kPlacements)
            for (int s = 0; s < kSizes; ++s) {
              results::StoredCase c;
              c.knobs = config(k, coll);
              c.config_id = plan::config_id(c.knobs);
              c.rep = rep;
              c.launch = "L000-r" + std::to_string(rep);
              results::ResultRecord& r = c.result;
              r.collective = coll, r.datatype = type, r.op = "sum", r.placement = placement, r.nranks = 8;
              r.bytes = std::uint64_t{8} << s;
              c.case_id = plan::describe(c.knobs) + "|" + coll + "|" + type + "|sum|" + placement + "|" + std::to_string(r.bytes) + "|r" + std::to_string(rep);
              const double t = (10.0 + static_cast<double>(r.bytes) / 2e5 * (1.0 + 0.01 * (k % 13))) * noise();
              r.time_us.n = r.iters = 50;
              r.time_us.p50 = t, r.time_us.p99 = 1.2 * t, r.time_us.median_ci = {0.97 * t, 1.03 * t, 0.95, 0.03};
              r.time_us.min = 0.9 * t, r.time_us.max = 1.5 * t, r.time_us.mean = 1.02 * t;
              r.busbw_gbps = static_cast<double>(r.bytes) / t / 1e3 * 1.75;
              r.checked = true;
              for (int rank = 0; rank < per_rank; ++rank) r.per_rank.push_back({rank, "node" + std::to_string(rank / 8), r.time_us, 0.1, t});
              out << results::store_line(c) << '\n';
            }
  out.close();
  std::ofstream(dir + "/done") << "ok\n";
  return dir;
}

void TuneStore(benchmark::State& state) {
  const std::string dir = make_store(state.range(0), static_cast<int>(state.range(1)));
  std::uint64_t bytes = fs::file_size(dir + "/results.jsonl");
  std::size_t out_bytes = 0;
  using Clock = std::chrono::steady_clock;
  auto secs = [](Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); };
  for (auto _ : state) {
    const auto t0 = Clock::now();
    const tune::TuneInput in = tune::load_stores({dir});
    const auto t1 = Clock::now();
    const tune::Recommendation r = tune::recommend(in, tune::Workload{}, tune::TuneOptions{});
    const auto t2 = Clock::now();
    for (const auto& [name, text] : tune::outputs(r)) out_bytes += text.size();
    const auto t3 = Clock::now();
    state.counters["read_s"] = secs(t0, t1);
    state.counters["rank_s"] = secs(t1, t2);
    state.counters["write_s"] = secs(t2, t3);
    state.counters["records"] = static_cast<double>(in.records);
    state.counters["cells"] = static_cast<double>(in.cells.size());
    state.counters["configs"] = static_cast<double>(in.configs.size());
  }
  benchmark::DoNotOptimize(out_bytes);
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes) * state.iterations());
}
BENCHMARK(TuneStore)->Args({1000000, 0})->Args({100000, 8})->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();

// The reader alone, against nlohmann parsing every line in full (what read_store does).
void ScanStore(benchmark::State& state) {
  const std::string dir = make_store(state.range(0), static_cast<int>(state.range(1)));
  for (auto _ : state) {
    std::uint64_t n = 0;
    results::scan_store(dir + "/results.jsonl", [&n](const results::CaseDigest& d) { n += d.bytes; });
    benchmark::DoNotOptimize(n);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(fs::file_size(dir + "/results.jsonl")) * state.iterations());
}
BENCHMARK(ScanStore)->Args({100000, 8})->Args({1000000, 0})->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();

void FullParseStore(benchmark::State& state) {
  const std::string dir = make_store(state.range(0), static_cast<int>(state.range(1)));
  for (auto _ : state) {
    const results::StoreContents c = results::read_store(dir + "/results.jsonl");
    benchmark::DoNotOptimize(c.records.size());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(fs::file_size(dir + "/results.jsonl")) * state.iterations());
}
BENCHMARK(FullParseStore)->Args({100000, 8})->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime();

// The one JSON reader (core::parse_json: nlohmann's DOM builder behind a SAX pass that refuses a
// key given twice in an object and a number beyond a double's range) against nlohmann's own
// parse, line by line over the same store: the cost of those checks on every full store read.
std::vector<std::string> store_lines(std::int64_t records, int ranks) {
  std::ifstream in(make_store(records, ranks) + "/results.jsonl");
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(std::move(line));
  return lines;
}

void ParseLinesNlohmann(benchmark::State& state) {
  const std::vector<std::string> lines = store_lines(state.range(0), static_cast<int>(state.range(1)));
  std::size_t bytes = 0;
  for (const auto& l : lines) bytes += l.size();
  for (auto _ : state)
    for (const auto& l : lines) benchmark::DoNotOptimize(nlohmann::json::parse(l).size());
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes) * state.iterations());
}
BENCHMARK(ParseLinesNlohmann)->Args({20000, 8})->Unit(benchmark::kMillisecond)->Iterations(5)->UseRealTime();

void ParseLinesChecked(benchmark::State& state) {
  const std::vector<std::string> lines = store_lines(state.range(0), static_cast<int>(state.range(1)));
  std::size_t bytes = 0;
  for (const auto& l : lines) bytes += l.size();
  for (auto _ : state)
    for (const auto& l : lines) benchmark::DoNotOptimize(core::parse_json(l).value.size());
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes) * state.iterations());
}
BENCHMARK(ParseLinesChecked)->Args({20000, 8})->Unit(benchmark::kMillisecond)->Iterations(5)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
