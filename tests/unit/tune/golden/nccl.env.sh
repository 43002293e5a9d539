# collbench tune: nccl backend, 4 ranks on 2 nodes: settings for every collective (levels 2 and 3)
# workload: uniform over the measured sizes
# source it in the job script before the launcher: . ./env.sh
export NCCL_ALGO='allreduce:ring;allgather:ring'
export NCCL_BUFFSIZE='8388608'
