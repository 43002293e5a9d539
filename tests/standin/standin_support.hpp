#pragma once
// Runs the unchanged collbench binary on the GPU stand-in: its libraries first on
// LD_LIBRARY_PATH, simulated GPUs per host, and, for several simulated hosts, mpirun starting one
// orted per host through tests/standin/standin-rsh.
#include <gtest/gtest.h>

#include <string>

#include "e2e_support.hpp"

namespace standin {

// "LD_LIBRARY_PATH=<stand-in> COLLBENCH_STANDIN_GPUS=<gpus> <extra>"
inline std::string env(const std::string& extra = "", int gpus = 4) {
  return "LD_LIBRARY_PATH=" STANDIN_LIB_DIR " COLLBENCH_STANDIN_GPUS=" + std::to_string(gpus) + " " + extra;
}

// np ranks on one host with `gpus` simulated GPUs.
inline e2e::Result run(int np, const std::string& args, const std::string& extra_env = "", int gpus = 4,
                       int timeout_s = 180) {
  return e2e::run(np, args, env(extra_env, gpus), timeout_s);
}

// `hosts` simulated hosts of `per_host` ranks and as many GPUs each (standin-host1, …).
inline e2e::Result run_hosts(int hosts, int per_host, const std::string& args, const std::string& extra_env = "",
                             int timeout_s = 240) {
  std::string list;
  for (int h = 0; h < hosts; ++h) list += (h ? "," : "") + std::string("127.0.0.") + std::to_string(h + 2) + ":" + std::to_string(per_host);
  const std::string mpirun = "--mca btl self,tcp --mca rtc_hwloc_vmhole none --mca plm_rsh_agent " COLLBENCH_SOURCE_DIR "/tests/standin/standin-rsh --host " + list;
  // PMIx's shared-memory store, like hwloc's, assumes one daemon per machine: the hash store. So
  // does Open MPI's session directory: one per simulated host, under this test's own directory.
  static const std::string sessions = e2e::temp_path("ompi-sessions");  // made once: runs here are sequential
  return e2e::run(hosts * per_host, args,
                  env("PMIX_MCA_gds=hash COLLBENCH_STANDIN_TMPDIR=" + sessions + " " + extra_env, per_host), timeout_s,
                  mpirun);
}

// Every record ran (or was skipped with a reason) and none is wrong; the number that ran.
inline int expect_all_right(const nlohmann::json& doc, const std::string& what) {
  int ran = 0;
  for (const auto& rec : doc.at("results")) {
    if (rec.at("status") == "skipped") {
      EXPECT_FALSE(rec.at("error").get<std::string>().empty()) << what << rec.dump();
      continue;
    }
    EXPECT_EQ(rec.at("status"), "ok") << what << rec.dump();
    EXPECT_EQ(rec.at("wrong"), 0) << what << rec.dump();
    EXPECT_EQ(rec.at("backend_notes").value("standin", ""), "true") << what << rec.dump();
    ++ran;
  }
  return ran;
}

}  // namespace standin
