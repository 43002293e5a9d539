// Bad input: one line naming the input and what was expected, exit 2, on every rank, no hang.
#include <gtest/gtest.h>

#include <filesystem>

#include "../e2e_support.hpp"

namespace {

struct BadInput {
  const char* args;
  const char* env;
  const char* must_mention;
};

const BadInput kCases[] = {
    {"run --bogus", "", "--bogus"},
    {"run -b 1M -e 1K", "", "--minbytes"},
    {"run -b 0", "", "--minbytes '0'"},
    {"run -e 12Q", "", "--maxbytes '12Q'"},
    {"run -d float128", "", "--datatype 'float128'"},
    {"run -o mulsum", "", "--op 'mulsum'"},
    {"run -d int32 -o avg", "", "--op avg with --datatype int32"},
    {"run -c 2", "", "--check 2"},
    {"run --coll allreduce,broadcst", "", "broadcst"},
    {"run --placement sideways", "", "--placement"},
    {"run --backend tpu", "", "--backend 'tpu'"},
    {"run -n 0", "", "--iters 0"},
    {"run --target-rel-ci 2", "", "--target-rel-ci"},
    {"run -b 8 -e 64", "COLLBENCH_INJECT=explode:1", "COLLBENCH_INJECT"},
    {"run -b 8 -e 64 --json /nonexistent-dir/out.json", "", "--json '/nonexistent-dir/out.json'"},
    {"run -b 8 -e 64 --root 5", "", "--root 5"},
    {"frobnicate", "", "frobnicate"},
    {"run --backend mpi --nccl-max-ctas 4", "", "--nccl-max-ctas: applies to --backend nccl only"},
    {"run --backend mpi --cuda-graph", "", "--cuda-graph: applies to --backend nccl only"},
    {"run --nccl-min-ctas 0", "", "--nccl-min-ctas 0: expected an integer from 1 to 64"},
    {"run --nccl-min-ctas 8 --nccl-max-ctas 4", "", "--nccl-min-ctas 8: expected at most --nccl-max-ctas (4)"},
    {"run --nccl-cta-policy greedy", "", "--nccl-cta-policy 'greedy'"},
    {"run --nccl-cta-policy 'efficiency|greedy'", "", "--nccl-cta-policy 'efficiency|greedy': expected default, efficiency, zero, efficiency|zero or 0-3"},
    {"run --nccl-cta-policy 4", "", "--nccl-cta-policy '4'"},
    {"run --register bogus", "", "--register 'bogus': expected none, local or symmetric"},
    {"run --backend mpi --register local", "", "--register local: registers NCCL buffers; expected --backend nccl (got --backend mpi)"},
    {"run --backend model --register symmetric", "", "--register symmetric: registers NCCL buffers; expected --backend nccl"},
    {"run --nccl-collnet 2", "", "--nccl-collnet 2"},
    {"run --rotate many", "", "--rotate 'many'"},
    {"run -d fp4", "", "--datatype 'fp4'"},
    {"run --coll sendrecv --sendrecv-ring sideways", "", "--sendrecv-ring 'sideways': expected forward or reverse"},
    {"run --coll allreduce --sendrecv-ring reverse", "", "--sendrecv-ring: applies to --coll sendrecv, which 'allreduce' does not name"},
};

TEST(BadInput, EveryCaseExits2WithOneLineFromOneRank) {
  for (const BadInput& c : kCases) {
    const e2e::Result r = e2e::run(2, c.args, c.env, 60);
    EXPECT_EQ(r.exit_code, 2) << c.args << "\n" << r.output;
    EXPECT_EQ(e2e::count_lines_containing(r.output, "collbench: "), 1) << c.args << "\n" << r.output;
    EXPECT_NE(r.output.find(c.must_mention), std::string::npos) << c.args << "\n" << r.output;
    EXPECT_EQ(r.output.find("terminate called"), std::string::npos) << r.output;  // no crash, no stack trace
  }
}

TEST(BadInput, WithoutALauncherToo) {
  const e2e::Result r = e2e::run(0, "run -b 4K -e 1K", "", 30);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("--minbytes 4K is larger than --maxbytes 1K"), std::string::npos) << r.output;
}

TEST(BadInput, UnwritableJsonLeavesNothingBehind) {
  const std::string dir = e2e::temp_path("a-directory");
  std::filesystem::create_directories(dir);
  const e2e::Result r = e2e::run(2, "run -b 8 -e 64 --json " + dir, "", 60);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("is a directory"), std::string::npos) << r.output;
}

TEST(Help, ListsOptionsWithExamplesAndExitsZero) {
  const e2e::Result r = e2e::run(0, "run --help", "", 30);
  EXPECT_EQ(r.exit_code, 0);
  for (const char* opt : {"--minbytes", "--maxbytes", "--stepfactor", "--stepbytes", "--iters", "--warmup", "--check",
                          "--datatype", "--op", "--coll", "--placement", "--json", "--backend", "--min-iters",
                          "--max-iters", "--target-rel-ci", "--time-budget", "Examples:", "Exit codes"})
    EXPECT_NE(r.output.find(opt), std::string::npos) << opt;
}

}  // namespace
