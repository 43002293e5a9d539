#pragma once
// Small helpers shared by the stand-in libraries: environment integers, hashing, UUID text.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace cbsi {

// An integer environment variable in [lo, hi], else `fallback`; a malformed or out-of-range value
// is said once on stderr (the stand-in is configured by tests; a typo must not pass silently).
inline long long env_int(const char* name, long long fallback, long long lo, long long hi) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  char* end = nullptr;
  const long long x = std::strtoll(v, &end, 10);
  if (*end != '\0' || x < lo || x > hi) {
    std::fprintf(stderr, "collbench stand-in: %s='%s' is not an integer in [%lld, %lld]; using %lld\n", name, v, lo, hi,
                 fallback);
    return fallback;
  }
  return x;
}

// The non-empty items of a `sep`-separated environment variable (unset: none).
inline std::vector<std::string> env_list(const char* name, char sep) {
  std::vector<std::string> out;
  const char* v = std::getenv(name);
  const std::string s = v ? v : "";
  std::size_t pos = 0;
  while (pos < s.size()) {
    std::size_t end = s.find(sep, pos);
    if (end == std::string::npos) end = s.size();
    if (end > pos) out.push_back(s.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

inline std::uint64_t fnv1a(const std::string& s, std::uint64_t h = 1469598103934665603ull) {
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

// "GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", as nvidia-smi prints a UUID.
inline std::string uuid_string(const unsigned char (&u)[16]) {
  char out[48];
  std::snprintf(out, sizeof out, "GPU-%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1],
                u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
  return out;
}

}  // namespace cbsi
