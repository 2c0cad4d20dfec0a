#pragma once

// How a training pipeline (bmfl train, bmfl train-brain-encoder) joins a launch of several
// processes (Distributed.h): the group, and this rank's device.

#include "bmfl/Distributed.h"
#include "bmfl/Pipeline.h"

#include <memory>
#include <string>

namespace bmfl
{

/// The launch's group when it has several ranks (null: one process); device becomes this rank's
/// (rankDevice). Notes the group once joined (only rank 0's control prints).
inline std::shared_ptr<DistributedGroup> joinLaunch(const LaunchEnvironment& launch,
                                                    const DistributedOptions& options,
                                                    std::string& device,
                                                    const PipelineControl& control)
{
  if (!launch.distributed())
  {
    return nullptr;
  }
  device = rankDevice(device, launch);
  std::shared_ptr<DistributedGroup> group = DistributedGroup::join(launch, options, device);
  control.note("data-parallel over " + std::to_string(launch.worldSize) + " processes (" +
               launch.launcher + ", " + group->backend() + ", rendezvous at " +
               launch.masterAddress + ":" + std::to_string(launch.masterPort) + ")");
  return group;
}

} // namespace bmfl
