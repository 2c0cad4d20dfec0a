#pragma once

// The training commands across processes started by srun or torchrun: --dist-backend and
// --dist-timeout, and the control of ranks other than 0 (they print nothing).

#include "Commands.h"

#include "bmfl/Distributed.h"
#include "bmfl/Pipeline.h"

namespace bmfl::cli
{

inline void addDistributedOptions(CLI::App& command, DistributedOptions& options)
{
  command
    .add_option("--dist-backend",
                options.backend,
                "across processes started by srun or torchrun (RANK, WORLD_SIZE, ...): gloo "
                "(CPU), nccl (CUDA) or auto")
    ->check(CLI::IsMember({ "auto", "gloo", "nccl" }))
    ->capture_default_str();
  command
    .add_option("--dist-timeout",
                options.timeoutSeconds,
                "seconds a process waits for the others before it stops with an error")
    ->check(wholeNumber(1, 7 * 86400))
    ->capture_default_str();
}

/// Rank 0 reports; the others keep only the cancel flag (a cancel on any rank stops all).
inline PipelineControl rankControl(PipelineControl control, const LaunchEnvironment& launch)
{
  if (launch.rank != 0)
  {
    control.log = nullptr;
    control.count = nullptr;
    control.training.progress = nullptr;
  }
  return control;
}

} // namespace bmfl::cli
