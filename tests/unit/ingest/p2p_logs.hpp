#pragma once
// Point-to-point tables as nccl-tests 2.19.6 printed them: sendrecv_perf and alltoallv_perf, run
// unchanged on the GPU stand-in (tests/standin/nccl_tests), rows cut out of the real logs; nothing
// edited but the rows left out. Device lines say "[collbench stand-in]" because that is what ran.
#include <string_view>

namespace p2plogs {

// alltoallv_perf -b 8 -e 256K -f 4 -c 1 -g 1 on 4 ranks, default traffic (spread 1): sizes 8 and
// 32 give 0 elements per peer (two rows of size 0), size is the largest send, count the per-peer
// count, op "none", in place N/A (alltoallv.cu:460: not checked).
inline constexpr std::string_view kAllToAllv = R"LOG(# nccl-tests version 2.19.6 nccl-headers=22809 nccl-library=22809
# Collective test starting: alltoallv_perf
# nThread 1 nGpus 1 minBytes 8 maxBytes 262144 step: 4(factor) warmup iters: 1 iters: 20 agg iters: 1 validation: 1 graph: 0 unalign: 0
#
# Using devices
#  Rank  0 Group  0 Pid  23723 on         vm device  0 [0000:18:00] NVIDIA H100 80GB HBM3 [collbench stand-in]
#  Rank  1 Group  0 Pid  23724 on         vm device  1 [0000:2a:00] NVIDIA H100 80GB HBM3 [collbench stand-in]
#  Rank  2 Group  0 Pid  23725 on         vm device  2 [0000:3a:00] NVIDIA H100 80GB HBM3 [collbench stand-in]
#  Rank  3 Group  0 Pid  23726 on         vm device  3 [0000:5d:00] NVIDIA H100 80GB HBM3 [collbench stand-in]
#
#                                                              out-of-place                       in-place          
#       size         count      type   redop    root     time   algbw   busbw  #wrong     time   algbw   busbw  #wrong 
#        (B)    (elements)                               (us)  (GB/s)  (GB/s)             (us)  (GB/s)  (GB/s)         
           0             0     float    none      -1     0.10    0.00    0.00       0     0.11    0.00    0.00    N/A
           0             0     float    none      -1     0.09    0.00    0.00       0     0.08    0.00    0.00    N/A
         112             8     float    none      -1    28.12    0.00    0.00       0    35.69    0.00    0.00    N/A
         496            32     float    none      -1    27.20    0.02    0.01       0    27.66    0.02    0.01    N/A
      131056          8192     float    none      -1    72.78    1.80    1.35       0    49.96    2.62    1.97    N/A
# Out of bounds values : 0 OK
# Avg bus bandwidth    : 0.329076 
#
# Collective test concluded: alltoallv_perf
#
)LOG";

// The same test with NCCL_TESTS_ALLTOALLV_SPREAD=0.5 NCCL_TESTS_ALLTOALLV_PRINT_SUMMARY=1 (-e 64K):
// the summary is printed from inside each placement's bandwidth (alltoallv.cu AlltoAllvGetBw,
// common.cu:796), so each row comes in three pieces around two summaries.
inline constexpr std::string_view kAllToAllvSummary = R"LOG(# nccl-tests version 2.19.6 nccl-headers=22809 nccl-library=22809
# Collective test starting: alltoallv_perf
# nThread 1 nGpus 1 minBytes 8 maxBytes 65536 step: 4(factor) warmup iters: 1 iters: 20 agg iters: 1 validation: 1 graph: 0 unalign: 0
#
# Using devices
#  Rank  0 Group  0 Pid  23803 on         vm device  0 [0000:18:00] NVIDIA H100 80GB HBM3 [collbench stand-in]
#  Rank  1 Group  0 Pid  23804 on         vm device  1 [0000:2a:00] NVIDIA H100 80GB HBM3 [collbench stand-in]
#  Rank  2 Group  0 Pid  23805 on         vm device  2 [0000:3a:00] NVIDIA H100 80GB HBM3 [collbench stand-in]
#  Rank  3 Group  0 Pid  23806 on         vm device  3 [0000:5d:00] NVIDIA H100 80GB HBM3 [collbench stand-in]
#
#                                                              out-of-place                       in-place          
#       size         count      type   redop    root     time   algbw   busbw  #wrong     time   algbw   busbw  #wrong 
#        (B)    (elements)                               (us)  (GB/s)  (GB/s)             (us)  (GB/s)  (GB/s)         
           0             0     float    none      -1# NCCL_TESTS_ALLTOALLV_PRINT_SUMMARY: mode=generated nranks=4 total_bytes=0 spread=0.500 time_usec=0.07
