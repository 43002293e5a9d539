# collbench tune: nccl backend, 4 ranks on 2 nodes: settings for every collective (levels 2 and 3)
# workload: uniform over the measured sizes
# source it in the job script before the launcher: . ./env.sh
# also recommended, for the application's ncclConfig_t (no environment variable carries them): maxCTAs 16
# NCCL_ALGO/NCCL_PROTO here are the per-collective choice; nccl_tuner.conf is the per-size one: deploy one of the two
export NCCL_ALGO='allreduce:ring;allgather:ring'
export NCCL_BUFFSIZE='8388608'
