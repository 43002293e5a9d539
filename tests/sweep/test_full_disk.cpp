// A full disk during a sweep (issue 23, item 2). Rank 0 alone writes the store; when a write
// failed it unwound into MPI_Finalize while rank 1 waited in a collective, and the sweep noticed
// only at its stall limit (two minutes here). Now the write failure ends the launch on every rank
// at once, the sweep stops with exit 3 naming the store, records nothing as failed, and --resume
// measures every case once there is room. The disk is a tmpfs this small (root only: mount(2)).
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>

#include "sweep/sweep_support.hpp"

namespace {

using namespace sweep_e2e;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

// A tmpfs of `kib` KiB at `dir`, unmounted on destruction.
class SmallDisk {
 public:
  SmallDisk(std::string dir, int kib) : m_dir(std::move(dir)) {
    fs::create_directories(m_dir);
    m_mounted = ::mount("tmpfs", m_dir.c_str(), "tmpfs", 0, ("size=" + std::to_string(kib) + "k").c_str()) == 0;
  }
  ~SmallDisk() {
    if (m_mounted) ::umount2(m_dir.c_str(), MNT_DETACH);
  }
  bool mounted() const { return m_mounted; }
  bool grow(int kib) {
    return ::mount("tmpfs", m_dir.c_str(), "tmpfs", MS_REMOUNT, ("size=" + std::to_string(kib) + "k").c_str()) == 0;
  }

 private:
  std::string m_dir;
  bool m_mounted = false;
};

class FullDiskE2E : public DirTest {};

// 16 KiB: the launch's first write (launches/L….started) fails; 40 KiB: a results line, mid-way.
TEST_F(FullDiskE2E, AWriteFailureEndsTheLaunchAndTheSweepAndResumeFinishes) {
  for (const int kib : {16, 40}) {
    SCOPED_TRACE(std::to_string(kib) + " KiB");
    SmallDisk disk(path("disk" + std::to_string(kib)), kib);
    if (!disk.mounted()) GTEST_SKIP() << "mounting a tmpfs needs root (CAP_SYS_ADMIN)";
    const std::string store = path("disk" + std::to_string(kib)) + "/store";
    const std::string spec = project_root() + "/sweeps/smoke.json";
    const auto t0 = Clock::now();
    const Proc full = collbench({"sweep", spec, "--out", store}, 100);
    const double took = std::chrono::duration<double>(Clock::now() - t0).count();
    EXPECT_EQ(full.exit_code, 3) << full.all();
    EXPECT_LT(took, 60.0) << "the sweep waited for its stall limit:\n" << full.all();
    EXPECT_EQ(e2e::count_lines_containing(full.err, "collbench: the store cannot be written ("), 1) << full.all();
    EXPECT_NE(full.err.find("free space, then rerun with --resume"), std::string::npos) << full.all();
    EXPECT_EQ(full.err.find("internal error"), std::string::npos) << full.all();
    for (const json& rec : read_results(store + "/results.jsonl"))  // nothing blamed on a configuration
      EXPECT_NE(rec.at("status"), "failed") << rec.dump();

    ASSERT_TRUE(disk.grow(8192));
    const Proc resumed = collbench({"sweep", spec, "--out", store, "--resume"}, 120);
    ASSERT_EQ(resumed.exit_code, 0) << resumed.all();
    std::map<std::string, int> seen;
    for (const json& rec : read_results(store + "/results.jsonl")) ++seen[rec.at("sweep").at("case").get<std::string>()];
    EXPECT_EQ(seen.size(), 32u);
    for (const auto& [id, n] : seen) EXPECT_EQ(n, 1) << id;
  }
}

}  // namespace
