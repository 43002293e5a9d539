# Sourced by the scripts: what mpirun needs on this kind of machine.
if [ "$(id -u)" -eq 0 ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
# Containers often lack a usable high-speed transport; keep Open MPI quiet about it.
export OMPI_MCA_btl_base_warn_component_unused=0
