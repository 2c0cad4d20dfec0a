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

/// Why a device name cannot be used here, in one line; empty when it can: "auto", "cpu",
/// "cuda" or "cuda:N" with that CUDA device present.
std::string deviceNameProblem(const std::string& name);

/// Why a precision cannot be used on a device (a name deviceNameProblem accepts), in one line;
/// empty when it can: "fp32", "bf16" (CPU or CUDA) or "fp16" (CUDA only).
std::string precisionProblem(const std::string& precision, const std::string& device);

} // namespace bmfl
