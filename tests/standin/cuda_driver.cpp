// The stand-in for the CUDA driver (libcuda.so.1), TEST ONLY: collbench dlopens it to tell "no
// driver" from "no device" before it asks the runtime (src/backend/nccl/nccl_device.cpp). The
// stand-in runtime needs nothing from it, so it only answers the driver's version.
extern "C" {
int cuInit(unsigned int) { return 0; }
int cuDriverGetVersion(int* v) {
  if (!v) return 1;
  *v = 13000;
  return 0;
}
}
