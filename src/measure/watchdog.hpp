#pragma once
// Turns a hang into exit code 3: a thread that aborts the whole job when a case runs past its
// deadline, after saying which rank, host and case timed out.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace collbench::measure {

class Watchdog {
 public:
  // `on_expire` runs on the watchdog thread with the case description; it must not return
  // (World::abort). A timeout of 0 disables the watchdog.
  Watchdog(double timeout_s, std::string who, void (*on_expire)(const std::string&));
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  void arm(const std::string& what);
  void disarm();

 private:
  void loop();

  double m_timeout_s;
  std::string m_who;
  void (*m_on_expire)(const std::string&);
  std::mutex m_mutex;
  std::condition_variable m_cv;
  bool m_armed = false;
  bool m_stop = false;
  std::string m_what;
  std::chrono::steady_clock::time_point m_deadline;
  std::thread m_thread;
};

}  // namespace collbench::measure
