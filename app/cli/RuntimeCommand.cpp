#include "Commands.h"

#include "bmfl/FileError.h"
#include "bmfl/Resources.h"
#include "bmfl/Runtime.h"

#include <iostream>

namespace bmfl::cli
{

namespace
{

CommandRun defineRuntime(CLI::App&)
{
  return []()
  {
    const RuntimeInfo info = runtimeInfo();
    std::cout << "libtorch:          " << info.torchVersion << "\n"
              << "intra-op threads:  " << info.threads << "\n"
              << "blas library:      " << info.blasLibrary << "\n"
              << "openblas coretype: " << info.openblasCoreType << "\n"
              << "openmp wait:       " << info.ompWaitPolicy << "\n"
              << "cuda:              "
              << (info.cudaAvailable ? std::to_string(info.cudaDevices) + " device(s)"
                                     : std::string("not available"))
              << "\n";
    std::string resources;
    try
    {
      resources = resourceDirectory();
    }
    catch (const FileError& error)
    {
      resources = error.what();
    }
    const std::string demo = demoModelDirectory();
    std::cout << "resources:         " << resources << "\n"
              << "demo model:        " << (demo.empty() ? std::string("none found") : demo) << "\n";
    return 0;
  };
}

} // namespace

BMFL_REGISTER_COMMAND(runtime,
                      "runtime",
                      "print the compute runtime: LibTorch, threads, BLAS, OpenMP, CUDA, and where "
                      "the resources and the demo model are",
                      defineRuntime);

} // namespace bmfl::cli
