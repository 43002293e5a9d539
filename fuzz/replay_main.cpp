// The replay runner of a fuzz target, built with gcc in every build that has tests (no libFuzzer
// needed): runs LLVMFuzzerTestOneInput on every file of the directories (or files) given, in name
// order, so ctest replays the seed corpus and every input that ever failed (fuzz.replay.TARGET).
// A broken contract aborts, naming the exception; before that it prints the file being replayed.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

namespace fs = std::filesystem;

std::vector<fs::path> inputs_of(const fs::path& arg) {
  std::vector<fs::path> files;
  if (fs::is_directory(arg)) {
    for (const fs::directory_entry& e : fs::directory_iterator(arg))
      if (e.is_regular_file() && e.path().filename() != "README.md") files.push_back(e.path());
  } else if (fs::is_regular_file(arg)) {
    files.push_back(arg);
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t replayed = 0;
  for (int i = 1; i < argc; ++i) {
    for (const fs::path& file : inputs_of(argv[i])) {
      std::ifstream in(file, std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      std::fprintf(stderr, "replay %s (%zu bytes)\n", file.c_str(), bytes.size());
      LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
      ++replayed;
    }
  }
  std::printf("replayed %zu inputs, contract kept\n", replayed);
  return replayed > 0 ? 0 : 1;  // an empty corpus is a mistake in the tree, not a pass
}
