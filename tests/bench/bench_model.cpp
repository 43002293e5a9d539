// Predictions per second of the model backend (target: at least one million). items_per_second is
// the figure: one item is one prediction of NCCL's default choice (every cell's time, then the
// argmin) for a case, on a DGX H100 node and on a 1024-node H100 cluster.
//   build/tests/bench/bench_model --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "backend/model/cost_model.hpp"
#include "backend/model/graphs.hpp"
#include "backend/model/predictor.hpp"
#include "backend/model/topology.hpp"

namespace {

using namespace collbench;

model::Topology topo(const char* name) {
  return model::read_topology(std::string(COLLBENCH_SOURCE_DIR) + "/sweeps/topologies/" + name);
}

std::vector<std::uint64_t> sizes() {
  std::vector<std::uint64_t> s;
  for (std::uint64_t b = 8; b <= (8ull << 30); b *= 2) s.push_back(b);
  return s;
}

// The model's own work: a call's argmin over the 21 cells (time of each usable one).
void Choose(benchmark::State& state, const char* file) {
  const model::CostModel m(model::synthesize(topo(file)), model::Settings{});
  const std::vector<std::uint64_t> s = sizes();
  const model::Coll colls[] = {model::Coll::allreduce, model::Coll::allgather, model::Coll::reducescatter};
  std::size_t i = 0;
  for (auto _ : state) {
    const model::Call call{colls[i % 3], s[i % s.size()]};
    benchmark::DoNotOptimize(m.choose(call));
    ++i;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK_CAPTURE(Choose, dgx_h100, "dgx-h100.json");
BENCHMARK_CAPTURE(Choose, h100_1024_nodes, "h100-8x400g-1024n.json");

// One forced cell (a sweep's NCCL_ALGO/NCCL_PROTO point): its time alone.
void ForcedCell(benchmark::State& state) {
  const model::CostModel m(model::synthesize(topo("dgx-h100.json")), model::Settings{});
  const std::vector<std::uint64_t> s = sizes();
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(m.time_us({model::Coll::allreduce, s[i % s.size()]}, model::Algo::ring, model::Proto::ll128));
    ++i;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(ForcedCell);

// What `run --backend model` writes per case: the record with every cell's time in backend_notes
// (string formatting dominates).
void Record(benchmark::State& state) {
  const model::Predictor p(topo("dgx-h100.json"), model::Settings{});
  const std::vector<std::uint64_t> s = sizes();
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(p.predict(core::Collective::allreduce, core::DataType::float32, core::RedOp::sum, 0, false, s[i % s.size()]));
    ++i;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(Record);

// A configuration of a sweep: graphs synthesized and every cell tuned (a communicator init).
void Init(benchmark::State& state) {
  const model::Topology t = topo("h100-8x400g-16n.json");
  for (auto _ : state) benchmark::DoNotOptimize(model::CostModel(model::synthesize(t), model::Settings{}));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(Init);

}  // namespace

BENCHMARK_MAIN();
