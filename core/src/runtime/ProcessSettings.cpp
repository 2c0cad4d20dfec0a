#include "bmfl/ProcessSettings.h"

#include <cstdlib>

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

} // namespace

bool setLoadTimeSettings()
{
  if (std::getenv("BMFL_NO_REEXEC") != nullptr)
  {
    return false;
  }
  bool changed = false;
  if (std::getenv("OPENBLAS_CORETYPE") == nullptr && cpuHasAvx512ForOpenBlas())
  {
    setenv("OPENBLAS_CORETYPE", "SkylakeX", 1);
    changed = true;
  }
  if (std::getenv("OMP_WAIT_POLICY") == nullptr && std::getenv("GOMP_SPINCOUNT") == nullptr)
  {
    setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
    changed = true;
  }
  return changed;
}

} // namespace bmfl
