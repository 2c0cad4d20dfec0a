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
  std::string ompWaitPolicy; ///< OMP_WAIT_POLICY, GOMP_SPINCOUNT=N, or "default (spinning)"
};

/// Call first thing in main(). Makes glibc's malloc keep large blocks in the heap (no mmap, trim
/// threshold 1 GiB) unless MALLOC_MMAP_THRESHOLD_, MALLOC_MMAP_MAX_, MALLOC_TRIM_THRESHOLD_ or
/// GLIBC_TUNABLES is set. Then, when setLoadTimeSettings (bmfl/ProcessSettings.h) had anything
/// left to set, i.e. the program was not started by its launcher, re-executes it once so that
/// OpenBLAS and OpenMP load with them. Returns normally in every other case.
void prepareProcess(char** argv);

/// Sets LibTorch's intra-op thread count to the machine's cores (or $BMFL_THREADS) and
/// returns what the runtime now is.
RuntimeInfo initRuntime();

/// What the runtime is now, without changing it.
RuntimeInfo runtimeInfo();

} // namespace bmfl
