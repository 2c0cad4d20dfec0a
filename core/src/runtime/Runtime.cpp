// The only translation unit of the foundation that includes LibTorch: thread set-up and the
// runtime report. Keep torch headers out of everything that does not need them (compile time).
#include "bmfl/Runtime.h"

#include <torch/torch.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <link.h>
#include <string>
#include <thread>
#include <unistd.h>

namespace bmfl
{

namespace
{

bool cpuHasAvx512ForOpenBlas()
{
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
#else
  return false;
#endif
}

int callbackFindBlas(dl_phdr_info* info, size_t /*size*/, void* data)
{
  auto* found = static_cast<std::string*>(data);
  const std::string name = info->dlpi_name ? info->dlpi_name : "";
  if (name.find("blas") != std::string::npos)
  {
    char resolved[PATH_MAX];
    *found = realpath(name.c_str(), resolved) ? std::string(resolved) : name;
    return 1;
  }
  return 0;
}

std::string loadedBlasLibrary()
{
  std::string found;
  dl_iterate_phdr(callbackFindBlas, &found);
  return found.empty() ? "none loaded" : found;
}

int wantedThreadCount()
{
  if (const char* fromEnvironment = std::getenv("BMFL_THREADS"))
  {
    const int requested = std::atoi(fromEnvironment);
    if (requested > 0)
    {
      return requested;
    }
  }
  const long onlineCores = sysconf(_SC_NPROCESSORS_ONLN);
  const unsigned hardware = std::thread::hardware_concurrency();
  return static_cast<int>(std::max<long>(1, std::max<long>(onlineCores, hardware)));
}

} // namespace

void prepareProcess(char** argv)
{
  // OpenBLAS chooses its kernels when the library is loaded, before main(); the only way to
  // change its choice is to run again with the variable set. The variable doubles as a guard.
  if (std::getenv("OPENBLAS_CORETYPE") != nullptr || std::getenv("BMFL_NO_REEXEC") != nullptr)
  {
    return;
  }
  if (!cpuHasAvx512ForOpenBlas() || argv == nullptr)
  {
    return;
  }
  setenv("OPENBLAS_CORETYPE", "SkylakeX", 1);
  execv("/proc/self/exe", argv);
  // execv returned: keep running with the kernels already chosen.
}

RuntimeInfo runtimeInfo()
{
  RuntimeInfo info;
  info.torchVersion = std::to_string(TORCH_VERSION_MAJOR) + "." +
                      std::to_string(TORCH_VERSION_MINOR) + "." +
                      std::to_string(TORCH_VERSION_PATCH);
  info.threads = at::get_num_threads();
  info.cudaAvailable = torch::cuda::is_available();
  info.cudaDevices = info.cudaAvailable ? static_cast<int>(torch::cuda::device_count()) : 0;
  info.blasLibrary = loadedBlasLibrary();
  const char* coreType = std::getenv("OPENBLAS_CORETYPE");
  info.openblasCoreType = coreType ? coreType : "auto";
  return info;
}

RuntimeInfo initRuntime()
{
  at::set_num_threads(wantedThreadCount());
  return runtimeInfo();
}

} // namespace bmfl
