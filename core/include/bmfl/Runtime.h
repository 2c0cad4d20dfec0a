#pragma once

#include <string>

namespace bmfl
{

/// Facts about the compute runtime, for start-up logs and `bmfl info --runtime`.
struct RuntimeInfo
{
  std::string torchVersion;
  int threads = 1;
  bool cudaAvailable = false;
  int cudaDevices = 0;
  std::string blasLibrary; ///< the BLAS shared object the process actually loaded
  std::string openblasCoreType;
};

/// Call first thing in main(), before anything loads OpenBLAS's kernels. Makes glibc's malloc
/// keep large blocks in the heap (no mmap, trim threshold 1 GiB) unless MALLOC_MMAP_THRESHOLD_,
/// MALLOC_MMAP_MAX_, MALLOC_TRIM_THRESHOLD_ or GLIBC_TUNABLES is set. Then, unless BMFL_NO_REEXEC
/// is set, re-executes the program once with OPENBLAS_CORETYPE=SkylakeX on a CPU with AVX-512
/// (OpenBLAS 0.3.21 otherwise picks its slower AVX2 kernels) and OMP_WAIT_POLICY=PASSIVE
/// (LibTorch's spinning OpenMP workers otherwise take the cores OpenBLAS's threads need), for
/// whichever of them the environment does not set: both are read only when their library is loaded.
/// Returns normally in every other case.
void prepareProcess(char** argv);

/// Sets LibTorch's intra-op thread count to the machine's cores (or $BMFL_THREADS) and
/// returns what the runtime now is.
RuntimeInfo initRuntime();

/// What the runtime is now, without changing it.
RuntimeInfo runtimeInfo();

} // namespace bmfl
