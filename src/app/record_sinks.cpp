#include "app/record_sinks.hpp"

#include <chrono>

#include "app/export.hpp"
#include "core/error.hpp"
#include "plan/knobs.hpp"
#include "results/json.hpp"
#include "results/metadata.hpp"

namespace collbench::app {

void TableSink::begin_block(const plan::Block& b) {
  if (!b.config_id.empty()) m_table.note("configuration " + b.config_id + ": " + plan::describe(b.knobs));
  m_table.begin_collective(core::name(b.coll), core::nccl_tests_name(b.coll), plan::placements_of(b));
}

void DocumentSink::row(const plan::Block&, std::span<const plan::PlannedCase>, std::span<const results::ResultRecord> records) {
  const std::lock_guard lock(m_mutex);
  m_doc.results.insert(m_doc.results.end(), records.begin(), records.end());
  if (m_each_row) write_locked();
}

void DocumentSink::append(std::vector<results::ResultRecord> records) {
  const std::lock_guard lock(m_mutex);
  m_doc.results.insert(m_doc.results.end(), std::make_move_iterator(records.begin()), std::make_move_iterator(records.end()));
  write_locked();
}

void DocumentSink::flush() {
  const std::lock_guard lock(m_mutex);
  write_locked();
}

void DocumentSink::finish(const std::string& status) {
  const std::lock_guard lock(m_mutex);
  m_doc.status = status;
  m_doc.metadata.end_time = results::iso8601_utc(std::chrono::system_clock::now());
  write_locked();
  if (!m_prometheus.empty()) write_run_prometheus(m_prometheus, m_doc, m_source);
}

std::size_t DocumentSink::records() {
  const std::lock_guard lock(m_mutex);
  return m_doc.results.size();
}

void DocumentSink::write_locked() {
  if (m_path.empty()) return;
  try {
    results::write_document_file(m_path, m_doc);
  } catch (const core::InputError& e) {
    throw core::RunError(e.what());
  }
}

void StoreSink::row(const plan::Block& b, std::span<const plan::PlannedCase> cases, std::span<const results::ResultRecord> records) {
  for (std::size_t i = 0; i < records.size(); ++i) {
    results::StoredCase sc;
    sc.case_id = cases[i].id;
    sc.config_id = b.config_id;
    sc.knobs = b.knobs;
    sc.rep = b.rep;
    sc.launch = m_launch;
    sc.result = records[i];
    m_store.append(sc);
  }
}

void FanOutSink::begin_block(const plan::Block& b) {
  for (measure::RecordSink* s : m_sinks) s->begin_block(b);
}

void FanOutSink::row(const plan::Block& b, std::span<const plan::PlannedCase> cases, std::span<const results::ResultRecord> records) {
  for (measure::RecordSink* s : m_sinks) s->row(b, cases, records);
}

void FanOutSink::end_block(const plan::Block& b) {
  for (measure::RecordSink* s : m_sinks) s->end_block(b);
}

}  // namespace collbench::app
