// Which Open MPI settings a sweep may switch per communicator (plan::Scope::communicator, through
// MPI_T) rather than per launch: the method of ../shared/reference/ompi-mpit.md, for every knob the
// catalog marks so. For each value, one collective runs in two launches of 4 ranks (mpit_probe):
// once with the setting in the launch's environment (OMPI_MCA_<name>), once on a communicator
// collbench configures through MPI_T (backend::mpi::configured_dup). Both must give the same
// result bits and send the same collective-internal messages to the same peers (Open MPI's PML
// monitoring); and the values of a knob must not all look alike, or the comparison shows nothing.
#include <gtest/gtest.h>

#include <stdlib.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/collective.hpp"
#include "plan/knobs.hpp"

namespace {

using namespace collbench;
namespace fs = std::filesystem;

struct Exercise {
  std::string collective;                // as mpit_probe names it
  int count = 0;                         // elements per rank
  std::vector<std::string> with;         // settings every value is tried with (name=value)
  std::vector<std::string> values;
};

std::string probe_collective(core::Collective c) {
  return c == core::Collective::broadcast ? "broadcast" : std::string(core::name(c));
}

// How each per-communicator knob is exercised: every algorithm but two_proc (2 ranks only); a
// segment size or fanout under an algorithm that reads it, at sizes where it changes the messages.
std::map<std::string, Exercise> exercises() {
  std::map<std::string, Exercise> out;
  for (const plan::Knob& k : plan::catalog("mpi")) {
    if (k.scope != plan::Scope::communicator || !k.name.ends_with("_algorithm")) continue;
    Exercise e{probe_collective(k.collectives.at(0)), 65536, {}, {}};
    for (const plan::Choice& c : k.choices)
      if (c.value != "0" && (c.aliases.empty() || c.aliases.front() != "two_proc")) e.values.push_back(c.value);
    e.values.insert(e.values.begin(), "0");
    out[k.name] = e;
  }
  const std::vector<std::string> seg = {"0", "4096", "65536"}, fan = {"1", "2", "3"};
  out["coll_tuned_allreduce_algorithm_segmentsize"] = {"allreduce", 262144, {"coll_tuned_allreduce_algorithm=5"}, seg};
  out["coll_tuned_bcast_algorithm_segmentsize"] = {"broadcast", 262144, {"coll_tuned_bcast_algorithm=6"}, seg};
  out["coll_tuned_reduce_algorithm_segmentsize"] = {"reduce", 262144, {"coll_tuned_reduce_algorithm=3"}, seg};
  out["coll_tuned_bcast_algorithm_chain_fanout"] = {"broadcast", 262144, {"coll_tuned_bcast_algorithm=2"}, fan};
  out["coll_tuned_reduce_algorithm_chain_fanout"] = {"reduce", 262144, {"coll_tuned_reduce_algorithm=2"}, fan};
  return out;
}

struct Launch {
  int code = 0;
  std::string signature;  // the sorted hash, message and refusal lines
  std::string output;
};

// One launch of the probe. `mode` env: the settings go into the ranks' environment; mpit: they are
// written through MPI_T. `dynamic_rules`: OMPI_MCA_coll_tuned_use_dynamic_rules for every rank.
// The monitoring goes to a file per rank (enable_output=3): on stderr, the ranks' long lines could
// interleave.
Launch probe(const std::string& mode, const std::string& coll, int count, const std::vector<std::string>& settings,
             bool dynamic_rules = true) {
  std::string tmpl = (fs::temp_directory_path() / "collbench-mpit-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) return {127, "", "mkdtemp failed"};
  const std::string dir = tmpl;
  std::string cmd = std::string("env OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 ") +
                    "OMPI_MCA_pml_monitoring_enable=2 OMPI_MCA_pml_monitoring_enable_output=3 " +
                    "OMPI_MCA_pml_monitoring_filename=" + dir + "/prof " +
                    "OMPI_MCA_coll_tuned_use_dynamic_rules=" + (dynamic_rules ? "1 " : "0 ") + MPIEXEC + " -np 4 --oversubscribe ";
  std::string args;
  for (const std::string& s : settings) (mode == "env" ? cmd += "-x OMPI_MCA_" + s + " " : args += " " + s);
  cmd += std::string(MPIT_PROBE) + " " + mode + " " + coll + " " + std::to_string(count) + args + " 2>&1";
  Launch l;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return {127, "", "popen failed"};
  std::array<char, 4096> buf{};
  std::vector<std::string> lines;
  std::string line;
  while (std::fgets(buf.data(), buf.size(), p)) {
    line += buf.data();
    if (line.empty() || line.back() != '\n') continue;
    l.output += line;
    if (line.starts_with("hash ") || line.starts_with("probe: ")) lines.push_back(line);
    line.clear();
  }
  const int status = ::pclose(p);
  l.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  for (int rank = 0; rank < 4; ++rank) {
    std::ifstream in(dir + "/prof." + std::to_string(rank) + ".prof");
    for (std::string m; std::getline(in, m);)
      if (m.starts_with("I\t")) lines.push_back(m + "\n");
  }
  fs::remove_all(dir);
  std::sort(lines.begin(), lines.end());
  for (const std::string& s : lines) l.signature += s;
  return l;
}

TEST(MpiTScope, EveryPerCommunicatorKnobIsExercised) {
  const auto ex = exercises();
  int per_comm = 0;
  for (const plan::Knob& k : plan::catalog("mpi")) {
    if (k.scope != plan::Scope::communicator) continue;
    ++per_comm;
    EXPECT_EQ(k.target, plan::Target::mpi_t) << k.name;
    EXPECT_EQ(ex.count(k.name), 1u) << k.name << " is per communicator without a test showing MPI_T reaches it";
  }
  EXPECT_EQ(per_comm, 11);  // 6 algorithms, 3 segment sizes, 2 chain fanouts
}

class MpiTKnob : public ::testing::TestWithParam<std::string> {};

TEST_P(MpiTKnob, ConfiguredCommunicatorBehavesAsTheLaunchEnvironment) {
  const Exercise e = exercises().at(GetParam());
  std::set<std::string> distinct;
  for (const std::string& v : e.values) {
    std::vector<std::string> settings = e.with;
    settings.push_back(GetParam() + "=" + v);
    const Launch env = probe("env", e.collective, e.count, settings);
    const Launch mpit = probe("mpit", e.collective, e.count, settings);
    ASSERT_EQ(env.code, 0) << env.output;
    ASSERT_EQ(mpit.code, 0) << mpit.output;
    ASSERT_NE(env.signature.find("hash "), std::string::npos) << env.output;
    ASSERT_NE(env.signature.find("I\t"), std::string::npos) << "no PML monitoring output:\n" << env.output;
    EXPECT_EQ(mpit.signature, env.signature) << GetParam() << "=" << v;
    distinct.insert(env.signature);
  }
  EXPECT_GE(distinct.size(), 2u) << GetParam() << ": every value sent the same messages; the test shows nothing";
}

std::vector<std::string> knob_names() {
  std::vector<std::string> v;
  for (const auto& [name, e] : exercises()) v.push_back(name);
  return v;
}

INSTANTIATE_TEST_SUITE_P(Catalog, MpiTKnob, ::testing::ValuesIn(knob_names()),
                         [](const ::testing::TestParamInfo<std::string>& i) { return i.param; });

// A sweep launch sets use_dynamic_rules=1 for every configuration; with nothing written, Open MPI
// must then decide as in a launch without it.
TEST(MpiTScope, DynamicRulesWithoutSettingsKeepOpenMpisDefault) {
  for (const char* coll : {"allreduce", "allgather", "reducescatter", "alltoall", "broadcast", "reduce"}) {
    const Launch plain = probe("env", coll, 65536, {}, false);
    const Launch swept = probe("mpit", coll, 65536, {}, true);
    ASSERT_EQ(plain.code, 0) << plain.output;
    EXPECT_EQ(swept.signature, plain.signature) << coll;
  }
}

// Without use_dynamic_rules at launch Open MPI ignores written algorithms: collbench refuses.
TEST(MpiTScope, SettingsWithoutDynamicRulesAreRefused) {
  const Launch l = probe("mpit", "allreduce", 1024, {"coll_tuned_allreduce_algorithm=4"}, false);
  EXPECT_EQ(l.code, 3) << l.output;
  EXPECT_NE(l.output.find("probe: coll_tuned settings per communicator need OMPI_MCA_coll_tuned_use_dynamic_rules=1"),
            std::string::npos) << l.output;
  const Launch unknown = probe("mpit", "allreduce", 1024, {"coll_tuned_allreduce_algorithm_bogus=1"}, true);
  EXPECT_EQ(unknown.code, 3) << unknown.output;
  EXPECT_NE(unknown.output.find("coll_tuned_allreduce_algorithm_bogus: this Open MPI has no such control variable"),
            std::string::npos) << unknown.output;
}

}  // namespace
