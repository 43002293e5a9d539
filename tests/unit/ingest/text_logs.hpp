#pragma once
// Synthetic logs written exactly as nccl-tests / rccl-tests print them (the printf formats of
// util.cu and common.cu; ../shared/reference/nccl-tests-format.md), one per generation or launcher
// wrapping. Shared by the text-format tests and the import-store tests.
#include <string_view>

namespace importlogs {

// nccl-tests 2.17.6 (NCCL 2.27.3), all_gather_perf -b 1K -e 2G -f 1024 -c 0 on 8 ranks: the >= 2.17.3
// header ("busbw  #wrong"), adaptive floats ("49967.2", "100370") and '#wrong' N/A (no check).
inline constexpr std::string_view kAllGather2176 = R"LOG(# nccl-tests version 2.17.6 nccl-headers=22703 nccl-library=22703
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
inline constexpr std::string_view kPerIter2192 = R"LOG(# nccl-tests version 2.19.2 nccl-headers=22807 nccl-library=22807
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
inline constexpr std::string_view kTwoCollectives = R"LOG(# nccl-tests version 2.17.6 nccl-headers=22703 nccl-library=22703
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
inline constexpr std::string_view kTwoCycles = R"LOG(# Collective test starting: all_reduce_perf
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
inline constexpr std::string_view kOpenMpiTagged = R"LOG([1,0]<stdout>:# Collective test starting: all_reduce_perf
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
inline constexpr std::string_view kSrunLabelled = R"LOG(0: # Collective test starting: all_reduce_perf
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
inline constexpr std::string_view kRcclInPlaceOnly = R"LOG($ mpirun -np 1 ./build/all_reduce_perf -b 1K -e 4K -f 2 -g 8 -O 0
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
inline constexpr std::string_view kNoProgramAllGatherLike = R"LOG(# nThread 1 nGpus 8 minBytes 1048576 maxBytes 4194304 step: 2(factor) warmup iters: 5 iters: 20 agg iters: 1 validation: 1 graph: 0
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
inline constexpr std::string_view kNoProgramNoDevices = R"LOG(# nThread 1 nGpus 8 minBytes 1048576 maxBytes 4194304 step: 2(factor) warmup iters: 5 iters: 20 agg iters: 1 validation: 1 graph: 0
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
inline constexpr std::string_view kSendRecv = R"LOG(# nccl-tests version 2.17.6 nccl-headers=22703 nccl-library=22703
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
inline constexpr std::string_view kTimestamps = R"LOG(# nccl-tests version 2.17.6 nccl-headers=22703 nccl-library=22703
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

}  // namespace importlogs
