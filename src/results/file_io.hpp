#pragma once
// Files of results: whole files read, replaced atomically, and appends written in full.
#include <string>
#include <string_view>

namespace collbench::results {

// The whole file, through core::read_input_file: a regular file of at most 1 GiB, a leading UTF-8
// byte-order mark skipped. Throws InputError "PATH: cannot read: …", "PATH: a FIFO …; expected a
// regular file", "PATH: … more than the 1 GiB …".
std::string read_file_text(const std::string& path);

// Writes all of `text` to `fd`, continuing after short writes and EINTR. False on error (errno set).
bool write_all(int fd, std::string_view text);

// PATH.tmp, fsync, rename, fsync of the directory: a reader sees the old file or the new one,
// never half of one. Throws InputError "'PATH': cannot write: …".
void write_file_atomically(const std::string& path, const std::string& text);

}  // namespace collbench::results
