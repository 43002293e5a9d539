// core::read_input_file: the one way user files are read (regular files only, a cap per kind, a
// UTF-8 byte-order mark skipped). A FIFO must be refused without blocking, /dev/zero without
// reading it.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/error.hpp"
#include "core/input_file.hpp"

namespace {

namespace fs = std::filesystem;
using collbench::core::InputError;
using collbench::core::read_input_file;

class InputFile : public ::testing::Test {
 protected:
  void SetUp() override {
    m_dir = fs::temp_directory_path() / ("collbench-input-" + std::to_string(::getpid()));
    fs::create_directories(m_dir);
  }
  void TearDown() override { fs::remove_all(m_dir); }
  std::string write(const std::string& name, const std::string& text) const {
    const std::string p = (m_dir / name).string();
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }
  static std::string error_of(const std::string& path, const collbench::core::InputKind& kind) {
    try {
      (void)read_input_file(path, kind);
    } catch (const InputError& e) {
      return e.what();
    }
    return "no error";
  }
  fs::path m_dir;
};

TEST_F(InputFile, ReadsARegularFileAndSkipsAByteOrderMark) {
  EXPECT_EQ(read_input_file(write("a.json", "{\"x\": 1}\n"), {"spec", 100}), "{\"x\": 1}\n");
  EXPECT_EQ(read_input_file(write("bom.json", "\xEF\xBB\xBF{}"), {"spec", 100}), "{}");
  EXPECT_EQ(read_input_file(write("empty.json", ""), {"spec", 100}), "");
}

TEST_F(InputFile, RefusesAFifoWithoutBlocking) {
  const std::string fifo = (m_dir / "pipe").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_EQ(error_of(fifo, {"sweep spec", 100}), "sweep spec '" + fifo + "': a FIFO (named pipe); expected a regular file");
}

TEST_F(InputFile, RefusesDevicesAndDirectories) {
  EXPECT_EQ(error_of("/dev/zero", {"topology", 100}), "topology '/dev/zero': a character device; expected a regular file");
  EXPECT_EQ(error_of(m_dir.string(), {"", 100}), m_dir.string() + ": a directory; expected a regular file");
}

TEST_F(InputFile, RefusesAFileOverItsKindsCap) {
  const std::string big = write("big.json", std::string(101, ' '));
  EXPECT_EQ(error_of(big, {"baseline", 100}), "baseline '" + big + "': 101 bytes, more than the 100 bytes a baseline may have");
  // A sparse file of 17 MiB: refused from its size, nothing read.
  const std::string sparse = (m_dir / "sparse.json").string();
  { std::ofstream(sparse) << ""; }
  fs::resize_file(sparse, (17u << 20));
  EXPECT_EQ(error_of(sparse, {"sweep spec", collbench::core::kConfigMaxBytes}),
            "sweep spec '" + sparse + "': 17 MiB, more than the 16 MiB a sweep spec may have");
}

TEST_F(InputFile, NamesTheReasonItCannotBeRead) {
  const std::string missing = (m_dir / "missing.json").string();
  EXPECT_EQ(error_of(missing, {"sweep spec", 100}), "sweep spec '" + missing + "': cannot be read: No such file or directory");
  EXPECT_EQ(error_of(missing, {"", 100}), missing + ": cannot read: No such file or directory");
}

TEST_F(InputFile, PieceByPieceReadersGetTheSameChecks) {
  EXPECT_TRUE(collbench::core::input_file_missing_or_regular((m_dir / "none").string(), "store"));
  EXPECT_FALSE(collbench::core::input_file_missing_or_regular(write("r.jsonl", "{}\n"), "store"));
  EXPECT_THROW(collbench::core::input_file_missing_or_regular("/dev/zero", "store"), InputError);
}

}  // namespace
