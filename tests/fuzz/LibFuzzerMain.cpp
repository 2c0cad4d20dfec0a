// The libFuzzer entry point of one fuzzer binary; BMFL_FUZZ_TARGET names its target.
#include "FuzzTargets.h"

#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  static const bmfl::fuzz::FuzzTarget* target = bmfl::fuzz::findFuzzTarget(BMFL_FUZZ_TARGET);
  if (!target)
  {
    std::fprintf(stderr, "bmfl fuzz: no target named %s\n", BMFL_FUZZ_TARGET);
    std::abort();
  }
  target->run(data, size);
  return 0;
}
