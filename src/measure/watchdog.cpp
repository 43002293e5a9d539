#include "measure/watchdog.hpp"

#include <fmt/format.h>

#include <cstdio>

namespace collbench::measure {

Watchdog::Watchdog(double timeout_s, std::string who, void (*on_expire)(const std::string&))
    : m_timeout_s(timeout_s), m_who(std::move(who)), m_on_expire(on_expire) {
  if (m_timeout_s > 0) m_thread = std::thread([this] { loop(); });
}

Watchdog::~Watchdog() {
  {
    std::lock_guard lock(m_mutex);
    m_stop = true;
  }
  m_cv.notify_all();
  if (m_thread.joinable()) m_thread.join();
}

void Watchdog::arm(const std::string& what) {
  if (m_timeout_s <= 0) return;
  {
    std::lock_guard lock(m_mutex);
    m_armed = true;
    m_what = what;
    m_deadline = std::chrono::steady_clock::now() +
                 std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                     std::chrono::duration<double>(m_timeout_s));
  }
  m_cv.notify_all();
}

void Watchdog::disarm() {
  if (m_timeout_s <= 0) return;
  std::lock_guard lock(m_mutex);
  m_armed = false;
}

void Watchdog::loop() {
  std::unique_lock lock(m_mutex);
  while (!m_stop) {
    if (!m_armed) {
      m_cv.wait(lock);
      continue;
    }
    if (m_cv.wait_until(lock, m_deadline) == std::cv_status::timeout && m_armed && !m_stop &&
        std::chrono::steady_clock::now() >= m_deadline) {
      const std::string message = fmt::format("collbench: {}: timeout: {} did not finish within {:g} s "
                                              "(--timeout); aborting the job (exit 3)",
                                              m_who, m_what, m_timeout_s);
      std::fprintf(stderr, "%s\n", message.c_str());
      std::fflush(stderr);
      m_on_expire(message);
    }
  }
}

}  // namespace collbench::measure
