#include "core/input_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.hpp"

namespace collbench::core {

namespace {

// "WHAT 'PATH'", or the bare path when the caller names no kind (results::read_file_text's
// messages, which tests and users already know).
std::string named(std::string_view what, const std::string& path) {
  return what.empty() ? path : std::string(what) + " '" + path + "'";
}

std::string cannot_read(std::string_view what, const std::string& path, int err) {
  return named(what, path) + (what.empty() ? ": cannot read: " : ": cannot be read: ") + std::strerror(err);
}

const char* file_type(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

std::string size_text(std::uint64_t bytes) {
  if (bytes >= (1ull << 30) && bytes % (1ull << 30) == 0) return std::to_string(bytes >> 30) + " GiB";
  if (bytes >= (1ull << 20) && bytes % (1ull << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  return std::to_string(bytes) + " bytes";
}

[[noreturn]] void too_large(std::string_view what, const std::string& path, const std::string& size, std::uint64_t max) {
  throw InputError(named(what, path) + ": " + size + ", more than the " + size_text(max) + " a " +
                   std::string(what.empty() ? "file" : what) + " may have");
}

// Opens without blocking (a FIFO with no writer would block open itself) and refuses anything but
// a regular file. The descriptor is blocking again on return.
int open_regular(const std::string& path, std::string_view what, struct stat& st) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) throw InputError(cannot_read(what, path, errno));
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    throw InputError(cannot_read(what, path, err));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    throw InputError(named(what, path) + ": " + file_type(st.st_mode) + "; expected a regular file");
  }
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  return fd;
}

}  // namespace

std::string_view without_bom(std::string_view text) {
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  return text;
}

std::string read_input_file(const std::string& path, const InputKind& kind) {
  struct stat st {};
  const int fd = open_regular(path, kind.what, st);
  if (static_cast<std::uint64_t>(st.st_size) > kind.max_bytes) {
    ::close(fd);
    too_large(kind.what, path, size_text(static_cast<std::uint64_t>(st.st_size)), kind.max_bytes);
  }
  std::string text;
  text.reserve(static_cast<std::size_t>(st.st_size));
  char buffer[1 << 16];
  ssize_t n = 0;
  while ((n = ::read(fd, buffer, sizeof buffer)) > 0 || (n < 0 && errno == EINTR)) {
    if (n <= 0) continue;
    text.append(buffer, static_cast<std::size_t>(n));
    if (text.size() > kind.max_bytes) {  // it grew while being read
      ::close(fd);
      too_large(kind.what, path, "more than that", kind.max_bytes);
    }
  }
  const int err = errno;
  ::close(fd);
  if (n < 0) throw InputError(cannot_read(kind.what, path, err));
  if (without_bom(text).size() != text.size()) text.erase(0, 3);
  return text;
}

bool input_file_missing_or_regular(const std::string& path, std::string_view what) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return true;
    throw InputError(cannot_read(what, path, errno));
  }
  if (!S_ISREG(st.st_mode)) throw InputError(named(what, path) + ": " + file_type(st.st_mode) + "; expected a regular file");
  return false;
}

}  // namespace collbench::core
