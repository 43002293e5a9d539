# collbench tune: mpi backend, 4 ranks: settings for every collective (levels 2 and 3)
# workload: workload.json (train)
# source it in the job script before the launcher: . ./env.sh
# the algorithms forced here win over ompi-rules.conf (the per-size choice): deploy one of the two
export OMPI_MCA_coll_tuned_allreduce_algorithm='3'
export OMPI_MCA_coll_tuned_bcast_algorithm='5'
export OMPI_MCA_coll_tuned_bcast_algorithm_tree_fanout='4'
export OMPI_MCA_coll_tuned_use_dynamic_rules='1'
