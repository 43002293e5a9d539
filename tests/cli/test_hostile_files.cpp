// Hostile files (issue 23, item 4): a FIFO blocks a reader for ever and /dev/zero grows its memory
// until it dies. Every command that reads a user's file refuses both at once: exit 2, one line
// naming the path and that a regular file was expected, nothing read.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>

#include "../e2e_support.hpp"

namespace {

struct Reader {
  const char* args;  // @ is the hostile path
};

// One command per reader of a user's file.
const Reader kReaders[] = {
    {"sweep @ --out @.store"},
    {"sweep @ --dry-run"},
    {"baseline @ --out @.baseline.json"},
    {"check @ --expect @"},
    {"report @ --format md"},
    {"compare @ @"},
    {"import @ --out @.store"},
    {"whatif --topology @"},
    {"run --backend model --topology @"},
};

std::string with_path(const std::string& args, const std::string& path) {
  std::string out;
  for (const char c : args) out += c == '@' ? path : std::string(1, c);
  return out;
}

TEST(HostileFiles, FifoAndDevZeroAreRefusedByEveryReader) {
  const std::string fifo = e2e::temp_path("hostile.fifo");
  ::unlink(fifo.c_str());
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  for (const std::string& path : {fifo, std::string("/dev/zero")}) {
    for (const Reader& r : kReaders) {
      const std::string args = with_path(r.args, path);
      const e2e::Result res = e2e::run(0, args, "", 30);
      EXPECT_EQ(res.exit_code, 2) << args << "\n" << res.output;
      EXPECT_EQ(e2e::count_lines_containing(res.output, "collbench: "), 1) << args << "\n" << res.output;
      EXPECT_NE(res.output.find(path), std::string::npos) << args << "\n" << res.output;
      EXPECT_NE(res.output.find("expected a regular file"), std::string::npos) << args << "\n" << res.output;
    }
  }
  ::unlink(fifo.c_str());
}

// A store whose manifest.json is a directory, or whose schema is not a string: bad input naming
// the manifest (exit 2), not an internal error (issue 23, item 1).
TEST(HostileFiles, AManifestThatIsADirectoryOrHasANonStringSchema) {
  const std::string store = e2e::temp_path("hostile-store");
  std::filesystem::remove_all(store);
  std::filesystem::create_directories(store + "/manifest.json");
  e2e::write_text(store + "/results.jsonl", "");
  for (const char* cmd : {"tune @ --out @.tune", "report @", "baseline @ --out @.b.json"}) {
    const std::string args = with_path(cmd, store);
    const e2e::Result res = e2e::run(0, args, "", 30);
    EXPECT_EQ(res.exit_code, 2) << args << "\n" << res.output;
    EXPECT_NE(res.output.find(store + "/manifest.json"), std::string::npos) << args << "\n" << res.output;
    EXPECT_EQ(res.output.find("internal error"), std::string::npos) << res.output;
  }
  std::filesystem::remove_all(store + "/manifest.json");
  e2e::write_text(store + "/manifest.json", R"({"schema": {}, "backend": "mpi", "repetitions": 1})");
  for (const char* cmd : {"tune @ --out @.tune", "report @", "baseline @ --out @.b.json"}) {
    const std::string args = with_path(cmd, store);
    const e2e::Result res = e2e::run(0, args, "", 30);
    EXPECT_EQ(res.exit_code, 2) << args << "\n" << res.output;
    EXPECT_NE(res.output.find("expected schema"), std::string::npos) << args << "\n" << res.output;
    EXPECT_EQ(res.output.find("internal error"), std::string::npos) << res.output;
  }
  std::filesystem::remove_all(store);
}

// A number beyond double's range (1e400): nlohmann refuses it with an out_of_range, which used to
// escape every reader as "internal error", exit 3 (issue 23, item 1). Now bad input naming the file.
TEST(HostileFiles, NumbersBeyondDoublesRangeAreBadInput) {
  const std::string f = e2e::temp_path("huge.json");
  e2e::write_text(f, R"({"schema": "collbench.run", "name": "x", "sizes": ["1K"], "backend": "mpi", "value": 1e400})");
  for (const char* cmd : {"sweep @ --dry-run", "whatif --topology @", "baseline @ --out @.b.json", "check @ --expect @",
                          "check @ --baseline @", "check @ --rules @ --expect @", "report @", "compare @ @"}) {
    const std::string args = with_path(cmd, f);
    const e2e::Result res = e2e::run(0, args, "", 30);
    EXPECT_EQ(res.exit_code, 2) << args << "\n" << res.output;
    EXPECT_EQ(e2e::count_lines_containing(res.output, "collbench: "), 1) << args << "\n" << res.output;
    EXPECT_NE(res.output.find(f), std::string::npos) << args << "\n" << res.output;
    EXPECT_EQ(res.output.find("internal error"), std::string::npos) << args << "\n" << res.output;
    EXPECT_NE(res.output.find("number overflow parsing '1e400'; expected numbers within a double's range"), std::string::npos)
        << args << "\n" << res.output;
  }
}

}  // namespace
