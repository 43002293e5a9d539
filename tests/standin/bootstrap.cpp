#include "bootstrap.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <thread>

#include "runtime.hpp"
#include "segment.hpp"

namespace cbsi {

namespace {

bool send_all(int fd, const void* p, std::size_t n) {
  const char* c = static_cast<const char*>(p);
  while (n > 0) {
    const ssize_t k = ::send(fd, c, n, MSG_NOSIGNAL);
    if (k <= 0) return false;
    c += k;
    n -= static_cast<std::size_t>(k);
  }
  return true;
}

// Reads exactly n bytes; gives up on EOF, or when `abort` is set (checked every 100 ms).
bool recv_all(int fd, void* p, std::size_t n, const std::atomic<bool>* abort) {
  char* c = static_cast<char*>(p);
  while (n > 0) {
    pollfd pfd{fd, POLLIN, 0};
    const int r = ::poll(&pfd, 1, 100);
    if (r == 0) {
      if ((abort && abort->load()) || shutting_down()) return false;
      continue;
    }
    if (r < 0) return false;
    const ssize_t k = ::recv(fd, c, n, 0);
    if (k <= 0) return false;
    c += k;
    n -= static_cast<std::size_t>(k);
  }
  return true;
}

struct Reply {
  int status;  // ncclResult_t
  char message[192];
  char path[128];
};

void serve(int listener) {
  std::vector<int> fds;
  std::vector<PeerInfo> infos;
  int nranks = -1;
  while (nranks < 0 || static_cast<int>(fds.size()) < nranks) {
    const int fd = ::accept(listener, nullptr, nullptr);
    if (fd < 0) {
      if (shutting_down()) return;
      continue;
    }
    PeerInfo info;
    if (!recv_all(fd, &info, sizeof info, nullptr)) {
      ::close(fd);
      continue;
    }
    if (nranks < 0) nranks = info.nranks;
    fds.push_back(fd);
    infos.push_back(info);
  }
  ::close(listener);
  Reply reply{};
  std::vector<PeerInfo> table(static_cast<std::size_t>(nranks));
  std::vector<bool> seen(static_cast<std::size_t>(nranks), false);
  for (const PeerInfo& p : infos) {
    if (p.nranks != nranks || p.rank < 0 || p.rank >= nranks || seen[static_cast<std::size_t>(p.rank)]) {
      reply.status = ncclInvalidUsage;
      std::snprintf(reply.message, sizeof reply.message, "Bootstrap: rank %d of %d joined a communicator of %d ranks twice or out of range",
                    p.rank, p.nranks, nranks);
      break;
    }
    seen[static_cast<std::size_t>(p.rank)] = true;
    table[static_cast<std::size_t>(p.rank)] = p;
  }
  // init.cc: two ranks of one host on the same GPU (bus id) are refused.
  for (int a = 0; a < nranks && reply.status == 0; ++a)
    for (int b = a + 1; b < nranks && reply.status == 0; ++b) {
      const PeerInfo& x = table[static_cast<std::size_t>(a)];
      const PeerInfo& y = table[static_cast<std::size_t>(b)];
      if (std::strcmp(x.host, y.host) == 0 && std::strcmp(x.bus_id, y.bus_id) == 0) {
        reply.status = ncclInvalidUsage;
        std::snprintf(reply.message, sizeof reply.message, "Duplicate GPU detected : rank %d and rank %d both on CUDA device %s",
                      a, b, x.bus_id);
      }
    }
  std::unique_ptr<Segment> seg;
  if (reply.status == 0) {
    static std::atomic<int> counter{0};
    const char* dir = std::getenv("COLLBENCH_STANDIN_SHM_DIR");
    std::snprintf(reply.path, sizeof reply.path, "%s/cbsi-%d-%d", dir && *dir ? dir : "/dev/shm", ::getpid(), counter++);
    seg = Segment::create(reply.path, nranks);
    if (!seg) {
      reply.status = ncclSystemError;
      std::snprintf(reply.message, sizeof reply.message, "could not create the shared-memory file %s: %s", reply.path,
                    std::strerror(errno));
    }
  }
  // Ranks of this process last: once they have their answer their process may exit (a refusal
  // ends init at once), and what was sent to the others is then already on its way.
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < fds.size(); ++i)
    if (infos[i].pid != ::getpid()) order.push_back(i);
  for (std::size_t i = 0; i < fds.size(); ++i)
    if (infos[i].pid == ::getpid()) order.push_back(i);
  for (std::size_t i : order) {
    send_all(fds[i], &reply, sizeof reply);
    if (reply.status == 0) send_all(fds[i], table.data(), table.size() * sizeof(PeerInfo));
  }
  if (reply.status == 0)
    for (int fd : fds) {  // every rank has mapped the file (its rank 0 unlinks it after init)
      char ack = 0;
      recv_all(fd, &ack, 1, nullptr);
    }
  for (int fd : fds) ::close(fd);
}

}  // namespace

