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

/// Call first thing in main(), before anything loads OpenBLAS's kernels. On a CPU with AVX-512
/// and no OPENBLAS_CORETYPE in the environment it re-executes the program once with
/// OPENBLAS_CORETYPE=SkylakeX (OpenBLAS 0.3.21 otherwise picks its slower AVX2 kernels, and it
/// reads the variable only when it is loaded). Returns normally in every other case.
void prepareProcess(char** argv);

/// Sets LibTorch's intra-op thread count to the machine's cores (or $BMFL_THREADS) and
/// returns what the runtime now is.
RuntimeInfo initRuntime();

/// What the runtime is now, without changing it.
RuntimeInfo runtimeInfo();

} // namespace bmfl