#   rank=0 send_bytes=0 recv_bytes=0 alg_bw=0.00 bus_bw=0.00
#   rank=1 send_bytes=0 recv_bytes=0 alg_bw=0.00 bus_bw=0.00
#   rank=2 send_bytes=0 recv_bytes=0 alg_bw=0.00 bus_bw=0.00
#   rank=3 send_bytes=0 recv_bytes=0 alg_bw=0.00 bus_bw=0.00
     0.07    0.00    0.00       0# NCCL_TESTS_ALLTOALLV_PRINT_SUMMARY: mode=generated nranks=4 total_bytes=0 spread=0.500 time_usec=0.07
#   rank=0 send_bytes=0 recv_bytes=0 alg_bw=0.00 bus_bw=0.00
#   rank=1 send_bytes=0 recv_bytes=0 alg_bw=0.00 bus_bw=0.00
#   rank=2 send_bytes=0 recv_bytes=0 alg_bw=0.00 bus_bw=0.00
#   rank=3 send_bytes=0 recv_bytes=0 alg_bw=0.00 bus_bw=0.00
     0.07    0.00    0.00    N/A
         112             8     float    none      -1# NCCL_TESTS_ALLTOALLV_PRINT_SUMMARY: mode=generated nranks=4 total_bytes=128 spread=0.500 time_usec=28.26
#   rank=0 send_bytes=112 recv_bytes=112 alg_bw=0.00 bus_bw=0.00
#   rank=1 send_bytes=112 recv_bytes=112 alg_bw=0.00 bus_bw=0.00
#   rank=2 send_bytes=112 recv_bytes=112 alg_bw=0.00 bus_bw=0.00
#   rank=3 send_bytes=112 recv_bytes=112 alg_bw=0.00 bus_bw=0.00
    28.26    0.00    0.00       0# NCCL_TESTS_ALLTOALLV_PRINT_SUMMARY: mode=generated nranks=4 total_bytes=128 spread=0.500 time_usec=31.07
#   rank=0 send_bytes=112 recv_bytes=112 alg_bw=0.00 bus_bw=0.00
#   rank=1 send_bytes=112 recv_bytes=112 alg_bw=0.00 bus_bw=0.00
#   rank=2 send_bytes=112 recv_bytes=112 alg_bw=0.00 bus_bw=0.00
#   rank=3 send_bytes=112 recv_bytes=112 alg_bw=0.00 bus_bw=0.00
    31.07    0.00    0.00    N/A
         496            32     float    none      -1# NCCL_TESTS_ALLTOALLV_PRINT_SUMMARY: mode=generated nranks=4 total_bytes=512 spread=0.500 time_usec=29.80
#   rank=0 send_bytes=496 recv_bytes=496 alg_bw=0.02 bus_bw=0.01
#   rank=1 send_bytes=496 recv_bytes=496 alg_bw=0.02 bus_bw=0.01
#   rank=2 send_bytes=496 recv_bytes=496 alg_bw=0.02 bus_bw=0.01
#   rank=3 send_bytes=496 recv_bytes=496 alg_bw=0.02 bus_bw=0.01
    29.80    0.02    0.01       0# NCCL_TESTS_ALLTOALLV_PRINT_SUMMARY: mode=generated nranks=4 total_bytes=512 spread=0.500 time_usec=27.20
#   rank=0 send_bytes=496 recv_bytes=496 alg_bw=0.02 bus_bw=0.01
#   rank=1 send_bytes=496 recv_bytes=496 alg_bw=0.02 bus_bw=0.01
#   rank=2 send_bytes=496 recv_bytes=496 alg_bw=0.02 bus_bw=0.01
#   rank=3 send_bytes=496 recv_bytes=496 alg_bw=0.02 bus_bw=0.01
    27.20    0.02    0.01    N/A
# Out of bounds values : 0 OK
# Avg bus bandwidth    : 0.148864 
#
# Collective test concluded: alltoallv_perf
#
)LOG";

// NCCL_TESTS_ALLTOALLV_MATRIX_FILE (4x4: 0 4096 0 1024 / 2048 0 8192 16 / 512 512 0 0 / 0 0 4004 64)
// with the summary, -b 16K -e 16K: one row, size 12192 (rank 2 receives the most), count 0.
inline constexpr std::string_view kAllToAllvMatrixSummary = R"LOG(# nccl-tests version 2.19.6 nccl-headers=22809 nccl-library=22809
# Collective test starting: alltoallv_perf
# nThread 1 nGpus 1 minBytes 16384 maxBytes 16384 step: 1048576(bytes) warmup iters: 1 iters: 20 agg iters: 1 validation: 1 graph: 0 unalign: 0
#
# Using devices
#  Rank  0 Group  0 Pid  23830 on         vm device  0 [0000:18:00] NVIDIA H100 80GB HBM3 [collbench stand-in]
#  Rank  1 Group  0 Pid  23831 on         vm device  1 [0000:2a:00] NVIDIA H100 80GB HBM3 [collbench stand-in]
#  Rank  2 Group  0 Pid  23832 on         vm device  2 [0000:3a:00] NVIDIA H100 80GB HBM3 [collbench stand-in]
#  Rank  3 Group  0 Pid  23833 on         vm device  3 [0000:5d:00] NVIDIA H100 80GB HBM3 [collbench stand-in]
#
#                                                              out-of-place                       in-place          
#       size         count      type   redop    root     time   algbw   busbw  #wrong     time   algbw   busbw  #wrong 
#        (B)    (elements)                               (us)  (GB/s)  (GB/s)             (us)  (GB/s)  (GB/s)         
       12192             0     float    none      -1# NCCL_TESTS_ALLTOALLV_PRINT_SUMMARY: mode=matrix nranks=4 matrix_dim=4 scale=1.000 time_usec=26.52
