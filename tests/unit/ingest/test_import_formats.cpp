// collbench import on synthetic logs written exactly as nccl-tests / rccl-tests print them (the
// printf formats of util.cu and common.cu; ../shared/reference/nccl-tests-format.md), one log per
// generation or launcher wrapping, plus -J JSON documents and the import store.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "ingest/import_store.hpp"
#include "ingest/nccl_tests.hpp"
#include "unit/test_support.hpp"

namespace {

namespace fs = std::filesystem;
namespace ingest = collbench::ingest;
namespace results = collbench::results;
using testsupport::error_of;

// ------------------------------------------------------------------ logs

// nccl-tests 2.17.6 (NCCL 2.27.3), all_gather_perf -b 1K -e 2G -f 1024 -c 0 on 8 ranks: the >= 2.17.3
// header ("busbw  #wrong"), adaptive floats ("49967.2", "100370") and '#wrong' N/A (no check).
constexpr std::string_view kAllGather2176 = R"LOG(# nccl-tests version 2.17.6 nccl-headers=22703 nccl-library=22703
# Collective test starting: all_gather_perf
# nThread 1 nGpus 1 minBytes 1024 maxBytes 2147483648 step: 1024(factor) warmup iters: 1 iters: 20 agg iters: 1 validation: 0 graph: 0
#
# Using devices
#  Rank  0 Group  0 Pid   1000 on     node-a device  0 [0000:04:00] NVIDIA H100 80GB HBM3
#  Rank  1 Group  0 Pid   1001 on     node-a device  1 [0000:05:00] NVIDIA H100 80GB HBM3
#  Rank  2 Group  0 Pid   1002 on     node-a device  2 [0000:06:00] NVIDIA H100 80GB HBM3
#  Rank  3 Group  0 Pid   1003 on     node-a device  3 [0000:07:00] NVIDIA H100 80GB HBM3
#  Rank  4 Group  0 Pid   1004 on     node-b device  0 [0000:04:00] NVIDIA H100 80GB HBM3
#  Rank  5 Group  0 Pid   1005 on     node-b device  1 [0000:05:00] NVIDIA H100 80GB HBM3
#  Rank  6 Group  0 Pid   1006 on     node-b device  2 [0000:06:00] NVIDIA H100 80GB HBM3
#  Rank  7 Group  0 Pid   1007 on     node-b device  3 [0000:07:00] NVIDIA H100 80GB HBM3
#
#                                                              out-of-place                       in-place          
#       size         count      type   redop    root     time   algbw   busbw  #wrong     time   algbw   busbw  #wrong 
#        (B)    (elements)                               (us)  (GB/s)  (GB/s)             (us)  (GB/s)  (GB/s)         
        1024            32     float    none      -1    25.31    0.04    0.04    N/A    24.87    0.04    0.04    N/A
  1073741824      33554432     float    none      -1  49967.2   21.49   18.80    N/A  49901.6   21.52   18.83    N/A
  2147483648      67108864     float    none      -1   100370   21.40   18.72    N/A   100121   21.45   18.77    N/A
# Out of bounds values : 0 OK
# Avg bus bandwidth    : 12.5123 
#
# Collective test concluded: all_gather_perf
#
)LOG";

// nccl-tests 2.19.2 all_reduce_perf -I 1 on 2 ranks: "i_min i_max i_p99 i_cv%" after each '#wrong'.
constexpr std::string_view kPerIter2192 = R"LOG(# nccl-tests version 2.19.2 nccl-headers=22807 nccl-library=22807
# Collective test starting: all_reduce_perf
# nThread 1 nGpus 1 minBytes 1048576 maxBytes 2097152 step: 2(factor) warmup iters: 1 iters: 20 agg iters: 1 validation: 1 graph: 0 unalign: 0
# Per-Iteration Report: CUDA event timing; i_* uses max over process rows 
#
# Using devices
#  Rank  0 Group  0 Pid   1000 on         h1 device  0 [0000:04:00] NVIDIA H100 80GB HBM3
#  Rank  1 Group  0 Pid   1001 on         h2 device  0 [0000:04:00] NVIDIA H100 80GB HBM3
#
#                                                                 out-of-place (+ per-iteration)                                in-place (+ per-iteration)
#       size         count      type   redop    root     time   algbw   busbw  #wrong    i_min    i_max    i_p99    i_cv%     time   algbw   busbw  #wrong    i_min    i_max    i_p99    i_cv% 
#        (B)    (elements)                               (us)  (GB/s)  (GB/s)             (us)     (us)     (us)      (%)     (us)  (GB/s)  (GB/s)             (us)     (us)     (us)      (%) 
     1048576        262144     float     sum      -1    45.12   23.24   23.24       0    41.50    60.25    58.75     3.42    44.87   23.37   23.37       0    41.25    59.50    57.00     2.95
     2097152        524288     float     sum      -1    70.33   29.82   29.82       0    66.00    95.50    90.25     4.10    69.90   30.00   30.00       0    65.75    94.00    88.50     3.87
# Out of bounds values : 0 OK
# Avg bus bandwidth    : 27.4 
#
# Collective test concluded: all_reduce_perf
#
)LOG";

// Two tests in one log: all_reduce_perf, then reduce_scatter_perf, each with its preamble and footer.
constexpr std::string_view kTwoCollectives = R"LOG(# nccl-tests version 2.17.6 nccl-headers=22703 nccl-library=22703
# Collective test starting: all_reduce_perf
# nThread 1 nGpus 1 minBytes 1048576 maxBytes 4194304 step: 4(factor) warmup iters: 1 iters: 20 agg iters: 1 validation: 1 graph: 0
#
# Using devices
#  Rank  0 Group  0 Pid   1000 on         h1 device  0 [0000:04:00] NVIDIA H100 80GB HBM3
#  Rank  1 Group  0 Pid   1001 on         h1 device  1 [0000:05:00] NVIDIA H100 80GB HBM3
#  Rank  2 Group  0 Pid   1002 on         h2 device  0 [0000:04:00] NVIDIA H100 80GB HBM3
#  Rank  3 Group  0 Pid   1003 on         h2 device  1 [0000:05:00] NVIDIA H100 80GB HBM3
#
#                                                              out-of-place                       in-place          
#       size         count      type   redop    root     time   algbw   busbw  #wrong     time   algbw   busbw  #wrong 
#        (B)    (elements)                               (us)  (GB/s)  (GB/s)             (us)  (GB/s)  (GB/s)         
     1048576        262144     float     sum      -1    61.20   17.13   25.70       0    60.80   17.25   25.87       0
     4194304       1048576     float     sum      -1   150.40   27.89   41.83       0   149.90   27.98   41.97       0
# Out of bounds values : 0 OK
# Avg bus bandwidth    : 20.1 
#
# Collective test concluded: all_reduce_perf
#
# nccl-tests version 2.17.6 nccl-headers=22703 nccl-library=22703
# Collective test starting: reduce_scatter_perf
# nThread 1 nGpus 1 minBytes 1048576 maxBytes 4194304 step: 4(factor) warmup iters: 1 iters: 20 agg iters: 1 validation: 1 graph: 0
#
# Using devices
#  Rank  0 Group  0 Pid   1000 on         h1 device  0 [0000:04:00] NVIDIA H100 80GB HBM3
#  Rank  1 Group  0 Pid   1001 on         h1 device  1 [0000:05:00] NVIDIA H100 80GB HBM3
#  Rank  2 Group  0 Pid   1002 on         h2 device  0 [0000:04:00] NVIDIA H100 80GB HBM3
#  Rank  3 Group  0 Pid   1003 on         h2 device  1 [0000:05:00] NVIDIA H100 80GB HBM3
#
#                                                              out-of-place                       in-place          
#       size         count      type   redop    root     time   algbw   busbw  #wrong     time   algbw   busbw  #wrong 
#        (B)    (elements)                               (us)  (GB/s)  (GB/s)             (us)  (GB/s)  (GB/s)         
     1048576         65536     float     sum      -1    40.10   26.15   19.61       0    39.80   26.35   19.76       0
     4194304        262144     float     sum      -1    95.60   43.87   32.91       0    95.00   44.15   33.11       0
