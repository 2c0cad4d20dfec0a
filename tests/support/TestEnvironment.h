#pragma once

// What the tests may assume about the machine they run on. CI installs every tool and package
// the suite needs through the project's own scripts, so there a missing one is a failure: a test
// that would skip elsewhere fails when CI=true, and a green CI cannot hide a missing install step.

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>

namespace bmfl::test
{

/// True when the suite runs in CI (the environment variable CI is "true").
inline bool runningInCi()
{
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::strcmp(ci, "true") == 0;
}

} // namespace bmfl::test

/// Skips the current test because a tool, package or data folder is missing, except in CI, where
/// it fails. The argument is streamed: BMFL_SKIP_UNLESS_CI("no file at " << path).
#define BMFL_SKIP_UNLESS_CI(reason)                                                                \
  do                                                                                               \
  {                                                                                                \
    if (::bmfl::test::runningInCi())                                                               \
    {                                                                                              \
      GTEST_FAIL() << reason << " (CI=true: the project's scripts must install it)";               \
    }                                                                                              \
    GTEST_SKIP() << reason;                                                                        \
  } while (false)
