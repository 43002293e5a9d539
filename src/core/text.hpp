#pragma once
// Small text helpers every parser of user input shares: case folding, list splitting, the
// position of a parse error, and the list syntax of NCCL_ALGO / NCCL_PROTO.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace collbench::core {

std::string to_lower(std::string_view s);
std::string trim(std::string_view s);
// Every piece between `sep`s, empty ones included ("a,,b" -> a, "", b; "" -> one empty piece).
std::vector<std::string> split(std::string_view s, char sep);

// "LINE:COL" (1-based) of the byte at 1-based offset `byte` in `text`: where a parser's error
// (nlohmann's parse_error::byte) points, for messages "FILE:LINE:COL: …".
std::string text_position(std::string_view text, std::size_t byte);

// nlohmann::json's exception text without its "[json.exception.out_of_range.406] " prefix: what
// a user needs is "number overflow parsing '1e400'".
std::string json_error_text(std::string_view what);

// One ';'-separated part of an NCCL_ALGO / NCCL_PROTO value: "allreduce:^ring,tree" gives
// collective "allreduce", except true, names {"ring", "tree"}; a bare "Ring" gives an empty
// collective. Lower case, spaces trimmed, empty parts dropped; names keep empty tokens (a
// caller decides whether "ring,,tree" is an error). Validation is the caller's: the sweep
// catalog insists on the per-collective form, the model reads what NCCL reads.
struct NcclListPart {
  std::string collective;
  bool except = false;
  std::vector<std::string> names;
};
std::vector<NcclListPart> split_nccl_list(std::string_view value);

// UTF-8 as RFC 3629 defines it (no overlong forms, no surrogates, nothing past U+10FFFF): the
// offset of the first byte that is not, or npos when `text` is valid.
std::size_t first_invalid_utf8(std::string_view text);
// `text` with each invalid byte replaced by U+FFFD; `*replaced` counts them.
std::string replace_invalid_utf8(std::string_view text, std::size_t* replaced);
// The longest prefix of `text` of at most `max_bytes` bytes that does not end inside a UTF-8
// sequence: quoting a line cut at a byte count must not leave half a character (which every JSON
// writer refuses; fuzz/nccl_tests_text found a U+FFFD cut after two of its three bytes).
std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes);

}  // namespace collbench::core
