#include "core/text.hpp"

#include <cctype>

namespace collbench::core {

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string trim(std::string_view s) {
  std::size_t a = 0, b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
  return std::string(s.substr(a, b - a));
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  std::size_t p = 0;
  while (true) {
    const std::size_t q = s.find(sep, p);
    out.emplace_back(s.substr(p, q == std::string_view::npos ? std::string_view::npos : q - p));
    if (q == std::string_view::npos) return out;
    p = q + 1;
  }
}

std::string text_position(std::string_view text, std::size_t byte) {
  std::size_t line = 1, col = 1;
  for (std::size_t i = 0; i + 1 < byte && i < text.size(); ++i) {
    if (text[i] == '\n') ++line, col = 1;
    else ++col;
  }
  return std::to_string(line) + ":" + std::to_string(col);
}

std::vector<NcclListPart> split_nccl_list(std::string_view value) {
  std::vector<NcclListPart> parts;
  for (const std::string& raw : split(to_lower(value), ';')) {
    std::string part = trim(raw);
    if (part.empty()) continue;
    NcclListPart p;
    if (const std::size_t colon = part.find(':'); colon != std::string::npos) {
      p.collective = trim(std::string_view(part).substr(0, colon));
      part = trim(std::string_view(part).substr(colon + 1));
    }
    p.except = !part.empty() && part[0] == '^';
    if (p.except) part.erase(0, 1);
    for (const std::string& name : split(part, ',')) p.names.push_back(trim(name));
    parts.push_back(std::move(p));
  }
  return parts;
}

std::string json_error_text(std::string_view what) {
  if (what.starts_with("[json.exception.")) {
    if (const auto end = what.find("] "); end != std::string_view::npos) what.remove_prefix(end + 2);
  }
  return std::string(what);
}

namespace {

// The length of the valid UTF-8 sequence at `p` (1 to 4), or 0.
std::size_t utf8_length(const unsigned char* p, std::size_t left) {
  const unsigned char c = p[0];
  if (c < 0x80) return 1;
  const auto cont = [&](std::size_t i, unsigned char lo = 0x80, unsigned char hi = 0xBF) {
    return i < left && p[i] >= lo && p[i] <= hi;
  };
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c == 0xE0) return cont(1, 0xA0) && cont(2) ? 3 : 0;
  if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) return cont(1) && cont(2) ? 3 : 0;
  if (c == 0xED) return cont(1, 0x80, 0x9F) && cont(2) ? 3 : 0;
  if (c == 0xF0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (c >= 0xF1 && c <= 0xF3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (c == 0xF4) return cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

}  // namespace

std::size_t first_invalid_utf8(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  for (std::size_t i = 0; i < text.size();) {
    if (p[i] < 0x80) {  // the common case, byte by byte
      ++i;
      continue;
    }
    const std::size_t n = utf8_length(p + i, text.size() - i);
    if (n == 0) return i;
    i += n;
  }
  return std::string_view::npos;
}

std::string replace_invalid_utf8(std::string_view text, std::size_t* replaced) {
  std::string out;
  out.reserve(text.size());
  std::size_t count = 0;
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = utf8_length(p + i, text.size() - i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++count, ++i;
      continue;
    }
    out.append(text.substr(i, n));
    i += n;
  }
  if (replaced != nullptr) *replaced = count;
  return out;
}

std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  std::size_t end = max_bytes;
  // Back off over continuation bytes (10xxxxxx) to the lead byte of the sequence cut, and leave
  // it out; a valid sequence is at most 4 bytes, so at most 3 continuation bytes precede the cut.
  std::size_t back = 0;
  while (end > 0 && back < 3 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end, ++back;
  return text.substr(0, end);
}

}  // namespace collbench::core
