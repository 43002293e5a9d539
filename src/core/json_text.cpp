#include "core/json_text.hpp"

#include <type_traits>
#include <unordered_set>
#include <vector>

#include "core/error.hpp"
#include "core/text.hpp"

namespace collbench::core {

namespace {

// nlohmann's DOM builder, with each object's keys remembered until the object ends. One set per
// nesting level, cleared (not freed) on reuse: a store of a million records allocates a few sets.
template <class J>
class CheckedSax {
 public:
  explicit CheckedSax(J& result) : m_dom(result, false) {}

  bool null() { return m_dom.null(); }
  bool boolean(bool v) { return m_dom.boolean(v); }
  bool number_integer(typename J::number_integer_t v) { return m_dom.number_integer(v); }
  bool number_unsigned(typename J::number_unsigned_t v) { return m_dom.number_unsigned(v); }
  bool number_float(typename J::number_float_t v, const std::string& s) { return m_dom.number_float(v, s); }
  bool string(std::string& v) { return m_dom.string(v); }
  bool binary(typename J::binary_t& v) { return m_dom.binary(v); }
  bool start_object(std::size_t n) {
    if (++m_level >= m_keys.size()) m_keys.resize(m_level + 1);
    m_keys[m_level].clear();
    return m_dom.start_object(n);
  }
  bool key(std::string& k) {
    if (!m_keys[m_level].insert(k).second) {
      m_status = JsonStatus::refused;
      m_problem = "key \"" + k + "\" given twice in one object; expected each key once";
      return false;
    }
    return m_dom.key(k);
  }
  bool end_object() {
    --m_level;
    return m_dom.end_object();
  }
  bool start_array(std::size_t n) { return m_dom.start_array(n); }
  bool end_array() { return m_dom.end_array(); }

  template <class Exception>
  bool parse_error(std::size_t byte, const std::string& /*token*/, const Exception& ex) {
    m_byte = byte;
    if constexpr (std::is_same_v<Exception, typename J::out_of_range>) {  // 406: number overflow
      m_status = JsonStatus::refused;
      m_problem = json_error_text(ex.what()) + "; expected numbers within a double's range";
    } else {
      m_status = JsonStatus::not_json;
      m_problem = json_error_text(ex.what());
    }
    return false;
  }

  JsonStatus status() const { return m_status; }
  std::string& problem() { return m_problem; }
  std::size_t byte() const { return m_byte; }

 private:
  nlohmann::detail::json_sax_dom_parser<J> m_dom;
  std::vector<std::unordered_set<std::string>> m_keys;
  std::size_t m_level = 0;
  JsonStatus m_status = JsonStatus::ok;
  std::string m_problem;
  std::size_t m_byte = 0;
};

}  // namespace

template <class Json>
BasicJsonParse<Json> parse_json(std::string_view text, JsonOptions options) {
  BasicJsonParse<Json> out;
  CheckedSax<Json> sax(out.value);
  const bool done = Json::sax_parse(text, &sax, nlohmann::json::input_format_t::json, true, options.comments);
  if (done && sax.status() == JsonStatus::ok) return out;
  out.status = sax.status() == JsonStatus::ok ? JsonStatus::not_json : sax.status();
  out.problem = std::move(sax.problem());
  out.byte = sax.byte();
  out.value = Json();
  return out;
}

template JsonParse parse_json<nlohmann::json>(std::string_view, JsonOptions);
template OrderedJsonParse parse_json<nlohmann::ordered_json>(std::string_view, JsonOptions);

nlohmann::json parse_json_or_throw(std::string_view text, std::string_view name, JsonOptions options) {
  JsonParse p = parse_json<nlohmann::json>(text, options);
  if (p.ok()) return std::move(p.value);
  if (p.status == JsonStatus::not_json) throw InputError(std::string(name) + ": expected JSON: " + p.problem);
  throw InputError(std::string(name) + ": " + p.problem);
}

}  // namespace collbench::core
