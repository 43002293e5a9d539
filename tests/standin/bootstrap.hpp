#pragma once
// The stand-in NCCL's bootstrap, over TCP as NCCL's own (bootstrap.cc): the unique id names a
// root address; every rank connects to the root, which gathers each rank's facts, checks them
// (duplicate GPUs), creates the communicator's shared-memory file and sends every rank the table
// and the file's path. ncclGetUniqueId starts the root in the calling process; with
// NCCL_COMM_ID=<host>:<port> every rank's id names that address and rank 0 starts the root
// inside init (bootstrap.cc:417-421, init.cc:2017-2025 in NCCL 2.28.9).
#include <nccl.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

namespace cbsi {

struct IdBlob {
  char magic[4];         // "CBSI"
  std::uint16_t port;    // host order
  std::uint32_t addr;    // IPv4, network order
  std::uint64_t token;
  std::uint8_t from_env; // made from NCCL_COMM_ID
};
static_assert(sizeof(IdBlob) <= sizeof(ncclUniqueId), "the id must fit NCCL's 128 bytes");

struct PeerInfo {
  int rank = 0;
  int nranks = 0;
  int dev = 0;
  int pid = 0;
  char host[64] = {};
  char bus_id[24] = {};
};

// Parses NCCL_COMM_ID's "<host>:<port>" ("[v6]:port" is refused: the stand-in speaks IPv4).
bool parse_comm_id(const char* text, std::uint32_t* addr, std::uint16_t* port, std::string* err);
// Starts a root in a background thread, listening on addr:port (0: any free port).
bool start_root(std::uint32_t addr, std::uint16_t* port, std::string* err);
// Joins the communicator named by `id`: the table of every rank (by rank), the segment's path, and
// the connection to the root, for attached().
// A "Duplicate GPU" refusal comes back as ncclInvalidUsage; `abort` stops the waits.
ncclResult_t exchange(const IdBlob& id, const PeerInfo& mine, std::vector<PeerInfo>* all, std::string* path,
                      int* root_fd, const std::atomic<bool>& abort, std::string* err);
// Tells the root this rank has mapped the segment.
void attached(int fd);

}  // namespace cbsi
