// The only translation unit of the foundation that includes LibTorch: thread set-up and the
// runtime report. Keep torch headers out of everything that does not need them (compile time).
#include "bmfl/Runtime.h"

#include "bmfl/ProcessSettings.h"

#include <torch/torch.h>

#include <algorithm>
#include <charconv>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <link.h>
#include <malloc.h>
#include <string>
#include <thread>
#include <unistd.h>

namespace bmfl
{

namespace
{

// Chosen with `bmfl bench model` (docs/REPRODUCE.md): no block is ever handed out by mmap (the
// largest mmap threshold glibc takes, 32 MiB, is below ViT-B/14's activations at batch 16: its
// MLP hidden layer is 16 x 257 x 3072 floats, 48 MiB, and those still faulted 24,000 times per
// image), and the heap's top is kept up to 1 GiB instead of being trimmed at every free.
constexpr int TrimThresholdBytes = 1 << 30;

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
  // Allocation churn: LibTorch frees and reallocates the same large activations at every layer.
  // glibc's defaults hand blocks above a moving threshold back to the kernel (munmap) and trim
  // the heap's top, so a forward can page-fault its activations in again (measured: thousands
  // of faults per image at batch 16). Large blocks then come from the heap and stay there; the
  // user's own MALLOC_* variables or GLIBC_TUNABLES win.
  if (std::getenv("MALLOC_MMAP_THRESHOLD_") == nullptr &&
      std::getenv("MALLOC_MMAP_MAX_") == nullptr &&
      std::getenv("MALLOC_TRIM_THRESHOLD_") == nullptr && std::getenv("GLIBC_TUNABLES") == nullptr)
  {
    mallopt(M_MMAP_MAX, 0);
    mallopt(M_TRIM_THRESHOLD, TrimThresholdBytes);
  }
  // The load-time settings: the launcher (bin/bmfl, bin/bmfl-workbench) has set them already;
  // a program started directly sets them now and runs again, once, so that its libraries load
  // with them.
  if (argv != nullptr && setLoadTimeSettings())
  {
    execv("/proc/self/exe", argv);
    // execv returned: keep running with the settings already chosen.
  }
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
  if (const char* policy = std::getenv("OMP_WAIT_POLICY"))
  {
    info.ompWaitPolicy = policy;
  }
  else if (const char* spins = std::getenv("GOMP_SPINCOUNT"))
  {
    info.ompWaitPolicy = std::string("GOMP_SPINCOUNT=") + spins;
  }
  else
  {
    info.ompWaitPolicy = "default (spinning)";
  }
  return info;
}

std::string deviceNameProblem(const std::string& name)
{
  if (name == "auto" || name == "cpu")
  {
    return "";
  }
  const std::string index = name.rfind("cuda:", 0) == 0 ? name.substr(5) : "";
  int device = 0;
  const char* end = index.data() + index.size();
  const bool indexed = !index.empty() && std::from_chars(index.data(), end, device).ptr == end;
  if ((name != "cuda" && !indexed) || device < 0)
  {
    return "unknown device '" + name + "' (auto, cpu, cuda or cuda:N)";
  }
  const RuntimeInfo runtime = runtimeInfo();
  if (!runtime.cudaAvailable || device >= runtime.cudaDevices)
  {
    return "device '" + name + "' is not available here (" + std::to_string(runtime.cudaDevices) +
           " CUDA devices)";
  }
  return "";
}

std::string precisionProblem(const std::string& precision, const std::string& device)
{
  if (precision != "fp32" && precision != "bf16" && precision != "fp16")
  {
    return "unknown precision '" + precision + "' (fp32, bf16 or fp16)";
  }
  const bool cuda = device == "auto" ? torch::cuda::is_available() : device.rfind("cuda", 0) == 0;
  if (precision == "fp16" && !cuda)
  {
    return "precision fp16 needs a CUDA device (on a CPU: bf16 or fp32)";
  }
  return "";
}

RuntimeInfo initRuntime()
{
  at::set_num_threads(wantedThreadCount());
  return runtimeInfo();
}

} // namespace bmfl
