#include "exposition/push.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

#ifdef COLLBENCH_WITH_CURL
#include <curl/curl.h>
#endif

namespace collbench::exposition {
namespace {

bool plain_segment(const std::string& v) {
  if (v.empty()) return false;
  for (char c : v)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~'))
      return false;
  return true;
}

}  // namespace

std::string base64url(const std::string& bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::size_t i = 0;
  const auto byte = [&](std::size_t k) { return static_cast<unsigned>(static_cast<unsigned char>(bytes[k])); };
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned n = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(n >> s) & 63];
  }
  if (const std::size_t left = bytes.size() - i; left > 0) {
    const unsigned n = byte(i) << 16 | (left == 2 ? byte(i + 1) << 8 : 0);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += left == 2 ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string group_url(const std::string& base_url, const GroupingKey& key) {
  std::string url = base_url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  url += "/metrics";
  for (const auto& [name, value] : key) {
    // An empty value is "=" in base64 (the Pushgateway's README, "URL").
    if (plain_segment(value)) url += "/" + name + "/" + value;
    else url += "/" + name + "@base64/" + (value.empty() ? std::string("=") : base64url(value));
  }
  return url;
}

#ifdef COLLBENCH_WITH_CURL
namespace {

std::size_t keep_reply(char* data, std::size_t size, std::size_t n, void* out) {
  auto* reply = static_cast<std::string*>(out);
  if (reply->size() < 4096) reply->append(data, std::min<std::size_t>(size * n, 4096 - reply->size()));
  return size * n;
}

std::string first_line(const std::string& s) {
  std::string line = s.substr(0, s.find('\n'));
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  return line;
}

}  // namespace

void push(const std::string& base_url, const GroupingKey& key, const std::string& body) {
  const std::string url = group_url(base_url, key);
  if (!(base_url.starts_with("http://") || base_url.starts_with("https://")))
    throw core::InputError(fmt::format("--push '{}': expected an http:// or https:// URL of a Pushgateway", base_url));
  static const bool initialised = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  CURL* curl = initialised ? curl_easy_init() : nullptr;
  if (curl == nullptr) throw core::RunError(fmt::format("push to '{}' failed: libcurl could not start", url));
  std::string reply;
  char error[CURL_ERROR_SIZE] = "";
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: text/plain; version=0.0.4; charset=utf-8");
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "PUT");
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 60L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, keep_reply);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply);
  const CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK)
    throw core::RunError(fmt::format("push to '{}' failed: {}", url, error[0] != '\0' ? error : curl_easy_strerror(rc)));
  if (status < 200 || status > 299)
    throw core::RunError(fmt::format("push to '{}' failed: HTTP {}{}{}", url, status, reply.empty() ? "" : ": ", first_line(reply)));
}
#else
void push(const std::string& base_url, const GroupingKey&, const std::string&) {
  throw core::InputError(fmt::format("--push '{}': this collbench was built without libcurl (no HTTP client); write a file with "
                                     "--out and push it with curl --data-binary", base_url));
}
#endif

}  // namespace collbench::exposition