bool parse_comm_id(const char* text, std::uint32_t* addr, std::uint16_t* port, std::string* err) {
  const std::string s(text);
  const std::size_t colon = s.rfind(':');
  if (colon == std::string::npos || colon == 0 || s[0] == '[') {
    *err = "NCCL_COMM_ID='" + s + "': expected <host>:<port> (IPv4 or a name)";
    return false;
  }
  const std::string host = s.substr(0, colon);
  char* end = nullptr;
  const long p = std::strtol(s.c_str() + colon + 1, &end, 10);
  if (*end != '\0' || p <= 0 || p > 65535) {
    *err = "NCCL_COMM_ID='" + s + "': the port must be 1..65535";
    return false;
  }
  addrinfo hints{};
  hints.ai_family = AF_INET;
  addrinfo* res = nullptr;
  if (::getaddrinfo(host.c_str(), nullptr, &hints, &res) != 0 || res == nullptr) {
    *err = "NCCL_COMM_ID='" + s + "': cannot resolve host " + host;
    return false;
  }
  *addr = reinterpret_cast<sockaddr_in*>(res->ai_addr)->sin_addr.s_addr;
  ::freeaddrinfo(res);
  *port = static_cast<std::uint16_t>(p);
  return true;
}

bool start_root(std::uint32_t addr, std::uint16_t* port, std::string* err) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *err = std::string("Bootstrap : socket: ") + std::strerror(errno);
    return false;
  }
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = addr;
  sa.sin_port = htons(*port);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || ::listen(fd, 512) != 0) {
    *err = std::string("Bootstrap : bind/listen on port ") + std::to_string(*port) + " failed: " + std::strerror(errno);
    ::close(fd);
    return false;
  }
  socklen_t len = sizeof sa;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  *port = ntohs(sa.sin_port);
  std::thread(serve, fd).detach();
  return true;
}

ncclResult_t exchange(const IdBlob& id, const PeerInfo& mine, std::vector<PeerInfo>* all, std::string* path,
                      int* root_fd, const std::atomic<bool>& abort, std::string* err) {
  int fd = -1;
  // The root may not be listening yet (NCCL_COMM_ID: rank 0 starts it in its own init): retry.
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  for (;;) {
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = id.addr;
    sa.sin_port = htons(id.port);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0) break;
    ::close(fd);
    if (abort.load() || shutting_down() || std::chrono::steady_clock::now() > until) {
      *err = "Bootstrap : no root answered at port " + std::to_string(id.port);
      return ncclSystemError;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  Reply reply{};
  if (!send_all(fd, &mine, sizeof mine) || !recv_all(fd, &reply, sizeof reply, &abort)) {
    ::close(fd);
    *err = abort.load() ? "communicator aborted during bootstrap" : "Bootstrap : the root closed the connection";
    return abort.load() ? ncclInvalidUsage : ncclSystemError;
  }
  if (reply.status != 0) {
    ::close(fd);
    *err = reply.message;
    return static_cast<ncclResult_t>(reply.status);
  }
  all->resize(static_cast<std::size_t>(mine.nranks));
  if (!recv_all(fd, all->data(), all->size() * sizeof(PeerInfo), &abort)) {
    ::close(fd);
    *err = "Bootstrap : the root closed the connection";
    return ncclSystemError;
  }
  *path = reply.path;
  *root_fd = fd;  // the caller maps the file, then calls attached(fd)
  return ncclSuccess;
}

void attached(int fd) {
  const char ack = 1;
  send_all(fd, &ack, 1);
  ::close(fd);
}

}  // namespace cbsi