# Out of bounds values : 0 OK
# Avg bus bandwidth    : 20.1 
#
# Collective test concluded: reduce_scatter_perf
#
)LOG";

// all_reduce_perf -N 2 (2.13-2.17.2 format): the sweep printed twice under one header.
constexpr std::string_view kTwoCycles = R"LOG(# Collective test starting: all_reduce_perf
# nThread 1 nGpus 1 minBytes 1048576 maxBytes 2097152 step: 2(factor) warmup iters: 1 iters: 20 agg iters: 1 validation: 1 graph: 0
#
# Using devices
#  Rank  0 Group  0 Pid   1000 on      node1 device  0 [0000:04:00] NVIDIA A100-SXM4-80GB
#  Rank  1 Group  0 Pid   1001 on      node1 device  1 [0000:05:00] NVIDIA A100-SXM4-80GB
#  Rank  2 Group  0 Pid   1002 on      node2 device  0 [0000:04:00] NVIDIA A100-SXM4-80GB
#  Rank  3 Group  0 Pid   1003 on      node2 device  1 [0000:05:00] NVIDIA A100-SXM4-80GB
#
#                                                              out-of-place                       in-place          
#       size         count      type   redop    root     time   algbw   busbw #wrong     time   algbw   busbw #wrong
#        (B)    (elements)                               (us)  (GB/s)  (GB/s)            (us)  (GB/s)  (GB/s)       
     1048576        262144     float     sum      -1    30.12   34.81   52.22      0    29.95   35.01   52.52      0
     2097152        524288     float     sum      -1    48.50   43.24   64.86      0    48.21   43.50   65.25      0
     1048576        262144     float     sum      -1    30.12   34.81   52.22      0    29.95   35.01   52.52      0
     2097152        524288     float     sum      -1    48.50   43.24   64.86      0    48.21   43.50   65.25      0
# Out of bounds values : 0 OK
# Avg bus bandwidth    : 58.7 
#
# Collective test concluded: all_reduce_perf
#
)LOG";

// mpirun --tag-output with NCCL_DEBUG=INFO: every line prefixed, other ranks' INFO lines interleaved.
constexpr std::string_view kOpenMpiTagged = R"LOG([1,0]<stdout>:# Collective test starting: all_reduce_perf
[1,0]<stdout>:# nThread 1 nGpus 1 minBytes 8 maxBytes 2097152 step: 2(factor) warmup iters: 5 iters: 20 agg iters: 1 validation: 1 graph: 0
[1,0]<stdout>:#
[1,0]<stdout>:# Using devices
[1,0]<stdout>:#  Rank  0 Group  0 Pid   1000 on      node1 device  0 [0000:04:00] NVIDIA A100-SXM4-80GB
[1,0]<stdout>:#  Rank  1 Group  0 Pid   1001 on      node1 device  1 [0000:05:00] NVIDIA A100-SXM4-80GB
[1,0]<stdout>:#  Rank  2 Group  0 Pid   1002 on      node2 device  0 [0000:04:00] NVIDIA A100-SXM4-80GB
[1,0]<stdout>:#  Rank  3 Group  0 Pid   1003 on      node2 device  1 [0000:05:00] NVIDIA A100-SXM4-80GB
[1,1]<stdout>:node1:4002:4002 [1] NCCL INFO Bootstrap : Using ib0:10.0.0.1<0>
[1,0]<stdout>:node1:1000:1000 [0] NCCL INFO NET/IB : Using [0]mlx5_0:1/IB ; OOB ib0:10.0.0.1<0>
[1,0]<stdout>:NCCL version 2.18.5+cuda12.2
[1,2]<stdout>:node2:1002:1002 [0] NCCL INFO Using network IB
[1,0]<stdout>:#
[1,0]<stdout>:#                                                              out-of-place                       in-place          
[1,0]<stdout>:#       size         count      type   redop    root     time   algbw   busbw #wrong     time   algbw   busbw #wrong
[1,0]<stdout>:#        (B)    (elements)                               (us)  (GB/s)  (GB/s)            (us)  (GB/s)  (GB/s)       
[1,0]<stdout>:node1:1000:1010 [0] NCCL INFO Launch mode Parallel
[1,0]<stdout>:           8             2     float     sum      -1    20.11    0.00    0.00      0    19.87    0.00    0.00      0
[1,2]<stdout>:node2:1002:1011 [0] NCCL INFO Channel 00/0 : 2[7000] -> 3[7000] via P2P/IPC
[1,0]<stdout>:          16             4     float     sum      -1    20.25    0.00    0.00      0    20.01    0.00    0.00      0
[1,3]<stderr>:node2:1003:1012 [1] NCCL INFO comm 0x55d0c0 rank 3 nranks 4 cudaDev 1 busId 7000 - Init COMPLETE
[1,0]<stdout>:        1024           256     float     sum      -1    22.50    0.05    0.07      0    22.31    0.05    0.07      0
[1,1]<stdout>:node1:1001:1013 [1] NCCL INFO 4 coll channels, 4 p2p channels, 1 p2p channels per peer
[1,0]<stdout>:     1048576        262144     float     sum      -1    30.12   34.81   52.22      0    29.95   35.01   52.52      0
[1,0]<stdout>:     2097152        524288     float     sum      -1    48.50   43.24   64.86      0    48.21   43.50   65.25      0
[1,0]<stdout>:# Out of bounds values : 0 OK
[1,0]<stdout>:# Avg bus bandwidth    : 28.6713 
[1,0]<stdout>:#
)LOG";

// srun --label: "N: " prefixes, other tasks' INFO lines between rows.
constexpr std::string_view kSrunLabelled = R"LOG(0: # Collective test starting: all_reduce_perf
0: # nThread 1 nGpus 1 minBytes 8 maxBytes 2097152 step: 2(factor) warmup iters: 5 iters: 20 agg iters: 1 validation: 1 graph: 0
0: #
0: # Using devices
0: #  Rank  0 Group  0 Pid   1000 on      node1 device  0 [0000:04:00] NVIDIA A100-SXM4-80GB
0: #  Rank  1 Group  0 Pid   1001 on      node1 device  1 [0000:05:00] NVIDIA A100-SXM4-80GB
0: #  Rank  2 Group  0 Pid   1002 on      node2 device  0 [0000:04:00] NVIDIA A100-SXM4-80GB
0: #  Rank  3 Group  0 Pid   1003 on      node2 device  1 [0000:05:00] NVIDIA A100-SXM4-80GB
2: node2:1002:1002 [0] NCCL INFO Bootstrap : Using hsn0:10.1.0.2<0>
0: #
0: #                                                              out-of-place                       in-place          
0: #       size         count      type   redop    root     time   algbw   busbw #wrong     time   algbw   busbw #wrong
0: #        (B)    (elements)                               (us)  (GB/s)  (GB/s)            (us)  (GB/s)  (GB/s)       
0:            8             2     float     sum      -1    20.11    0.00    0.00      0    19.87    0.00    0.00      0
3: node2:1003:1020 [1] NCCL INFO Connected all rings
0:           16             4     float     sum      -1    20.25    0.00    0.00      0    20.01    0.00    0.00      0
1: node1:1001:1021 [1] NCCL INFO Connected all trees
0:         1024           256     float     sum      -1    22.50    0.05    0.07      0    22.31    0.05    0.07      0
0:      1048576        262144     float     sum      -1    30.12   34.81   52.22      0    29.95   35.01   52.52      0
0:      2097152        524288     float     sum      -1    48.50   43.24   64.86      0    48.21   43.50   65.25      0
0: # Out of bounds values : 0 OK
0: # Avg bus bandwidth    : 28.6713 
0: #
0: # Collective test concluded: all_reduce_perf
)LOG";

