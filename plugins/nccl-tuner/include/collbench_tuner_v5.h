/* collbench's own declaration of NCCL's tuner plugin ABI, version 5 (NCCL 2.28).
 * Written from the interface's description, self-contained: no nccl.h needed (when nccl.h is
 * included first, its ncclResult_t is used). C and C++. NCCL dlopens the plugin and looks up the
 * exported symbol `ncclTunerPlugin_v5` (an ncclTuner_v5_t). */
#ifndef COLLBENCH_TUNER_V5_H_
#define COLLBENCH_TUNER_V5_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef NCCL_H_
typedef enum {
  ncclSuccess = 0,
  ncclUnhandledCudaError = 1,
  ncclSystemError = 2,
  ncclInternalError = 3,
  ncclInvalidArgument = 4,
  ncclInvalidUsage = 5,
  ncclRemoteError = 6,
  ncclInProgress = 7
} ncclResult_t;
#endif

/* Log levels of the logger NCCL hands to init. */
typedef enum {
  NCCL_LOG_NONE = 0,
  NCCL_LOG_VERSION = 1,
  NCCL_LOG_WARN = 2,
  NCCL_LOG_INFO = 3,
  NCCL_LOG_ABORT = 4,
  NCCL_LOG_TRACE = 5
} ncclDebugLogLevel;

/* Subsystem flags (the logger's `flags`); only the two the plugin uses. */
#define NCCL_INIT 0x1
#define NCCL_TUNING 0x40

typedef void (*ncclDebugLogger_t)(ncclDebugLogLevel level, unsigned long flags, const char* file, int line,
                                  const char* fmt, ...);

/* The collective of a getCollInfo call. The tuner is only asked about 0..4 (NCCL_NUM_FUNCTIONS
 * is 5); NCCL 2.28.9 has further values, SendRecv 5 to Gather 10, and ncclNumFuncs = 11
 * (src/include/nccl_common.h:58-72). The last enumerator keeps the type int-sized and makes every
 * value NCCL may pass a valid one. */
typedef enum {
  ncclFuncBroadcast = 0,
  ncclFuncReduce = 1,
  ncclFuncAllGather = 2,
  ncclFuncReduceScatter = 3,
  ncclFuncAllReduce = 4,
  collbenchFuncIntRange_ = 0x7fffffff
} ncclFunc_t;

/* Cost table: row = algorithm, column = protocol. */
#define NCCL_NUM_ALGORITHMS 7
#define NCCL_ALGO_TREE 0
#define NCCL_ALGO_RING 1
#define NCCL_ALGO_COLLNET_DIRECT 2
#define NCCL_ALGO_COLLNET_CHAIN 3
#define NCCL_ALGO_NVLS 4
#define NCCL_ALGO_NVLS_TREE 5
#define NCCL_ALGO_PAT 6

#define NCCL_NUM_PROTOCOLS 3
#define NCCL_PROTO_LL 0
#define NCCL_PROTO_LL128 1
#define NCCL_PROTO_SIMPLE 2

/* A cell holding this cost is not available for the call. */
#define NCCL_ALGO_PROTO_IGNORE -1.0

typedef struct {
  int nNvlDomains;
  int minRanksPerNvlDomain;
  int maxRanksPerNvlDomain;
} ncclNvlDomainInfo_v5_t;

/* NCCL's model constants: [hw link 3][algorithm 7][protocol 3], [compute capability 4][scale 3]. */
typedef struct {
  double baseLatencies[7][3];
  double hwLatencies[3][7][3];
  double llMaxBws[4][3];
  double perChMaxRingLL128Bws[4][3];
  double perChMaxTreeLL128Bws[4][3];
  double perChMaxTreeBws[4][3];
  double perChMaxNVLSTreeBws[4][3];
} ncclTunerConstants_v5_t;

typedef struct {
  const char* name;
  /* Called once per communicator. */
  ncclResult_t (*init)(void** ctx, uint64_t commId, size_t nRanks, size_t nNodes, ncclDebugLogger_t logFunction,
                       ncclNvlDomainInfo_v5_t* nvlDomainInfo, ncclTunerConstants_v5_t* constants);
  /* Called per collective. NOTE: despite its type, collCostTable is a flat float[numAlgo][numProto]
   * cast to float**: index it as ((float*)collCostTable)[algo * numProto + proto]. A plugin picks a
   * cell by lowering its cost (0.0); *nChannels may be set to force a channel count. */
  ncclResult_t (*getCollInfo)(void* context, ncclFunc_t collType, size_t nBytes, int numPipeOps,
                              float** collCostTable, int numAlgo, int numProto, int regBuff, int* nChannels);
  ncclResult_t (*finalize)(void* context);
} ncclTuner_v5_t;

#ifdef __cplusplus
}
#endif

#endif /* COLLBENCH_TUNER_V5_H_ */
