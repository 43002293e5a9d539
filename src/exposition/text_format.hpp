#pragma once
// Prometheus' text exposition format 0.0.4 (what node_exporter's textfile collector and the
// Pushgateway read): one # HELP and # TYPE per family, then its samples, no timestamps.
// Label values are escaped (\\, \", \n); NaN samples are left out rather than written as NaN, so a
// figure a source does not give is absent, not a point on a dashboard.
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace collbench::exposition {

using Labels = std::vector<std::pair<std::string, std::string>>;

struct Sample {
  Labels labels;
  double value = 0;
};

struct Family {
  std::string name;  // [a-zA-Z_:][a-zA-Z0-9_:]*
  std::string help;
  std::string type = "gauge";
  std::vector<Sample> samples;
};

// The families in order of first use; a family is written once however often it is asked for.
class Exposition {
 public:
  Family& family(const std::string& name, const std::string& help);
  // Adds a sample unless `value` is NaN. A second sample with the same labels keeps the smaller
  // value (a pass gauge: one failure among duplicates makes it 0).
  void add(const std::string& name, const std::string& help, Labels labels, double value);
  std::size_t samples() const;
  bool empty() const { return samples() == 0; }
  // The text; families without samples are left out. Throws core::Error on a bad name (a bug).
  std::string text() const;

 private:
  std::vector<Family> m_families;
  std::unordered_map<std::string, std::size_t> m_family_index;  // name -> m_families
  std::unordered_map<std::string, std::size_t> m_sample_index;  // name and labels -> its family's samples
};

// Prometheus' float text: shortest round-trip digits, +Inf/-Inf.
std::string format_value(double v);
std::string escape_label_value(const std::string& v);

}  // namespace collbench::exposition
