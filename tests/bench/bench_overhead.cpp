// collbench's reported per-iteration time for MPI_Allreduce against a bare loop of the same call,
// side by side in one run (launch with mpirun -np 2; scripts/bench-overhead.sh).
//
// Each Google Benchmark repetition times one batch of the bare loop and one batch through the
// mpi backend (alternating which goes first), on the same buffers and communicator. Reported:
//   bare_us            max over ranks of (batch time / calls): what a hand-written loop sees
//   collbench_mean_us  mean of collbench's samples (each the max over ranks of one iteration)
//   collbench_p50_us   median of those samples: the time collbench's table prints
//   local_us           max over ranks of the mean of each rank's own samples: the loop's pure
//                      instrumentation cost against bare_us (the same batch, the same reduction)
// and their ratios. Repetitions run in lockstep on both ranks (fixed iteration counts).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <vector>

#include "backend/mpi/mpi_backend.hpp"
#include "backend/mpi/mpi_world.hpp"
#include "backend/mpi/mpi_world_comm.hpp"
#include "core/host_clock.hpp"
#include "measure/world.hpp"
#include "stats/summary.hpp"

namespace {

using namespace collbench;

measure::World* g_world = nullptr;
MPI_Comm g_comm = MPI_COMM_NULL;
backend::Backend* g_backend = nullptr;
std::map<std::int64_t, std::vector<double>> g_ratio_mean, g_ratio_p50, g_ratio_local, g_bare, g_cb_mean, g_cb_p50,
    g_local;

struct Batch {
  double mean = 0, p50 = 0, local = 0;
};

double bare_batch(const backend::CaseSpec& spec, std::vector<float>& in, std::vector<float>& out, int calls) {
  const int count = static_cast<int>(spec.shape.param_count);
  g_world->barrier();
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < calls; ++i) MPI_Allreduce(in.data(), out.data(), count, MPI_FLOAT, MPI_SUM, g_comm);
  const auto t1 = std::chrono::steady_clock::now();
  std::vector<double> per_call{std::chrono::duration<double, std::micro>(t1 - t0).count() / calls};
  g_world->max_in_place(per_call);
  return per_call[0];
}

Batch collbench_batch(const backend::CaseSpec& spec, int calls) {
  g_backend->prepare(spec);
  std::vector<double> samples(static_cast<std::size_t>(calls));
  g_world->barrier();
  g_backend->run_timed(samples);
  std::vector<double> local{stats::summarize(samples).mean};
  g_world->max_in_place(local);
  g_world->max_in_place(samples);  // an iteration's time is the max over ranks, as in measure_case
  const stats::Summary s = stats::summarize(samples);
  return {s.mean, s.p50, local[0]};
}

void BM_AllreduceOverhead(benchmark::State& state) {
  const auto bytes = static_cast<std::uint64_t>(state.range(0));
  const int calls = bytes <= 1024 ? 20000 : 200;
  backend::CaseSpec spec;
  spec.requested_bytes = bytes;
  spec.shape = core::shape(spec.coll, bytes, spec.dtype, g_world->size());
  // Long-lived buffers, as the backend's: fresh ones each repetition would make the bare loop pay
  // for first-touch and registration of new pages that collbench's reserved buffers never see.
  static std::vector<float> in, out;
  in.resize(std::max<std::size_t>(in.size(), spec.shape.send_count), 1.0f);
  out.resize(std::max<std::size_t>(out.size(), spec.shape.recv_count), 0.0f);
  static int rep = 0;
  for (auto _ : state) {
    double bare = 0;
    Batch cb;
    if (rep++ % 2 == 0) {
      bare = bare_batch(spec, in, out, calls);
      cb = collbench_batch(spec, calls);
    } else {
      cb = collbench_batch(spec, calls);
      bare = bare_batch(spec, in, out, calls);
    }
    state.SetIterationTime(cb.mean * 1e-6);
    state.counters["bare_us"] = bare;
    state.counters["collbench_mean_us"] = cb.mean;
    state.counters["collbench_p50_us"] = cb.p50;
    state.counters["local_us"] = cb.local;
    state.counters["ratio_local"] = cb.local / bare;
    const auto key = state.range(0);
    g_bare[key].push_back(bare);
    g_cb_mean[key].push_back(cb.mean);
    g_cb_p50[key].push_back(cb.p50);
    g_local[key].push_back(cb.local);
    g_ratio_mean[key].push_back(cb.mean / bare);
    g_ratio_p50[key].push_back(cb.p50 / bare);
    g_ratio_local[key].push_back(cb.local / bare);
  }
}
BENCHMARK(BM_AllreduceOverhead)->Arg(8)->Arg(1 << 20)->Iterations(1)->Repetitions(31)->UseManualTime()
    ->ReportAggregatesOnly(true)->Unit(benchmark::kMicrosecond);

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return stats::percentile(v, 0.5);
}

class NullReporter : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context&) override { return true; }
  void ReportRuns(const std::vector<Run>&) override {}
};

}  // namespace

int main(int argc, char** argv) {
  const std::unique_ptr<measure::World> job = backend::mpi::make_mpi_world(&argc, &argv);
  measure::World& world = *job;
  g_comm = backend::mpi::world_comm(world);
  core::HostClock::init();
  auto be = backend::make_mpi_backend(world);
  be->reserve(4u << 20, 4u << 20);
  g_world = &world;
  g_backend = be.get();
  benchmark::Initialize(&argc, argv);
  NullReporter quiet;
  if (world.is_root()) benchmark::RunSpecifiedBenchmarks();
  else benchmark::RunSpecifiedBenchmarks(&quiet);
  if (world.is_root()) {
    std::printf("\nOverhead on %d ranks, timer %s, medians of %zu alternating repetitions:\n", world.size(),
                core::HostClock::source(), g_ratio_mean.empty() ? 0 : g_ratio_mean.begin()->second.size());
    for (const auto& [bytes, ratios] : g_ratio_local) {
      const double target = bytes <= 1024 ? 1.03 : 1.01;
      std::printf("  allreduce %7lld B: bare loop %.4g us | collbench: rank-local mean %.4g us (ratio %.4f, "
                  "target <= %.2f: %s), reported p50 %.4g us (ratio %.4f), reported mean %.4g us (ratio %.4f)\n",
                  static_cast<long long>(bytes), median(g_bare[bytes]), median(g_local[bytes]), median(ratios), target,
                  median(ratios) <= target ? "met" : "NOT met", median(g_cb_p50[bytes]), median(g_ratio_p50[bytes]),
                  median(g_cb_mean[bytes]), median(g_ratio_mean[bytes]));
    }
    std::printf("  (reported mean = mean over iterations of the max over ranks, which exceeds the bare loop's max over\n"
                "   ranks of per-rank means whenever ranks jitter independently: a definition, not loop overhead)\n");
  }
  g_backend = nullptr;
  be.reset();
  return 0;
}
