// collbench import's speed in MB/s of log text (target >= 50 MB/s): the nccl-tests text reader
// alone, the -J JSON reader, and the whole import (read + write the store) on a synthetic log of
// the >= 2.17.3 format with NCCL INFO lines interleaved, as a 16-rank job prints it.
//   build/tests/bench/bench_import
#include <benchmark/benchmark.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <utility>
#include <vector>
#include <random>
#include <string>

#include <fmt/format.h>

#include "ingest/import_store.hpp"
#include "ingest/nccl_tests.hpp"

namespace {

using namespace collbench;

// One run: preamble, 16 device lines, 31 sizes (8 B .. 8 GiB) in both placements, an NCCL INFO
// line now and then, the footer. About 5 KB.
std::string synthetic_log(std::size_t target_bytes) {
  std::mt19937 rng(1);
  std::uniform_real_distribution<double> jitter(0.98, 1.02);
  std::string s;
  while (s.size() < target_bytes) {
    s += "# nccl-tests version 2.17.6 nccl-headers=22703 nccl-library=22703\n"
         "# Collective test starting: all_reduce_perf\n"
         "# nThread 1 nGpus 1 minBytes 8 maxBytes 8589934592 step: 2(factor) warmup iters: 5 iters: 20 agg iters: 1 "
         "validation: 1 graph: 0\n#\n# Using devices\n";
    for (int r = 0; r < 16; ++r)
      s += fmt::format("#  Rank {:2d} Group  0 Pid {:6d} on {:>10} device {:2d} [0000:{:02x}:00] NVIDIA H100 80GB HBM3\n", r,
                       1000 + r, fmt::format("node{}", r / 8), r % 8, r);
    s += "#\n#                                                              out-of-place                       in-place\n"
         "#       size         count      type   redop    root     time   algbw   busbw  #wrong     time   algbw   busbw  #wrong\n"
         "#        (B)    (elements)                               (us)  (GB/s)  (GB/s)             (us)  (GB/s)  (GB/s)\n";
    for (std::uint64_t b = 8; b <= (8ull << 30); b *= 2) {
      const double t1 = (20 + double(b) / 1.8e5) * jitter(rng), t2 = t1 * jitter(rng);
      const double a1 = double(b) / t1 / 1e3, a2 = double(b) / t2 / 1e3;
      s += fmt::format("{:12d}  {:12d}  {:>8}  {:>6}  {:>6}  {:7.2f}  {:6.2f}  {:6.2f}  {:6d}  {:7.2f}  {:6.2f}  {:6.2f}  {:6d}\n", b,
                       b / 4, "float", "sum", "-1", t1, a1, a1 * 1.875, 0, t2, a2, a2 * 1.875, 0);
      if (b % 4096 == 0) s += "node0:1234:1234 [0] NCCL INFO Channel 00/0 : 0[0] -> 1[1] via P2P/CUMEM/read\n";
    }
    s += "# Out of bounds values : 0 OK\n# Avg bus bandwidth    : 70.742\n#\n# Collective test concluded: all_reduce_perf\n";
  }
  return s;
}

const std::string& log_text() {
  static const std::string text = synthetic_log(16u << 20);
  return text;
}

void ImportText(benchmark::State& state) {
  const std::string& text = log_text();
  std::size_t records = 0;
  for (auto _ : state) {
    auto log = ingest::parse_text_log(text, "bench.log");
    records = log.doc.results.size();
    benchmark::DoNotOptimize(log);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
  state.counters["records"] = static_cast<double>(records);
  state.counters["log_MB"] = static_cast<double>(text.size()) / 1e6;
}
BENCHMARK(ImportText)->Unit(benchmark::kMillisecond)->Iterations(5)->UseRealTime();

// The real logs of ../shared/fixtures/nccl-tests-logs (what people have: launcher noise, NCCL INFO
// lines, banners), each imported as the file it is; MB/s over their total size.
void ImportFixtures(benchmark::State& state) {
  std::vector<std::pair<std::string, std::string>> logs;
  std::size_t bytes = 0;
  for (const auto& e : std::filesystem::directory_iterator(COLLBENCH_SOURCE_DIR "/../shared/fixtures/nccl-tests-logs")) {
    std::ifstream in(e.path(), std::ios::binary);
    logs.emplace_back(e.path().string(), std::string(std::istreambuf_iterator<char>(in), {}));
    bytes += logs.back().second.size();
  }
  if (logs.empty()) {
    state.SkipWithError("no fixture logs");
    return;
  }
  for (auto _ : state)
    for (const auto& [name, text] : logs) benchmark::DoNotOptimize(ingest::import_text(text, name));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
  state.counters["logs"] = static_cast<double>(logs.size());
}
BENCHMARK(ImportFixtures)->Unit(benchmark::kMillisecond);

// The whole command's work: read the text, then write the store (results.jsonl, manifest).
void ImportToStore(benchmark::State& state) {
  const std::string& text = log_text();
  const std::string dir = (std::filesystem::temp_directory_path() / "collbench-bench-import").string();
  for (auto _ : state) {
    std::filesystem::remove_all(dir);
    std::vector<ingest::ImportedLog> logs;
    logs.push_back(ingest::import_text(text, "bench.log"));
    ingest::write_import_store(dir, std::move(logs), "bench", "bench");
  }
  std::filesystem::remove_all(dir);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK(ImportToStore)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
