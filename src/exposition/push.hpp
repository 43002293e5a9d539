#pragma once
// Sending an exposition to a Prometheus Pushgateway: one HTTP PUT to
// URL/metrics/job/JOB/LABEL/VALUE…, which replaces every metric of that group at once (the
// Pushgateway checks the whole body before it stores any of it, so a refused push leaves the group
// as it was). Label values with a '/' (or empty) go base64url-encoded ("@base64"), as the
// Pushgateway's README asks.
#include <string>
#include <utility>
#include <vector>

namespace collbench::exposition {

using GroupingKey = std::vector<std::pair<std::string, std::string>>;  // job first

// The URL of the group: "http://gw:9091/metrics/job/collbench/instance/node1".
std::string group_url(const std::string& base_url, const GroupingKey& key);

// PUTs `body` (text format 0.0.4). Throws core::RunError (exit 3) naming the URL and what failed:
// no connection, a timeout, an HTTP status other than 2xx (with the Pushgateway's reason), or a
// build without libcurl.
void push(const std::string& base_url, const GroupingKey& key, const std::string& body);

std::string base64url(const std::string& bytes);

}  // namespace collbench::exposition
