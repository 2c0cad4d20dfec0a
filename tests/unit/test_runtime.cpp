#include "bmfl/Runtime.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <thread>

TEST(Runtime, UsesAllCoresByDefault)
{
  unsetenv("BMFL_THREADS");
  const bmfl::RuntimeInfo info = bmfl::initRuntime();
  EXPECT_EQ(info.threads, static_cast<int>(std::thread::hardware_concurrency()));
  EXPECT_FALSE(info.torchVersion.empty());
}

TEST(Runtime, ThreadCountCanBeChosen)
{
  setenv("BMFL_THREADS", "1", 1);
  EXPECT_EQ(bmfl::initRuntime().threads, 1);
  unsetenv("BMFL_THREADS");
}

TEST(Runtime, LoadsOpenBlasNotReferenceBlas)
{
  // LibTorch falls back to reference BLAS (about 50x slower) when OpenBLAS is not the
  // system BLAS; the dependency script installs libopenblas0-openmp to prevent that.
  const bmfl::RuntimeInfo info = bmfl::initRuntime();
  EXPECT_NE(info.blasLibrary.find("openblas"), std::string::npos) << info.blasLibrary;
}