#   rank=0 send_bytes=5120 recv_bytes=2560 alg_bw=0.19 bus_bw=0.14
#   rank=1 send_bytes=10256 recv_bytes=4608 alg_bw=0.39 bus_bw=0.29
#   rank=2 send_bytes=1024 recv_bytes=12192 alg_bw=0.46 bus_bw=0.34
#   rank=3 send_bytes=4064 recv_bytes=1104 alg_bw=0.15 bus_bw=0.11
    26.52    0.46    0.34       0# NCCL_TESTS_ALLTOALLV_PRINT_SUMMARY: mode=matrix nranks=4 matrix_dim=4 scale=1.000 time_usec=22.27
#   rank=0 send_bytes=5120 recv_bytes=2560 alg_bw=0.23 bus_bw=0.17
#   rank=1 send_bytes=10256 recv_bytes=4608 alg_bw=0.46 bus_bw=0.35
#   rank=2 send_bytes=1024 recv_bytes=12192 alg_bw=0.55 bus_bw=0.41
#   rank=3 send_bytes=4064 recv_bytes=1104 alg_bw=0.18 bus_bw=0.14
    22.27    0.55    0.41    N/A
# Out of bounds values : 0 OK
# Avg bus bandwidth    : 0.377685 
#
# Collective test concluded: alltoallv_perf
#
)LOG";

// sendrecv_perf -b 8 -e 64 -f 2 -o all on 2 ranks (sizes 32 and 64 left out): one table, each size
// once per op nccl-tests loops over (sum prod max min avg mulsum), none of them applied.
inline constexpr std::string_view kSendRecvAllOps = R"LOG(# nccl-tests version 2.19.6 nccl-headers=22809 nccl-library=22809
# Collective test starting: sendrecv_perf
# nThread 1 nGpus 1 minBytes 8 maxBytes 64 step: 2(factor) warmup iters: 1 iters: 20 agg iters: 1 validation: 1 graph: 0 unalign: 0
#
# Using devices
#  Rank  0 Group  0 Pid  25829 on         vm device  0 [0000:18:00] NVIDIA H100 80GB HBM3 [collbench stand-in]
#  Rank  1 Group  0 Pid  25830 on         vm device  1 [0000:2a:00] NVIDIA H100 80GB HBM3 [collbench stand-in]
#
#                                                              out-of-place                       in-place          
#       size         count      type   redop    root     time   algbw   busbw  #wrong     time   algbw   busbw  #wrong 
#        (B)    (elements)                               (us)  (GB/s)  (GB/s)             (us)  (GB/s)  (GB/s)         
           8             2     float     sum      -1     6.42    0.00    0.00       0     6.62    0.00    0.00    N/A
          16             4     float     sum      -1     7.71    0.00    0.00       0     7.56    0.00    0.00    N/A
           8             2     float    prod      -1     7.88    0.00    0.00       0     6.83    0.00    0.00    N/A
          16             4     float    prod      -1     6.79    0.00    0.00       0     8.60    0.00    0.00    N/A
           8             2     float     max      -1     6.22    0.00    0.00       0     6.21    0.00    0.00    N/A
          16             4     float     max      -1     7.54    0.00    0.00       0     6.84    0.00    0.00    N/A
           8             2     float     min      -1     6.97    0.00    0.00       0     7.50    0.00    0.00    N/A
          16             4     float     min      -1     8.48    0.00    0.00       0     8.53    0.00    0.00    N/A
           8             2     float     avg      -1     8.13    0.00    0.00       0     8.02    0.00    0.00    N/A
          16             4     float     avg      -1     7.74    0.00    0.00       0     8.26    0.00    0.00    N/A
           8             2     float  mulsum      -1     8.18    0.00    0.00       0     8.50    0.00    0.00    N/A
          16             4     float  mulsum      -1     9.30    0.00    0.00       0     7.40    0.00    0.00    N/A
# Out of bounds values : 0 OK
# Avg bus bandwidth    : 0.00419963 
#
# Collective test concluded: sendrecv_perf
#
)LOG";

}  // namespace p2plogs
