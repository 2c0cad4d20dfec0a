#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace bmfl::fuzz
{

/// One parser fed arbitrary bytes. A target returns normally when the parser accepted the input
/// or refused it with FileError; anything else (a crash, a sanitizer report, another exception
/// escaping) is a finding.
struct FuzzTarget
{
  const char* name; ///< also the corpus folder: tests/fuzz/corpus/<name>/
  void (*run)(const std::uint8_t* data, std::size_t size);
};

/// Every target built into this binary.
const std::vector<FuzzTarget>& fuzzTargets();

/// The target of that name, or nullptr.
const FuzzTarget* findFuzzTarget(const std::string& name);

} // namespace bmfl::fuzz
