#pragma once
// Where the driver's records go, on rank 0: the table on stdout, the results document, a sweep's
// store, a group's collection. A run composes them (FanOutSink) rather than writing one sink each.
#include <mutex>
#include <string>
#include <vector>

#include "measure/session.hpp"
#include "plan/sweep_plan.hpp"
#include "report/table.hpp"
#include "results/record.hpp"
#include "results/store.hpp"

namespace collbench::app {

// The table: a block per collective; a sweep block's configuration named first.
class TableSink final : public measure::RecordSink {
 public:
  explicit TableSink(report::TablePrinter& table) : m_table(table) {}
  void begin_block(const plan::Block& b) override;
  void row(const plan::Block&, std::span<const plan::PlannedCase>, std::span<const results::ResultRecord> records) override {
    m_table.row(records);
  }
  void end_block(const plan::Block&) override { m_table.end_collective(); }

 private:
  report::TablePrinter& m_table;
};

// The results document, rewritten after every row (so that a crash or timeout loses at most the
// case in flight) unless `each_row` is off; then flush() writes it.
class DocumentSink final : public measure::RecordSink {
 public:
  DocumentSink(results::RunDocument& doc, std::string path, bool each_row = true)
      : m_doc(doc), m_path(std::move(path)), m_each_row(each_row) {}
  void row(const plan::Block&, std::span<const plan::PlannedCase>, std::span<const results::ResultRecord> records) override;
  // Records measured by parts of the job (--per-node, --pairs).
  void append(std::vector<results::ResultRecord> records);
  // The path was checked before the run, so a failure now (disk full, directory removed) is the
  // run failing (core::RunError), not bad input.
  void flush();
  // The document's last status ("ok", "wrong", "failed", "interrupted") and end time, written.
  // Safe from another thread (an interrupt) while the run appends: one lock guards the document.
  void finish(const std::string& status);
  results::RunDocument& doc() { return m_doc; }
  // run --prometheus: finish() also writes the document as metrics (its source named `source`).
  void set_prometheus(std::string path, std::string source) { m_prometheus = std::move(path), m_source = std::move(source); }
  std::size_t records();

 private:
  void write_locked();
  std::mutex m_mutex;
  results::RunDocument& m_doc;
  std::string m_path;
  std::string m_prometheus, m_source;
  bool m_each_row;
};

// A sweep's store: each case appended (fsynced) under its planned id as it completes.
class StoreSink final : public measure::RecordSink {
 public:
  StoreSink(results::StoreAppender& store, std::string launch) : m_store(store), m_launch(std::move(launch)) {}
  void row(const plan::Block& b, std::span<const plan::PlannedCase> cases, std::span<const results::ResultRecord> records) override;

 private:
  results::StoreAppender& m_store;
  std::string m_launch;
};

// A group's records, kept for the comparison of groups.
class CollectSink final : public measure::RecordSink {
 public:
  std::vector<results::ResultRecord> records;
  void row(const plan::Block&, std::span<const plan::PlannedCase>, std::span<const results::ResultRecord> rows) override {
    records.insert(records.end(), rows.begin(), rows.end());
  }
};

// Every event to each sink, in order.
class FanOutSink final : public measure::RecordSink {
 public:
  explicit FanOutSink(std::vector<measure::RecordSink*> sinks) : m_sinks(std::move(sinks)) {}
  void begin_block(const plan::Block& b) override;
  void row(const plan::Block& b, std::span<const plan::PlannedCase> cases, std::span<const results::ResultRecord> records) override;
  void end_block(const plan::Block& b) override;

 private:
  std::vector<measure::RecordSink*> m_sinks;
};

}  // namespace collbench::app