// rccl-tests -O 0: only the in-place columns, title line "in-place" alone.
constexpr std::string_view kRcclInPlaceOnly = R"LOG($ mpirun -np 1 ./build/all_reduce_perf -b 1K -e 4K -f 2 -g 8 -O 0
rccl-tests: Version develop:448c4c7
# nThread 1 nGpus 8 minBytes 1024 maxBytes 4096 step: 2(factor) warmup iters: 5 iters: 20 agg iters: 1 validation: 1 graph: 0
#
# Using devices
#  Rank  0 Group  0 Pid     77 on mi300-node device  0 [0000:05:00] AMD Instinct MI300X
#  Rank  1 Group  0 Pid     77 on mi300-node device  1 [0000:25:00] AMD Instinct MI300X
#  Rank  2 Group  0 Pid     77 on mi300-node device  2 [0000:45:00] AMD Instinct MI300X
#  Rank  3 Group  0 Pid     77 on mi300-node device  3 [0000:65:00] AMD Instinct MI300X
#  Rank  4 Group  0 Pid     77 on mi300-node device  4 [0000:85:00] AMD Instinct MI300X
#  Rank  5 Group  0 Pid     77 on mi300-node device  5 [0000:a5:00] AMD Instinct MI300X
#  Rank  6 Group  0 Pid     77 on mi300-node device  6 [0000:c5:00] AMD Instinct MI300X
#  Rank  7 Group  0 Pid     77 on mi300-node device  7 [0000:e5:00] AMD Instinct MI300X
RCCL version : 2.22.3-HEAD:7d8d67c
HIP version  : 6.4.43484-123eb5128
ROCm version : 6.4.2.0-120-e7d83f5
Hostname     : mi300-node
Librccl path : /opt/rocm/lib/librccl.so.1
#
#                                                                 in-place          
#       size         count      type   redop    root     time   algbw   busbw #wrong
#        (B)    (elements)                               (us)  (GB/s)  (GB/s)       
        1024           256     float     sum      -1    30.12    0.03    0.06      0
        2048           512     float     sum      -1    30.55    0.07    0.12      0
        4096          1024     float     sum      -1    31.02    0.13    0.23      0
# Errors with asterisks indicate errors that have exceeded the maximum threshold.
# Out of bounds values : 0 OK
# Avg bus bandwidth    : 0.136667
#
)LOG";

// An all_gather-like table (redop none, root -1) in a log that names no test program (2.13 era).
constexpr std::string_view kNoProgramAllGatherLike = R"LOG(# nThread 1 nGpus 8 minBytes 1048576 maxBytes 4194304 step: 2(factor) warmup iters: 5 iters: 20 agg iters: 1 validation: 1 graph: 0
#
# Using devices
#  Rank  0 Group  0 Pid   1000 on       dgx1 device  0 [0000:04:00] NVIDIA H100 80GB HBM3
#  Rank  1 Group  0 Pid   1001 on       dgx1 device  1 [0000:05:00] NVIDIA H100 80GB HBM3
#  Rank  2 Group  0 Pid   1002 on       dgx1 device  2 [0000:06:00] NVIDIA H100 80GB HBM3
#  Rank  3 Group  0 Pid   1003 on       dgx1 device  3 [0000:07:00] NVIDIA H100 80GB HBM3
#  Rank  4 Group  0 Pid   1004 on       dgx1 device  4 [0000:08:00] NVIDIA H100 80GB HBM3
#  Rank  5 Group  0 Pid   1005 on       dgx1 device  5 [0000:09:00] NVIDIA H100 80GB HBM3
#  Rank  6 Group  0 Pid   1006 on       dgx1 device  6 [0000:0a:00] NVIDIA H100 80GB HBM3
#  Rank  7 Group  0 Pid   1007 on       dgx1 device  7 [0000:0b:00] NVIDIA H100 80GB HBM3
#
#                                                              out-of-place                       in-place          
#       size         count      type   redop    root     time   algbw   busbw #wrong     time   algbw   busbw #wrong
#        (B)    (elements)                               (us)  (GB/s)  (GB/s)            (us)  (GB/s)  (GB/s)       
     1048576         32768     float    none      -1    30.12   34.81   30.46      0    29.95   35.01   30.63      0
     2097152         65536     float    none      -1    48.50   43.24   37.84      0    48.21   43.50   38.06      0
     4194304        131072     float    none      -1    85.00   49.34   43.18      0    84.63   49.56   43.37      0
# Out of bounds values : 0 OK
# Avg bus bandwidth    : 38.8267 
#
)LOG";
constexpr std::string_view kNoProgramNoDevices = R"LOG(# nThread 1 nGpus 8 minBytes 1048576 maxBytes 4194304 step: 2(factor) warmup iters: 5 iters: 20 agg iters: 1 validation: 1 graph: 0
#
#
#                                                              out-of-place                       in-place          
#       size         count      type   redop    root     time   algbw   busbw #wrong     time   algbw   busbw #wrong
#        (B)    (elements)                               (us)  (GB/s)  (GB/s)            (us)  (GB/s)  (GB/s)       
     1048576         32768     float    none      -1    30.12   34.81   30.46      0    29.95   35.01   30.63      0
     2097152         65536     float    none      -1    48.50   43.24   37.84      0    48.21   43.50   38.06      0
     4194304        131072     float    none      -1    85.00   49.34   43.18      0    84.63   49.56   43.37      0
# Out of bounds values : 0 OK
# Avg bus bandwidth    : 38.8267 
#
)LOG";

// sendrecv_perf: a test collbench does not model.
constexpr std::string_view kSendRecv = R"LOG(# nccl-tests version 2.17.6 nccl-headers=22703 nccl-library=22703
# Collective test starting: sendrecv_perf
# nThread 1 nGpus 1 minBytes 1024 maxBytes 4096 step: 2(factor) warmup iters: 1 iters: 20 agg iters: 1 validation: 1 graph: 0
#
# Using devices
#  Rank  0 Group  0 Pid   1000 on         h1 device  0 [0000:04:00] NVIDIA H100 80GB HBM3
#  Rank  1 Group  0 Pid   1001 on         h2 device  0 [0000:04:00] NVIDIA H100 80GB HBM3
#
#                                                              out-of-place                       in-place          
#       size         count      type   redop    root     time   algbw   busbw  #wrong     time   algbw   busbw  #wrong 
#        (B)    (elements)                               (us)  (GB/s)  (GB/s)             (us)  (GB/s)  (GB/s)         
        1024           256     float     sum      -1    12.31    0.08    0.08       0    12.05    0.08    0.08       0
        2048           512     float     sum      -1    12.77    0.16    0.16       0    12.52    0.16    0.16       0
        4096          1024     float     sum      -1    13.40    0.31    0.31       0    13.21    0.31    0.31       0
# Out of bounds values : 0 OK
# Avg bus bandwidth    : 0.2 
#
# Collective test concluded: sendrecv_perf
#
)LOG";

