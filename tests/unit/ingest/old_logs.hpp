#pragma once
// Synthetic logs for the printed figures and nccl-tests' algbw definitions, written from the printf
// formats of nccl-tests before 2.12 (src/common.cu at ec1b5e2^ and after: "%12li  %12li  %6s  %6s"
// then per placement "  %7s  %6.2f  %6.2f  %5.0le"; time %7.2f / %7.1f (> 100) / %7.0f (> 10000)).
// Pre-2020 all_gather / reduce_scatter: algbw = size x (n-1)/n / time, busbw = algbw (factor 1); since
// nccl-tests ec1b5e2 (v2.9.0): algbw = size / time, busbw = algbw x (n-1)/n. No version line (it
// came with 2.18.5), so the definition is read from the rows.
#include <string_view>

namespace oldlogs {

// reduce_scatter_perf on 8 GPUs of one process (-g 8), before ec1b5e2: busbw = algbw.
inline constexpr std::string_view kReduceScatterPre2020Ranks8 = R"LOG(# nThread 1 nGpus 8 minBytes 1048576 maxBytes 67108864 step: 4(factor) warmup iters: 5 iters: 20 validation: 1 
#
# Using devices
#   Rank  0 Pid   4242 on       dgx1 device  0 [0x06] Tesla V100-SXM2-32GB
#   Rank  1 Pid   4242 on       dgx1 device  1 [0x07] Tesla V100-SXM2-32GB
#   Rank  2 Pid   4242 on       dgx1 device  2 [0x0a] Tesla V100-SXM2-32GB
#   Rank  3 Pid   4242 on       dgx1 device  3 [0x0b] Tesla V100-SXM2-32GB
#   Rank  4 Pid   4242 on       dgx1 device  4 [0x85] Tesla V100-SXM2-32GB
#   Rank  5 Pid   4242 on       dgx1 device  5 [0x86] Tesla V100-SXM2-32GB
#   Rank  6 Pid   4242 on       dgx1 device  6 [0x89] Tesla V100-SXM2-32GB
#   Rank  7 Pid   4242 on       dgx1 device  7 [0x8a] Tesla V100-SXM2-32GB
#
#                                                     out-of-place                       in-place          
#       size         count    type   redop     time   algbw   busbw  error     time   algbw   busbw  error
#        (B)    (elements)                     (us)  (GB/s)  (GB/s)            (us)  (GB/s)  (GB/s)       
     1048576         32768   float     sum    96.58    9.50    9.50  0e+00    95.13    9.64    9.64  0e+00
     4194304        131072   float     sum    241.4   15.20   15.20  0e+00    237.8   15.43   15.43  0e+00
    16777216        524288   float     sum    785.0   18.70   18.70  0e+00    773.3   18.98   18.98  0e+00
    67108864       2097152   float     sum   2995.9   19.60   19.60  0e+00   2951.0   19.90   19.90  0e+00
# Out of bounds values : 0 OK
# Avg bus bandwidth    : 15.8688 
#
)LOG";

// The same on 4 GPUs: algbw = size x 3/4 / time.
inline constexpr std::string_view kReduceScatterPre2020Ranks4 = R"LOG(# nThread 1 nGpus 4 minBytes 1048576 maxBytes 67108864 step: 4(factor) warmup iters: 5 iters: 20 validation: 1 
#
# Using devices
#   Rank  0 Pid   4242 on       dgx1 device  0 [0x06] Tesla V100-SXM2-32GB
#   Rank  1 Pid   4242 on       dgx1 device  1 [0x07] Tesla V100-SXM2-32GB
#   Rank  2 Pid   4242 on       dgx1 device  2 [0x0a] Tesla V100-SXM2-32GB
#   Rank  3 Pid   4242 on       dgx1 device  3 [0x0b] Tesla V100-SXM2-32GB
#
#                                                     out-of-place                       in-place          
#       size         count    type   redop     time   algbw   busbw  error     time   algbw   busbw  error
#        (B)    (elements)                     (us)  (GB/s)  (GB/s)            (us)  (GB/s)  (GB/s)       
     1048576         65536   float     sum    82.78    9.50    9.50  0e+00    81.54    9.64    9.64  0e+00
     4194304        262144   float     sum    207.0   15.20   15.20  0e+00    203.9   15.43   15.43  0e+00
    16777216       1048576   float     sum    672.9   18.70   18.70  0e+00    662.8   18.98   18.98  0e+00
    67108864       4194304   float     sum   2567.9   19.60   19.60  0e+00   2529.4   19.90   19.90  0e+00
