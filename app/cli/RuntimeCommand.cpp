#include "Commands.h"

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
              << "cuda:              "
              << (info.cudaAvailable ? std::to_string(info.cudaDevices) + " device(s)"
                                     : std::string("not available"))
              << "\n";
    return 0;
  };
}

} // namespace

BMFL_REGISTER_COMMAND(runtime,
                      "runtime",
                      "print the compute runtime: LibTorch, threads, BLAS, CUDA",
                      defineRuntime);

} // namespace bmfl::cli