// all_gather_perf -S 1 (2.17.6): a timestamp after the in-place columns, "timestamp" in the header.
constexpr std::string_view kTimestamps = R"LOG(# nccl-tests version 2.17.6 nccl-headers=22703 nccl-library=22703
# Collective test starting: all_gather_perf
# nThread 1 nGpus 1 minBytes 1024 maxBytes 1073741824 step: 1048576(factor) warmup iters: 1 iters: 20 agg iters: 1 validation: 1 graph: 0
#
# Using devices
#  Rank  0 Group  0 Pid   1000 on     node-a device  0 [0000:04:00] NVIDIA H100 80GB HBM3
#  Rank  1 Group  0 Pid   1001 on     node-a device  1 [0000:05:00] NVIDIA H100 80GB HBM3
#  Rank  2 Group  0 Pid   1002 on     node-a device  2 [0000:06:00] NVIDIA H100 80GB HBM3
#  Rank  3 Group  0 Pid   1003 on     node-a device  3 [0000:07:00] NVIDIA H100 80GB HBM3
#  Rank  4 Group  0 Pid   1004 on     node-b device  0 [0000:04:00] NVIDIA H100 80GB HBM3
#  Rank  5 Group  0 Pid   1005 on     node-b device  1 [0000:05:00] NVIDIA H100 80GB HBM3
#  Rank  6 Group  0 Pid   1006 on     node-b device  2 [0000:06:00] NVIDIA H100 80GB HBM3
#  Rank  7 Group  0 Pid   1007 on     node-b device  3 [0000:07:00] NVIDIA H100 80GB HBM3
#
#                                                              out-of-place                       in-place          
#       size         count      type   redop    root     time   algbw   busbw  #wrong     time   algbw   busbw  #wrong           timestamp
#        (B)    (elements)                               (us)  (GB/s)  (GB/s)             (us)  (GB/s)  (GB/s)           %Y-%m-%d %H:%M:%S
        1024            32     float    none      -1    25.31    0.04    0.04       0    24.87    0.04    0.04       0  2025-01-01 10:00:07
  1073741824      33554432     float    none      -1  49967.2   21.49   18.80       0  49901.6   21.52   18.83       0  2025-01-01 10:00:09
# Out of bounds values : 0 OK
# Avg bus bandwidth    : 9.4275 
#
# Collective test concluded: all_gather_perf
)LOG";

// ------------------------------------------------------------------ helpers

ingest::ImportedLog parse(std::string_view text, const ingest::ImportOptions& options = {}) {
  return ingest::parse_text_log(text, "synthetic.log", options);
}

bool has(const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) != v.end(); }

bool has_note(const ingest::ImportedLog& log, const std::string& part) {
  for (const auto& n : log.doc.metadata.imported->notes)
    if (n.find(part) != std::string::npos) return true;
  return false;
}

std::string notes_of(const ingest::ImportedLog& log) { return ::testing::PrintToString(log.doc.metadata.imported->notes); }

// The text up to and including the first line that contains `marker` (with its newline).
std::string through_line(std::string_view text, std::string_view marker) {
  const auto at = text.find(marker);
  EXPECT_NE(at, std::string_view::npos) << marker;
  const auto nl = text.find('\n', at);
  return std::string(text.substr(0, nl + 1));
}

double algbw(std::uint64_t bytes, double us) { return static_cast<double>(bytes) / us / 1e3; }