# Out of bounds values : 0 OK
# Avg bus bandwidth    : 15.8688 
#
)LOG";

// The same table printed by a build with ec1b5e2 (v2.9-v2.11, the same layout): algbw = size / time.
inline constexpr std::string_view kReduceScatterCurrentRanks8 = R"LOG(# nThread 1 nGpus 8 minBytes 1048576 maxBytes 67108864 step: 4(factor) warmup iters: 5 iters: 20 validation: 1 
#
# Using devices
#   Rank  0 Pid   4242 on       dgx1 device  0 [0x06] Tesla V100-SXM2-32GB
#   Rank  1 Pid   4242 on       dgx1 device  1 [0x07] Tesla V100-SXM2-32GB
#   Rank  2 Pid   4242 on       dgx1 device  2 [0x0a] Tesla V100-SXM2-32GB
#   Rank  3 Pid   4242 on       dgx1 device  3 [0x0b] Tesla V100-SXM2-32GB
#   Rank  4 Pid   4242 on       dgx1 device  4 [0x85] Tesla V100-SXM2-32GB
#   Rank  5 Pid   4242 on       dgx1 device  5 [0x86] Tesla V100-SXM2-32GB
#   Rank  6 Pid   4242 on       dgx1 device  6 [0x89] Tesla V100-SXM2-32GB
#   Rank  7 Pid   4242 on       dgx1 device  7 [0x8a] Tesla V100-SXM2-32GB
#
#                                                     out-of-place                       in-place          
#       size         count    type   redop     time   algbw   busbw  error     time   algbw   busbw  error
#        (B)    (elements)                     (us)  (GB/s)  (GB/s)            (us)  (GB/s)  (GB/s)       
     1048576         32768   float     sum    96.58   10.86    9.50  0e+00    95.13   11.02    9.64  0e+00
     4194304        131072   float     sum    241.4   17.37   15.20  0e+00    237.8   17.64   15.43  0e+00
    16777216        524288   float     sum    785.0   21.37   18.70  0e+00    773.3   21.70   18.98  0e+00
    67108864       2097152   float     sum   2995.9   22.40   19.60  0e+00   2951.0   22.74   19.90  0e+00
# Out of bounds values : 0 OK
# Avg bus bandwidth    : 15.8688 
#
)LOG";

// Tiny sizes only (32 B to 256 B): the bandwidths' two decimals cannot tell the definitions apart.
inline constexpr std::string_view kReduceScatterTinySizes8 = R"LOG(# nThread 1 nGpus 8 minBytes 32 maxBytes 256 step: 4(factor) warmup iters: 5 iters: 20 validation: 1 
#
# Using devices
#   Rank  0 Pid   4242 on       dgx1 device  0 [0x06] Tesla V100-SXM2-32GB
#   Rank  1 Pid   4242 on       dgx1 device  1 [0x07] Tesla V100-SXM2-32GB
#   Rank  2 Pid   4242 on       dgx1 device  2 [0x0a] Tesla V100-SXM2-32GB
#   Rank  3 Pid   4242 on       dgx1 device  3 [0x0b] Tesla V100-SXM2-32GB
#   Rank  4 Pid   4242 on       dgx1 device  4 [0x85] Tesla V100-SXM2-32GB
#   Rank  5 Pid   4242 on       dgx1 device  5 [0x86] Tesla V100-SXM2-32GB
#   Rank  6 Pid   4242 on       dgx1 device  6 [0x89] Tesla V100-SXM2-32GB
#   Rank  7 Pid   4242 on       dgx1 device  7 [0x8a] Tesla V100-SXM2-32GB
#
#                                                     out-of-place                       in-place          
#       size         count    type   redop     time   algbw   busbw  error     time   algbw   busbw  error
#        (B)    (elements)                     (us)  (GB/s)  (GB/s)            (us)  (GB/s)  (GB/s)       
          32             1   float     sum    11.32    0.00    0.00  0e+00    11.05    0.00    0.00  0e+00
          64             2   float     sum    11.41    0.00    0.00  0e+00    11.20    0.01    0.01  0e+00
         128             4   float     sum    11.58    0.01    0.01  0e+00    11.47    0.01    0.01  0e+00
         256             8   float     sum    11.93    0.02    0.02  0e+00    11.80    0.02    0.02  0e+00
