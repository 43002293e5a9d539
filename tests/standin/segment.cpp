#include "segment.hpp"

#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>

#include "runtime.hpp"

namespace cbsi {

constexpr int kMaxRanks = 512;
constexpr std::size_t kControlBytes = 256;

struct alignas(64) Epoch {
  std::atomic<std::uint64_t> v{0};
  char pad[56];
};

struct SegmentHeader {
  std::uint32_t magic;
  int nranks;
  std::atomic<int> error;
  alignas(64) std::atomic<std::uint32_t> wake;
  Epoch arrived[kMaxRanks];
  Epoch control[kMaxRanks];
  double start_ns[kMaxRanks];
  char control_data[kMaxRanks][kControlBytes];
};

namespace {
std::size_t round_up(std::size_t n, std::size_t a) { return (n + a - 1) / a * a; }
}  // namespace

bool Segment::map(const std::string& path, int nranks, bool create) {
  m_nranks = nranks;
  const auto n = static_cast<std::size_t>(nranks);
  m_slot = std::clamp<std::size_t>(round_up((64u << 20) / n, 4096), 256u << 10, 4u << 20);
  m_mail = std::clamp<std::size_t>(round_up((64u << 20) / (n * n), 4096), 64u << 10, 1u << 20);
  const std::size_t header = round_up(sizeof(SegmentHeader), 4096);
  const std::size_t mail_header = round_up(n * n * sizeof(Mailbox), 4096);
  m_total = header + n * m_slot + mail_header + n * n * m_mail;
  const int fd = ::open(path.c_str(), create ? (O_RDWR | O_CREAT | O_EXCL) : O_RDWR, 0600);
  if (fd < 0) return false;
  if (create && ::ftruncate(fd, static_cast<off_t>(m_total)) != 0) {
    ::close(fd);
    return false;
  }
  void* p = ::mmap(nullptr, m_total, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  ::close(fd);
  if (p == MAP_FAILED) return false;
  m_base = static_cast<char*>(p);
  m_header = reinterpret_cast<SegmentHeader*>(m_base);
  if (create) {
    new (m_header) SegmentHeader();
    m_header->magic = 0x43425349;
    m_header->nranks = nranks;
    for (std::size_t i = 0; i < n * n; ++i) new (&reinterpret_cast<Mailbox*>(m_base + header)[i]) Mailbox();
  }
  return true;
}

std::unique_ptr<Segment> Segment::create(const std::string& path, int nranks) {
  if (nranks < 1 || nranks > kMaxRanks) return nullptr;
  std::unique_ptr<Segment> s(new Segment());
  if (!s->map(path, nranks, true)) return nullptr;
  return s;
}

std::unique_ptr<Segment> Segment::open(const std::string& path, int nranks) {
  if (nranks < 1 || nranks > kMaxRanks) return nullptr;
  std::unique_ptr<Segment> s(new Segment());
  if (!s->map(path, nranks, false)) return nullptr;
  if (s->m_header->magic != 0x43425349 || s->m_header->nranks != nranks) return nullptr;
  return s;
}

Segment::~Segment() {
  if (m_base) ::munmap(m_base, m_total);
}

char* Segment::slot(int rank) const {
  const std::size_t header = round_up(sizeof(SegmentHeader), 4096);
  return m_base + header + static_cast<std::size_t>(rank) * m_slot;
}

Mailbox& Segment::mailbox(int src, int dst) const {
  const std::size_t header = round_up(sizeof(SegmentHeader), 4096) + static_cast<std::size_t>(m_nranks) * m_slot;
  auto* boxes = reinterpret_cast<Mailbox*>(m_base + header);
  return boxes[static_cast<std::size_t>(src) * static_cast<std::size_t>(m_nranks) + static_cast<std::size_t>(dst)];
}

char* Segment::mailbox_data(int src, int dst) const {
  const auto n = static_cast<std::size_t>(m_nranks);
  const std::size_t start = round_up(sizeof(SegmentHeader), 4096) + n * m_slot + round_up(n * n * sizeof(Mailbox), 4096);
  return m_base + start + (static_cast<std::size_t>(src) * n + static_cast<std::size_t>(dst)) * m_mail;
}

bool Segment::wait(const std::function<bool()>& ready, const std::function<bool()>& broken) {
  for (int spin = 0;; ++spin) {
    const std::uint32_t seen = m_header->wake.load(std::memory_order_acquire);
    if (ready()) return true;
    if (broken() || shutting_down()) return false;
    if (spin < 4) {
      sched_yield();
      continue;
    }
    const timespec ms{0, 1000000};
    ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&m_header->wake), FUTEX_WAIT, seen, &ms, nullptr, 0);
  }
}

void Segment::notify() {
  m_header->wake.fetch_add(1, std::memory_order_acq_rel);
  ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&m_header->wake), FUTEX_WAKE, 1 << 30, nullptr, nullptr, 0);
}

bool Segment::barrier(int rank, std::uint64_t epoch, const std::function<bool()>& broken) {
  m_header->arrived[rank].v.store(epoch, std::memory_order_release);
  notify();
  return wait(
      [&] {
        for (int r = 0; r < m_nranks; ++r)
          if (m_header->arrived[r].v.load(std::memory_order_acquire) < epoch) return false;
        return true;
      },
      [&] { return error() != 0 || broken(); });
}

void Segment::set_start(int rank, double ns) { m_header->start_ns[rank] = ns; }

double Segment::max_start() const {
  double m = 0;
  for (int r = 0; r < m_nranks; ++r) m = std::max(m, m_header->start_ns[r]);
  return m;
}

void Segment::raise_error(int code) {
  int none = 0;
  m_header->error.compare_exchange_strong(none, code);
  notify();
}

int Segment::error() const { return m_header->error.load(std::memory_order_acquire); }

bool Segment::control_allgather(int rank, std::uint64_t epoch, const void* mine, std::size_t bytes, void* all,
                                const std::function<bool()>& broken) {
  if (bytes > kControlBytes) return false;
  // Two phases: publish, then wait for everyone to have read before the slots can be reused.
  std::memcpy(m_header->control_data[rank], mine, bytes);
  m_header->control[rank].v.store(2 * epoch - 1, std::memory_order_release);
  notify();
  auto all_at = [&](std::uint64_t e) {
    return [this, e] {
      for (int r = 0; r < m_nranks; ++r)
        if (m_header->control[r].v.load(std::memory_order_acquire) < e) return false;
      return true;
    };
  };
  if (!wait(all_at(2 * epoch - 1), broken)) return false;
  for (int r = 0; r < m_nranks; ++r)
    std::memcpy(static_cast<char*>(all) + static_cast<std::size_t>(r) * bytes, m_header->control_data[r], bytes);
  m_header->control[rank].v.store(2 * epoch, std::memory_order_release);
  notify();
  return wait(all_at(2 * epoch), broken);
}

}  // namespace cbsi