class TempDir {
 public:
  TempDir() {
    std::string templ = (fs::temp_directory_path() / "collbench-ingest-XXXXXX").string();
    if (::mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    m_path = templ;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(m_path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return m_path; }
  std::string write(const std::string& name, std::string_view content) const {
    const fs::path p = m_path / name;
    fs::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    return p.string();
  }

 private:
  fs::path m_path;
};

// ------------------------------------------------------------------ >= 2.17.3

TEST(TextFormat, NcclTests2176AllGatherWithoutCheck) {
  const auto log = parse(kAllGather2176);
  const auto& doc = log.doc;
  const auto& info = *doc.metadata.imported;
  EXPECT_NE(info.format.find(">= 2.17.3"), std::string::npos) << info.format;
  EXPECT_EQ(info.tool, "nccl-tests");
  EXPECT_EQ(info.tool_version, "2.17.6");
  EXPECT_EQ(info.program, "all_gather_perf");
  EXPECT_EQ(doc.metadata.backend_library, "NCCL 2.27.3");
  EXPECT_EQ(doc.metadata.settings.at("check"), "0");
  EXPECT_TRUE(info.complete);
  EXPECT_EQ(doc.status, "ok");
  EXPECT_DOUBLE_EQ(info.avg_busbw_gbps, 12.5123);
  EXPECT_EQ(info.out_of_bounds, 0);
  EXPECT_EQ(doc.metadata.nranks, 8);
  ASSERT_EQ(doc.results.size(), 6u);
  const std::uint64_t bytes[] = {1024, 1073741824, 2147483648};
  const double times[] = {25.31, 24.87, 49967.2, 49901.6, 100370, 100121};
  for (std::size_t i = 0; i < doc.results.size(); ++i) {
    const auto& r = doc.results[i];
    SCOPED_TRACE(i);
    EXPECT_EQ(r.collective, "allgather");
    EXPECT_EQ(r.op, "none");
    EXPECT_EQ(r.root, -1);
    EXPECT_EQ(r.datatype, "float");
    EXPECT_EQ(r.bytes, bytes[i / 2]);
    EXPECT_EQ(r.count, bytes[i / 2] / 4 / 8);
    EXPECT_EQ(r.placement, i % 2 == 0 ? "out_of_place" : "in_place");
    EXPECT_EQ(r.nranks, 8);
    EXPECT_EQ(r.wrong, -1) << "'N/A': not checked";
    EXPECT_FALSE(r.checked);
    EXPECT_TRUE(has(r.missing, "wrong"));
    EXPECT_EQ(r.status, "ok");
    EXPECT_DOUBLE_EQ(r.time_us.mean, times[i]);
    EXPECT_EQ(r.iters, 20);
    EXPECT_EQ(r.warmup_iters, 1);
    const double alg = algbw(r.bytes, times[i]);
    EXPECT_NEAR(r.algbw_mean_gbps, alg, 1e-9 * alg);
    EXPECT_NEAR(r.busbw_mean_gbps, alg * 7.0 / 8.0, 1e-9 * alg) << "allgather busbw = algbw x (n-1)/n";
  }
  EXPECT_NEAR(doc.results[2].busbw_mean_gbps, 18.80, 0.006);
  EXPECT_NEAR(doc.results[4].busbw_mean_gbps, 18.72, 0.006);
  EXPECT_EQ(log.reps, std::vector<int>(6, 0));
  ASSERT_EQ(doc.metadata.hosts.size(), 2u);
  EXPECT_EQ(doc.metadata.hosts[0].host, "node-a");
  EXPECT_EQ(doc.metadata.hosts[0].ranks, (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(doc.metadata.hosts[1].ranks, (std::vector<int>{4, 5, 6, 7}));
  ASSERT_EQ(doc.metadata.devices.size(), 8u);
  EXPECT_EQ(doc.metadata.devices[5].details.at("gpu"), "NVIDIA H100 80GB HBM3");
  EXPECT_EQ(doc.metadata.devices[5].details.at("pci_bus_id"), "0000:05:00");
}

TEST(TextFormat, OldHeaderWithOneSpaceBeforeWrongIsNotReadAsNew) {
  const auto log = parse(kOpenMpiTagged);
  EXPECT_NE(log.doc.metadata.imported->format.find("2.13-2.17.2"), std::string::npos)
      << log.doc.metadata.imported->format;
}

// ------------------------------------------------------------------ -I per-iteration

TEST(TextFormat, PerIterationColumns) {
  const auto log = parse(kPerIter2192);
  const auto& doc = log.doc;
  EXPECT_NE(doc.metadata.imported->format.find("-I per-iteration"), std::string::npos) << doc.metadata.imported->format;
  EXPECT_EQ(doc.metadata.imported->tool_version, "2.19.2");
  ASSERT_EQ(doc.results.size(), 4u);
  struct Want {
    double mean, min, max, p99, cv_pct;
  };
  const Want want[] = {{45.12, 41.5, 60.25, 58.75, 3.42}, {44.87, 41.25, 59.5, 57.0, 2.95},
                       {70.33, 66.0, 95.5, 90.25, 4.1}, {69.9, 65.75, 94.0, 88.5, 3.87}};
  for (std::size_t i = 0; i < 4; ++i) {
    SCOPED_TRACE(i);
    const auto& r = doc.results[i];
    const auto& t = r.time_us;
    EXPECT_EQ(r.collective, "allreduce");
    EXPECT_EQ(r.placement, i % 2 == 0 ? "out_of_place" : "in_place");
    EXPECT_EQ(r.wrong, 0);
    EXPECT_TRUE(r.checked);
    EXPECT_DOUBLE_EQ(t.mean, want[i].mean);
    EXPECT_DOUBLE_EQ(t.min, want[i].min);
    EXPECT_DOUBLE_EQ(t.max, want[i].max);
    EXPECT_DOUBLE_EQ(t.p99, want[i].p99);
    EXPECT_DOUBLE_EQ(t.cv, want[i].cv_pct / 100.0);
    EXPECT_NEAR(t.stddev, want[i].cv_pct / 100.0 * want[i].mean, 1e-9);
    for (const char* k : {"time_us.min", "time_us.max", "time_us.p99", "time_us.cv", "time_us.stddev"})
      EXPECT_FALSE(has(r.missing, k)) << k;
    EXPECT_TRUE(has(r.missing, "time_us.p50")) << "-I prints no median";
    EXPECT_TRUE(std::isnan(t.p50));
    const double alg = algbw(r.bytes, want[i].mean);
    EXPECT_NEAR(r.busbw_mean_gbps, alg, 1e-9 * alg) << "allreduce on 2 ranks: factor 1";
  }
}

// ------------------------------------------------------------------ several collectives, cycles

TEST(TextFormat, TwoCollectivesInOneLog) {
  const auto log = parse(kTwoCollectives);
  const auto& doc = log.doc;
  ASSERT_EQ(doc.results.size(), 8u);
  EXPECT_EQ(doc.metadata.imported->program, "all_reduce_perf,reduce_scatter_perf");
  EXPECT_TRUE(doc.metadata.imported->complete);
  EXPECT_EQ(doc.status, "ok");
  for (std::size_t i = 0; i < 4; ++i) {
    const auto& r = doc.results[i];
    EXPECT_EQ(r.collective, "allreduce") << i;
    EXPECT_EQ(r.count * 4, r.bytes) << i;
    EXPECT_EQ(r.nranks, 4);
    const double alg = algbw(r.bytes, r.time_us.mean);
    EXPECT_NEAR(r.busbw_mean_gbps, alg * 2 * 3 / 4, 1e-9 * alg);
  }
  const std::uint64_t rs_count[] = {65536, 262144};
  const double rs_time[] = {40.10, 39.80, 95.60, 95.00};
  for (std::size_t i = 4; i < 8; ++i) {
    const auto& r = doc.results[i];
    SCOPED_TRACE(i);
    EXPECT_EQ(r.collective, "reducescatter");
    EXPECT_EQ(r.op, "sum");
    EXPECT_EQ(r.count, rs_count[(i - 4) / 2]) << "count: per rank";
    EXPECT_EQ(r.bytes, r.count * 4 * 4) << "size: count x 4 B x 4 ranks";
    EXPECT_EQ(r.nranks, 4);
    EXPECT_DOUBLE_EQ(r.time_us.mean, rs_time[i - 4]);
    const double alg = algbw(r.bytes, rs_time[i - 4]);
    EXPECT_NEAR(r.busbw_mean_gbps, alg * 3 / 4, 1e-9 * alg) << "reducescatter busbw = algbw x (n-1)/n";
  }
  EXPECT_NEAR(doc.results[4].busbw_mean_gbps, 19.61, 0.006);
  EXPECT_EQ(log.reps, std::vector<int>(8, 0));
}

TEST(TextFormat, RunCyclesGiveRepetitions) {
  const auto log = parse(kTwoCycles);
  ASSERT_EQ(log.doc.results.size(), 8u);
  EXPECT_EQ(log.reps, (std::vector<int>{0, 0, 0, 0, 1, 1, 1, 1}));
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(log.doc.results[i].bytes, log.doc.results[i + 4].bytes);
    EXPECT_EQ(log.doc.results[i].placement, log.doc.results[i + 4].placement);
  }
  EXPECT_EQ(log.doc.status, "ok");
}

// ------------------------------------------------------------------ launcher wrapping

void expect_four_rank_allreduce(const ingest::ImportedLog& log) {
  const auto& doc = log.doc;
  ASSERT_EQ(doc.results.size(), 10u) << notes_of(log);
  const std::uint64_t bytes[] = {8, 16, 1024, 1048576, 2097152};
  const double oop[] = {20.11, 20.25, 22.50, 30.12, 48.50};
  for (std::size_t i = 0; i < 5; ++i) {
    SCOPED_TRACE(i);
    const auto& r = doc.results[2 * i];
    EXPECT_EQ(r.collective, "allreduce");
    EXPECT_EQ(r.bytes, bytes[i]);
    EXPECT_EQ(r.count, bytes[i] / 4);
    EXPECT_EQ(r.placement, "out_of_place");
    EXPECT_EQ(doc.results[2 * i + 1].placement, "in_place");
    EXPECT_DOUBLE_EQ(r.time_us.mean, oop[i]);
    EXPECT_EQ(r.wrong, 0);
    EXPECT_EQ(r.nranks, 4);
  }
  EXPECT_NEAR(doc.results[6].busbw_mean_gbps, 52.22, 0.006);
  EXPECT_EQ(doc.metadata.nranks, 4);
  ASSERT_EQ(doc.metadata.hosts.size(), 2u);
  EXPECT_EQ(doc.metadata.hosts[0].host, "node1");
  EXPECT_EQ(doc.metadata.hosts[1].host, "node2");
  EXPECT_EQ(doc.metadata.imported->program, "all_reduce_perf");
  EXPECT_TRUE(doc.metadata.imported->complete);
  EXPECT_EQ(doc.status, "ok");
  EXPECT_DOUBLE_EQ(doc.metadata.imported->avg_busbw_gbps, 28.6713);
}

TEST(TextFormat, OpenMpiTagOutputWithNcclInfoBetweenRows) {
  const auto log = parse(kOpenMpiTagged);
  expect_four_rank_allreduce(log);
  EXPECT_EQ(log.doc.metadata.backend_library, "NCCL 2.18.5+cuda12.2");
}

TEST(TextFormat, SrunLabelPrefixes) { expect_four_rank_allreduce(parse(kSrunLabelled)); }

// ------------------------------------------------------------------ rccl-tests in-place only

TEST(TextFormat, RcclInPlaceOnlyTable) {
  const auto log = parse(kRcclInPlaceOnly);
  const auto& doc = log.doc;
  EXPECT_EQ(doc.metadata.imported->tool, "rccl-tests");
  EXPECT_EQ(doc.metadata.imported->tool_version, "develop:448c4c7");
  EXPECT_EQ(doc.metadata.backend_library, "RCCL 2.22.3-HEAD:7d8d67c");
  EXPECT_NE(doc.metadata.imported->format.find("rccl-tests"), std::string::npos);
  ASSERT_EQ(doc.results.size(), 3u);
  const double times[] = {30.12, 30.55, 31.02};
  for (std::size_t i = 0; i < 3; ++i) {
    const auto& r = doc.results[i];
    EXPECT_EQ(r.placement, "in_place") << i;
    EXPECT_EQ(r.collective, "allreduce");
    EXPECT_EQ(r.bytes, 1024u << i);
    EXPECT_DOUBLE_EQ(r.time_us.mean, times[i]);
    EXPECT_EQ(r.nranks, 8);
    EXPECT_EQ(r.wrong, 0);
  }
  EXPECT_NEAR(doc.results[2].busbw_mean_gbps, 0.23, 0.006);
  EXPECT_EQ(doc.status, "ok");
  ASSERT_EQ(doc.metadata.hosts.size(), 1u);
  EXPECT_EQ(doc.metadata.hosts[0].ranks.size(), 8u);
}

// ------------------------------------------------------------------ cut off, failures

TEST(TextFormat, CutOffMidRowWithoutNewline) {
  // Two complete rows, then the 2 GiB row cut after its out-of-place algbw, no newline.
  std::string text = through_line(kAllGather2176, "  1073741824      33554432");
  text += "  2147483648      67108864     float    none      -1   100370   21.40";
  const auto log = parse(text);
  ASSERT_EQ(log.doc.results.size(), 4u) << notes_of(log);
  EXPECT_EQ(log.doc.results.back().bytes, 1073741824u);
  EXPECT_EQ(log.doc.status, "running");
  EXPECT_FALSE(log.doc.metadata.imported->complete);
  EXPECT_TRUE(has_note(log, "cut off")) << notes_of(log);
  EXPECT_TRUE(std::isnan(log.doc.metadata.imported->avg_busbw_gbps));
}

TEST(TextFormat, CutOffInsideTheLastTokenOfARow) {
  // Every column is there but the last one is cut ("N/" of "N/A"): the row is still not imported.
  std::string text = through_line(kAllGather2176, "  1073741824      33554432");
  text += "  2147483648      67108864     float    none      -1   100370   21.40   18.72    N/A   100121   21.45   18.77    N/";
  const auto log = parse(text);
  ASSERT_EQ(log.doc.results.size(), 4u) << notes_of(log);
  EXPECT_EQ(log.doc.status, "running");
  EXPECT_FALSE(log.doc.metadata.imported->complete);
}

TEST(TextFormat, TestFailureLineMeansFailed) {
  std::string text = through_line(kAllGather2176, "  1073741824      33554432");
  text += " node-a: Test NCCL failure common.cu:1130 'unhandled system error'\n";
  text += " .. node-a pid 1000: Test failure common.cu:1060\n";
  const auto log = parse(text);
  EXPECT_EQ(log.doc.status, "failed");
  EXPECT_EQ(log.doc.results.size(), 4u);
  EXPECT_TRUE(has_note(log, "unhandled system error")) << notes_of(log);
}

TEST(TextFormat, TimestampColumnAfterTheTable) {
  const auto log = parse(kTimestamps);
  ASSERT_EQ(log.doc.results.size(), 4u) << notes_of(log);
  const double times[] = {25.31, 24.87, 49967.2, 49901.6};
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_DOUBLE_EQ(log.doc.results[i].time_us.mean, times[i]) << i;
    EXPECT_EQ(log.doc.results[i].wrong, 0) << i;
    EXPECT_EQ(log.doc.results[i].collective, "allgather");
  }
  EXPECT_EQ(log.doc.status, "ok");
}

TEST(TextFormat, WindowsLineEndings) {
  std::string crlf;
  for (const char c : kAllGather2176) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  const auto log = parse(crlf);
  ASSERT_EQ(log.doc.results.size(), 6u) << notes_of(log);
  EXPECT_DOUBLE_EQ(log.doc.results[5].time_us.mean, 100121);
  EXPECT_EQ(log.doc.metadata.nranks, 8);
  EXPECT_EQ(log.doc.metadata.hosts.size(), 2u);
  EXPECT_EQ(log.doc.metadata.imported->format, parse(kAllGather2176).doc.metadata.imported->format);
  EXPECT_EQ(log.doc.status, "ok");
  EXPECT_DOUBLE_EQ(log.doc.metadata.imported->avg_busbw_gbps, 12.5123);
}

TEST(TextFormat, FailureInsideARow) {
  // NCCLCHECK's message lands on the row's unterminated preamble; main then prints " .. Test failure".
  std::string text = through_line(kAllGather2176, "        1024            32");
  text += "  1073741824      33554432     float    none      -1node-a: Test NCCL failure common.cu:1130 'unhandled system error'\n";
  text += " .. node-a pid 1000: Test failure common.cu:1060\n";
  const auto log = parse(text);
  EXPECT_EQ(log.doc.status, "failed");
  ASSERT_EQ(log.doc.results.size(), 2u) << notes_of(log);
  EXPECT_EQ(log.doc.results.back().bytes, 1024u);
}

TEST(TextFormat, FailedMinBandwidthFooterMeansFailed) {
  std::string text(kAllGather2176);
  const std::string from = "# Avg bus bandwidth    : 12.5123 \n";
  const auto at = text.find(from);
  ASSERT_NE(at, std::string::npos);
  text.replace(at, from.size(), "# Avg bus bandwidth    : 12.5123 FAILED\n");
  const auto log = parse(text);
  EXPECT_EQ(log.doc.status, "failed");
  EXPECT_DOUBLE_EQ(log.doc.metadata.imported->avg_busbw_gbps, 12.5123);
}

// ------------------------------------------------------------------ tests collbench does not model

TEST(TextFormat, SendRecvRowsAreSkippedWithANote) {
  const std::string text = std::string(kTwoCollectives.substr(0, kTwoCollectives.find("# nccl-tests version", 10))) +
                           std::string(kSendRecv);
  const auto log = parse(text);
  ASSERT_EQ(log.doc.results.size(), 4u);
  for (const auto& r : log.doc.results) EXPECT_EQ(r.collective, "allreduce");
  EXPECT_TRUE(has_note(log, "sendrecv_perf")) << notes_of(log);
  EXPECT_TRUE(has_note(log, "skipped")) << notes_of(log);
}

TEST(TextFormat, SendRecvSkipNoteCountsRows) {
  const std::string text = std::string(kTwoCollectives.substr(0, kTwoCollectives.find("# nccl-tests version", 10))) +
                           std::string(kSendRecv);
  const auto log = parse(text);
  EXPECT_TRUE(has_note(log, "3 rows of sendrecv_perf")) << notes_of(log);
}

TEST(TextFormat, OnlySendRecvRowsIsAnError) {
  const std::string msg = error_of([] { parse(kSendRecv); });
  EXPECT_HAS(msg, "synthetic.log");
  EXPECT_HAS(msg, "no data rows");
}

TEST(TextFormat, UnnamedAllGatherLikeTableNeedsCollective) {
  const std::string msg = error_of([] { parse(kNoProgramAllGatherLike); });
  EXPECT_HAS(msg, "synthetic.log");
  EXPECT_HAS(msg, "--collective");

  ingest::ImportOptions opt;
  opt.collective = "alltoall";
  const auto log = parse(kNoProgramAllGatherLike, opt);
  ASSERT_EQ(log.doc.results.size(), 6u);
  for (const auto& r : log.doc.results) {
    EXPECT_EQ(r.collective, "alltoall");
    EXPECT_EQ(r.nranks, 8);
    EXPECT_EQ(r.op, "none");
    const double alg = algbw(r.bytes, r.time_us.mean);
    EXPECT_NEAR(r.busbw_mean_gbps, alg * 7 / 8, 1e-9 * alg);
  }
  EXPECT_EQ(log.doc.status, "ok");
}

TEST(TextFormat, UnnamedTableWithCollectiveOptionReadsRanksFromBandwidths) {
  ingest::ImportOptions opt;
  opt.collective = "alltoall";
  const auto log = parse(kNoProgramNoDevices, opt);
  ASSERT_EQ(log.doc.results.size(), 6u);
  for (const auto& r : log.doc.results) {
    EXPECT_EQ(r.nranks, 8);
    EXPECT_FALSE(has(r.missing, "nranks"));
  }
}

TEST(TextFormat, UnnamedTableWithoutDevicesStillNeedsCollective) {
  const std::string msg = error_of([] { parse(kNoProgramNoDevices); });
  EXPECT_HAS(msg, "--collective");
}

// ------------------------------------------------------------------ not a log

void expect_not_a_log(const std::string& path) {
  const std::string msg = error_of([&] { ingest::import_log(path); });
  EXPECT_HAS(msg, path);
  EXPECT_HAS(msg, "not an nccl-tests or rccl-tests log");
}

TEST(NotALog, ReadmeCsvEmptyAndBinaryFiles) {
  TempDir dir;
  expect_not_a_log(dir.write("README.md",
                             "# nccl-tests\n\nThese tests check both the performance and the correctness of NCCL "
                             "operations.\n\n1. Build with make MPI=1\n2. Run ./build/all_reduce_perf -b 8 -e 256M -f 2 -g 8\n"));
  expect_not_a_log(dir.write("results.csv",
                             "size,count,type,redop,root,time,algbw,busbw,wrong\n1024,256,float,sum,-1,10.5,0.10,0.10,0\n"));
  expect_not_a_log(dir.write("empty.log", ""));
  expect_not_a_log(dir.write("blank.log", "\n  \n\t\n"));
  expect_not_a_log(dir.write("core.bin", std::string("\x7f" "ELF\x02\x01\x01\0\0\0\0\0\0\0\0\0", 16) + "all_reduce_perf"));
}

TEST(NotALog, JsonThatIsNotAnNcclTestsDocument) {
  TempDir dir;
  expect_not_a_log(dir.write("package.json", "{\"name\": \"x\", \"version\": \"1.0.0\"}\n"));
}

// ------------------------------------------------------------------ JSON (-J)

std::string json_doc(int version, const std::string& okay = "unchecked", const std::string& errors = "[]") {
  std::string d = R"JSON({"version":@V@,"start_time":"2025-01-01 10:00:00","args":["/x/build/all_reduce_perf","-b","1K","-e","2K","-f","2","-I","1","-J","out.json"],"env":["NCCL_DEBUG=INFO","SECRET=1","PATH=/usr/bin","CUDA_VISIBLE_DEVICES=0"],"nccl_version":22809,"config":{"nthreads":1,"ngpus":1,"minimum_bytes":1024,"maximum_bytes":2048,"step_factor":2,"warmup_iters":1,"iterations":5,"aggregated_iterations":1,"validation":1,"graph":0,"blocking_collectives":"false","per_iter_timing":"true","parallel_init":"false","devices":[{"rank":0,"group":0,"pid":1,"hostname":"h1","device":0,"device_hex":"0000:04:00","device_info":"NVIDIA H100"},{"rank":1,"group":0,"pid":2,"hostname":"h2","device":0,"device_hex":"0000:04:00","device_info":"NVIDIA H100"}]},"results":[{"size":1024,"count":256,"type":"float","redop":"sum","root":"    -1","out_of_place":{"time":10.500000,"alg_bw":0.097524,"bus_bw":0.097524,"nwrong":0.000000},"out_of_place_per_iter":{"min_us":10.000000,"max_us":12.500000,"avg_us":10.820000,"p50_us":10.400000,"p95_us":12.500000,"p99_us":12.500000,"stdev_us":0.893085,"cv_pct":8.254020,"times_us":[10.400000,10.000000,12.500000,10.200000,11.000000]},"in_place":{"time":10.300000,"alg_bw":0.099417,"bus_bw":0.099417,"nwrong":null},"in_place_per_iter":{"min_us":9.900000,"max_us":11.000000,"avg_us":10.300000,"p50_us":10.300000,"p95_us":11.000000,"p99_us":11.000000,"stdev_us":0.390000,"cv_pct":3.786408,"times_us":[10.300000,9.900000,11.000000,10.100000,10.200000]},"actual_iterations":5,"experiment_name":""},{"size":2048,"count":512,"type":"float","redop":"sum","root":"    -1","out_of_place":{"time":11.200000,"alg_bw":0.182857,"bus_bw":0.182857,"nwrong":0.000000},"out_of_place_per_iter":{"min_us":10.800000,"max_us":12.000000,"avg_us":11.200000,"p50_us":11.200000,"p95_us":12.000000,"p99_us":12.000000,"stdev_us":0.400000,"cv_pct":3.571429,"times_us":[11.200000,10.800000,12.000000,11.000000,11.000000]},"in_place":{"time":11.000000,"alg_bw":0.186182,"bus_bw":0.186182,"nwrong":null},"actual_iterations":5,"experiment_name":""}],"out_of_bounds":{"count":0,"okay":"true"},"average_bus_bandwidth":{"bandwidth":0.141605,"okay":"@OK@"},"errors":@E@,"end_time":"2025-01-01 10:00:05"})JSON";
  auto put = [&d](const std::string& key, const std::string& value) { d.replace(d.find(key), key.size(), value); };
  put("@V@", std::to_string(version));
  put("@OK@", okay);
  put("@E@", errors);
  return d;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

TEST(JsonFormat, Version3Document) {
  const auto log = ingest::parse_json_log(json_doc(3), "out.json");
  const auto& doc = log.doc;
  const auto& md = doc.metadata;
  EXPECT_EQ(md.imported->format, "nccl-tests JSON (version 3)");
  EXPECT_EQ(md.imported->program, "all_reduce_perf");
  EXPECT_EQ(md.backend_library, "NCCL 2.28.9");
  EXPECT_EQ(md.env.count("NCCL_DEBUG"), 1u);
  EXPECT_EQ(md.env.at("NCCL_DEBUG"), "INFO");
  EXPECT_EQ(md.env.count("SECRET"), 0u) << "-J writes the whole environment; only NCCL_* & co. are kept";
  EXPECT_EQ(md.env.count("PATH"), 0u);
  EXPECT_EQ(md.command_line.front(), "/x/build/all_reduce_perf");
  EXPECT_EQ(md.nranks, 2);
  ASSERT_EQ(md.hosts.size(), 2u);
  EXPECT_TRUE(md.imported->complete);
  EXPECT_EQ(doc.status, "ok");
  EXPECT_DOUBLE_EQ(md.imported->avg_busbw_gbps, 0.141605);
  ASSERT_EQ(doc.results.size(), 4u);

  const auto& r = doc.results[0];
  EXPECT_EQ(r.collective, "allreduce");
  EXPECT_EQ(r.placement, "out_of_place");
  EXPECT_EQ(r.root, -1) << "root is the padded string \"    -1\"";
  EXPECT_EQ(r.bytes, 1024u);
  EXPECT_EQ(r.count, 256u);
  EXPECT_EQ(r.wrong, 0);
  EXPECT_TRUE(r.checked);
  EXPECT_EQ(r.iters, 5);
  EXPECT_EQ(r.nranks, 2);
  const std::vector<double> times = {10.4, 10.0, 12.5, 10.2, 11.0};
  EXPECT_EQ(r.samples_us, times);
  EXPECT_EQ(r.time_us.n, times.size());
  EXPECT_DOUBLE_EQ(r.time_us.p50, median(times));
  EXPECT_DOUBLE_EQ(r.time_us.min, 10.0);
  EXPECT_DOUBLE_EQ(r.time_us.max, 12.5);
  EXPECT_NEAR(r.time_us.mean, std::accumulate(times.begin(), times.end(), 0.0) / 5, 1e-12);
  EXPECT_FALSE(has(r.missing, "time_us.p50"));
  EXPECT_FALSE(has(r.missing, "samples_us"));
  EXPECT_TRUE(std::isfinite(r.busbw_gbps));
  EXPECT_NEAR(r.busbw_gbps, algbw(1024, median(times)), 1e-9) << "median-based, allreduce factor 1 on 2 ranks";
  EXPECT_NEAR(r.busbw_mean_gbps, algbw(1024, 10.5), 1e-9) << "from the printed (host) time";
  EXPECT_EQ(r.backend_notes.at("host_time_us"), "10.5");

  const auto& ip = doc.results[1];
  EXPECT_EQ(ip.placement, "in_place");
  EXPECT_EQ(ip.wrong, -1) << "nwrong null";
  EXPECT_FALSE(ip.checked);
  EXPECT_TRUE(has(ip.missing, "wrong"));
  EXPECT_DOUBLE_EQ(ip.time_us.p50, 10.2);

  // The second result's in-place has no per-iteration block: its mean is the printed time.
  const auto& ip2 = doc.results[3];
  EXPECT_EQ(ip2.bytes, 2048u);
  EXPECT_DOUBLE_EQ(ip2.time_us.mean, 11.0);
  EXPECT_TRUE(ip2.samples_us.empty());
  EXPECT_TRUE(has(ip2.missing, "time_us.p50"));
}

TEST(JsonFormat, Version2DocumentViaImportLog) {
  TempDir dir;
  const std::string path = dir.write("run.json", "\n  " + json_doc(2));
  const auto log = ingest::import_log(path);
  EXPECT_EQ(log.doc.metadata.imported->format, "nccl-tests JSON (version 2)");
  EXPECT_EQ(log.doc.results.size(), 4u);
  EXPECT_EQ(log.label, "run");
  EXPECT_NE(log.doc.metadata.imported->fingerprint, 0u);
  EXPECT_EQ(log.doc.status, "ok");
}

TEST(JsonFormat, NanStringIsNaNNotAnError) {
  // No devices (so the printed busbw is kept) and NaN bandwidths, as util.cu writes NaN: "nan".
  const std::string d =
      R"JSON({"version":3,"start_time":"2025-01-01 10:00:00","args":["./all_reduce_perf"],"env":[],"nccl_version":22809,"config":{"nthreads":1,"ngpus":1,"iterations":20,"warmup_iters":1},"results":[{"size":1024,"count":256,"type":"float","redop":"sum","root":"    -1","out_of_place":{"time":10.500000,"alg_bw":"nan","bus_bw":"nan","nwrong":0.000000},"in_place":{"time":10.300000,"alg_bw":0.099417,"bus_bw":0.099417,"nwrong":0.000000},"actual_iterations":20,"experiment_name":""}],"out_of_bounds":{"count":0,"okay":"true"},"average_bus_bandwidth":{"bandwidth":"nan","okay":"unchecked"},"errors":[],"end_time":"2025-01-01 10:00:01"})JSON";
  const auto log = ingest::parse_json_log(d, "nan.json");
  ASSERT_EQ(log.doc.results.size(), 2u);
  EXPECT_TRUE(std::isnan(log.doc.results[0].busbw_mean_gbps));
  EXPECT_NEAR(log.doc.results[0].algbw_mean_gbps, algbw(1024, 10.5), 1e-9);
  EXPECT_DOUBLE_EQ(log.doc.results[1].busbw_mean_gbps, 0.099417);
  EXPECT_TRUE(std::isnan(log.doc.metadata.imported->avg_busbw_gbps));
}

TEST(JsonFormat, CutOffInTheSecondResult) {
  const std::string full = json_doc(3);
  const auto second = full.find("{\"size\":2048");
  ASSERT_NE(second, std::string::npos);
  const std::string cut = full.substr(0, second + 120);  // inside its out_of_place_per_iter
  const auto log = ingest::parse_json_log(cut, "cut.json");
  ASSERT_EQ(log.doc.results.size(), 2u);
  for (const auto& r : log.doc.results) EXPECT_EQ(r.bytes, 1024u);
  EXPECT_FALSE(log.doc.metadata.imported->complete);
  EXPECT_EQ(log.doc.status, "running");
  EXPECT_TRUE(has_note(log, "cut off")) << notes_of(log);
}

TEST(JsonFormat, BandwidthBelowMinimumIsFailed) {
  const auto log = ingest::parse_json_log(json_doc(3, "false"), "minbw.json");
  EXPECT_EQ(log.doc.status, "failed");
  EXPECT_EQ(log.doc.results.size(), 4u);
}

TEST(JsonFormat, ReportedErrorIsFailed) {
  const auto log = ingest::parse_json_log(json_doc(3, "unchecked", R"(["NCCL WARN Net : Connection closed by remote peer"])"),
                                          "err.json");
  EXPECT_EQ(log.doc.status, "failed");
  EXPECT_TRUE(has_note(log, "Connection closed")) << notes_of(log);
}

TEST(JsonFormat, EmptyErrorStringOfASuccessfulRunIsNotAFailure) {
  const auto log = ingest::parse_json_log(json_doc(3, "unchecked", R"([""])"), "ok.json");
  EXPECT_EQ(log.doc.status, "ok");
}

TEST(JsonFormat, NotJsonOfNcclTests) {
  const std::string msg = error_of([] { ingest::parse_json_log("{\"version\":3,\"results\":", "broken.json"); });
  EXPECT_HAS(msg, "broken.json");
}

// ------------------------------------------------------------------ import store

std::size_t line_count(const fs::path& p) {
  std::ifstream in(p);
  std::size_t n = 0;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) ++n;
  return n;
}

TEST(ImportStore, DuplicatesAreSkippedAndLabelsStayUnique) {
  TempDir tmp;
  const std::string run_a = tmp.write("a/run.log", kAllGather2176);
  const std::string other = tmp.write("a/other.log", kTwoCollectives);
  const std::string run_b = tmp.write("b/run.log", kPerIter2192);
  const std::string store = (tmp.path() / "store").string();

  std::vector<ingest::ImportedLog> first;
  first.push_back(ingest::import_log(run_a));
  first.push_back(ingest::import_log(other));
  const std::size_t n_run_a = first[0].doc.results.size(), n_other = first[1].doc.results.size();
  const auto out1 = ingest::write_import_store(store, std::move(first), "collbench import a/run.log a/other.log", "0.0.0");
  EXPECT_EQ(out1.added, (std::vector<std::string>{"run", "other"}));
  EXPECT_TRUE(out1.duplicates.empty());
  EXPECT_EQ(out1.records, n_run_a + n_other);

  std::vector<ingest::ImportedLog> second;
  second.push_back(ingest::import_log(other));
  second.push_back(ingest::import_log(run_b));
  const std::size_t n_run_b = second[1].doc.results.size();
  const auto out2 = ingest::write_import_store(store, std::move(second), "collbench import a/other.log b/run.log", "0.0.0");
  ASSERT_EQ(out2.duplicates.size(), 1u);
  EXPECT_HAS(out2.duplicates[0], other);
  EXPECT_HAS(out2.duplicates[0], "other");
  ASSERT_EQ(out2.added.size(), 1u);
  EXPECT_NE(out2.added[0], "run") << "the label 'run' is taken";
  EXPECT_EQ(out2.records, n_run_b);

  const nlohmann::json m = ingest::read_import_manifest(store);
  EXPECT_EQ(m.at("schema"), "collbench.import");
  ASSERT_EQ(m.at("sources").size(), 3u);
  std::vector<std::string> labels;
  std::size_t records = 0;
  for (const auto& s : m.at("sources")) {
    labels.push_back(s.at("label").get<std::string>());
    records += s.at("records").get<std::size_t>();
  }
  std::sort(labels.begin(), labels.end());
  EXPECT_EQ(std::adjacent_find(labels.begin(), labels.end()), labels.end()) << ::testing::PrintToString(labels);
  EXPECT_EQ(records, n_run_a + n_other + n_run_b);
  EXPECT_EQ(line_count(fs::path(store) / "results.jsonl"), n_run_a + n_other + n_run_b);
  EXPECT_EQ(m.at("imports").size(), 2u);
}

TEST(ImportStore, RefusesADirectoryWithAnotherManifest) {
  TempDir tmp;
  tmp.write("sweep/manifest.json", "{\"schema\":\"collbench.sweep\",\"schema_version\":1}\n");
  std::vector<ingest::ImportedLog> logs;
  logs.push_back(parse(kAllGather2176));
  const std::string dir = (tmp.path() / "sweep").string();
  const std::string msg = error_of([&] { ingest::write_import_store(dir, std::move(logs), "collbench import", "0.0.0"); });
  EXPECT_HAS(msg, "collbench.import");
  EXPECT_HAS(msg, "collbench.sweep");
  EXPECT_FALSE(fs::exists(tmp.path() / "sweep" / "results.jsonl"));
}

}  // namespace