# Out of bounds values : 0 OK
# Avg bus bandwidth    : 0.00875 
#
)LOG";

// all_gather_perf on 8 GPUs before ec1b5e2, with the command that ran it (the table names no test):
// all_gather.cu's own header, "size count type" without redop; algbw = size x 7/8 / time = busbw.
inline constexpr std::string_view kAllGatherPre2020Ranks8 = R"LOG($ ./build/all_gather_perf -b 1M -e 64M -f 4 -g 8
# nThread 1 nGpus 8 minBytes 1048576 maxBytes 67108864 step: 4(factor) warmup iters: 5 iters: 20 validation: 1 
#
# Using devices
#   Rank  0 Pid   5151 on       dgx1 device  0 [0x06] Tesla V100-SXM2-32GB
#   Rank  1 Pid   5151 on       dgx1 device  1 [0x07] Tesla V100-SXM2-32GB
#   Rank  2 Pid   5151 on       dgx1 device  2 [0x0a] Tesla V100-SXM2-32GB
#   Rank  3 Pid   5151 on       dgx1 device  3 [0x0b] Tesla V100-SXM2-32GB
#   Rank  4 Pid   5151 on       dgx1 device  4 [0x85] Tesla V100-SXM2-32GB
#   Rank  5 Pid   5151 on       dgx1 device  5 [0x86] Tesla V100-SXM2-32GB
#   Rank  6 Pid   5151 on       dgx1 device  6 [0x89] Tesla V100-SXM2-32GB
#   Rank  7 Pid   5151 on       dgx1 device  7 [0x8a] Tesla V100-SXM2-32GB
#
#                                             out-of-place                       in-place          
#       size         count    type     time   algbw   busbw  error     time   algbw   busbw  error
#        (B)    (elements)             (us)  (GB/s)  (GB/s)            (us)  (GB/s)  (GB/s)       
     1048576         32768   float    103.1    8.90    8.90  0e+00    102.1    8.99    8.99  0e+00
     4194304        131072   float    248.0   14.80   14.80  0e+00    245.5   14.95   14.95  0e+00
    16777216        524288   float    811.1   18.10   18.10  0e+00    802.9   18.28   18.28  0e+00
    67108864       2097152   float   3042.5   19.30   19.30  0e+00   3012.1   19.49   19.49  0e+00
# Out of bounds values : 0 OK
# Avg bus bandwidth    : 15.3513 
#
)LOG";

// all_gather_perf on 4 GPUs before ec1b5e2, with the command that ran it (the table names no test):
// all_gather.cu's own header, "size count type" without redop; algbw = size x 3/4 / time = busbw.
inline constexpr std::string_view kAllGatherPre2020Ranks4 = R"LOG($ ./build/all_gather_perf -b 1M -e 64M -f 4 -g 4
# nThread 1 nGpus 4 minBytes 1048576 maxBytes 67108864 step: 4(factor) warmup iters: 5 iters: 20 validation: 1 
#
# Using devices
#   Rank  0 Pid   5151 on       dgx1 device  0 [0x06] Tesla V100-SXM2-32GB
#   Rank  1 Pid   5151 on       dgx1 device  1 [0x07] Tesla V100-SXM2-32GB
#   Rank  2 Pid   5151 on       dgx1 device  2 [0x0a] Tesla V100-SXM2-32GB
#   Rank  3 Pid   5151 on       dgx1 device  3 [0x0b] Tesla V100-SXM2-32GB
#
#                                             out-of-place                       in-place          
#       size         count    type     time   algbw   busbw  error     time   algbw   busbw  error
#        (B)    (elements)             (us)  (GB/s)  (GB/s)            (us)  (GB/s)  (GB/s)       
     1048576         65536   float    88.36    8.90    8.90  0e+00    87.48    8.99    8.99  0e+00
     4194304        262144   float    212.5   14.80   14.80  0e+00    210.4   14.95   14.95  0e+00
    16777216       1048576   float    695.2   18.10   18.10  0e+00    688.2   18.28   18.28  0e+00
    67108864       4194304   float   2607.9   19.30   19.30  0e+00   2581.8   19.49   19.49  0e+00
# Out of bounds values : 0 OK
# Avg bus bandwidth    : 15.3513 
#
)LOG";

}  // namespace oldlogs
