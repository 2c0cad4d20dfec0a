#pragma once

// Data-parallel training over several processes: the launch read from the environment (torchrun's
// variables or an srun job step's) and a process group over LibTorch's c10d (TCPStore rendezvous,
// ProcessGroupGloo on CPU, ProcessGroupNCCL on CUDA where the LibTorch has it). Torch-free facade:
// the collectives on tensors are the engine's (Trainer, TrainerOptions::distributed).

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace bmfl
{

/// Where this process stands in a launch of several.
struct LaunchEnvironment
{
  int rank = 0;
  int worldSize = 1;
  int localRank = 0;         ///< the rank among the processes of this host (its GPU)
  std::string masterAddress; ///< rank 0's host, which serves the rendezvous
  int masterPort = 0;
  /// "torchrun" (RANK, WORLD_SIZE, ...), "slurm" (an srun job step) or "" (one process).
  std::string launcher;

  bool distributed() const { return worldSize > 1; }
};

/// An environment variable's value, or nullopt when it is not set.
using EnvironmentLookup = std::function<std::optional<std::string>(const std::string& name)>;
std::optional<std::string> processEnvironment(const std::string& name);

/// The launch as the environment describes it:
/// - torchrun's RANK and WORLD_SIZE (then also LOCAL_RANK, default 0, MASTER_ADDR, MASTER_PORT)
///   when either is set;
/// - else an srun job step (SLURM_STEP_ID or SLURM_STEPID set, and not the batch script's,
///   extern or interactive step): SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID, the first host of
///   SLURM_JOB_NODELIST (MASTER_ADDR when set), and MASTER_PORT or else 20000 + SLURM_JOB_ID mod
///   10000 (the same on every rank of the step; set MASTER_PORT for two concurrent steps);
/// - else one process (a batch script run with --ntasks=4 but without srun is one process).
/// A world size of 1 is one process. Throws std::invalid_argument naming the variable for a
/// missing, malformed or inconsistent value.
LaunchEnvironment readLaunchEnvironment(const EnvironmentLookup& lookup = processEnvironment);

/// The first host of a Slurm hostlist: "gpu[03-05,09],cpu1" -> "gpu03". The whole list is
/// checked; throws std::invalid_argument for malformed text.
std::string firstSlurmHost(const std::string& hostList);

struct DistributedOptions
{
  /// "gloo", "nccl" or "auto": NCCL for a CUDA device where the LibTorch has it, else Gloo.
  std::string backend = "auto";
  /// The rendezvous and every collective of a training step wait this long for the other ranks,
  /// then stop with a DistributedError.
  int timeoutSeconds = 600;
};

/// A rank that stopped or did not answer in time, in one line ("rank 1 of 2 stopped or did not
/// answer within 600 s (...)").
class DistributedError : public std::runtime_error
{
public:
  using std::runtime_error::runtime_error;
};

/// The device a rank trains on: "cuda" (or "auto" with CUDA) becomes "cuda:<localRank mod GPUs>"
/// so that each process of a host has its own GPU; others are returned as they are.
std::string rankDevice(const std::string& device, const LaunchEnvironment& launch);

/// The processes of a launch, joined. Torch-free handle; the engine's collectives use it.
class DistributedGroup
{
public:
  /// Joins the launch's group (rank 0 serves the rendezvous at masterAddress:masterPort) with the
  /// backend for device (as rankDevice gives it). Throws std::invalid_argument for a backend this
  /// LibTorch lacks, DistributedError when the other ranks do not join in time.
  static std::shared_ptr<DistributedGroup> join(const LaunchEnvironment& launch,
                                                const DistributedOptions& options,
                                                const std::string& device);
  ~DistributedGroup();
  DistributedGroup(const DistributedGroup&) = delete;
  DistributedGroup& operator=(const DistributedGroup&) = delete;

  int rank() const;
  int size() const;
  const std::string& backend() const; ///< "gloo" or "nccl"

  /// Waits for every rank; what names the wait in an error. A long wait (long = true: while
  /// ranks finish a long local task, e.g. feature extraction or rank 0 writing the bundle) is not
  /// bounded by the timeout; a rank that dies meanwhile is still noticed (its connections close).
  void barrier(const std::string& what, bool longWait = false);
  /// Sums values over the ranks, in place (the same length on every rank); longWait as barrier.
  void sum(std::vector<double>& values, const std::string& what, bool longWait = false);
  /// Whether any rank passes true (a cancel on one rank stops them all at the same step).
  bool any(bool value, const std::string& what, bool longWait = false);

  struct Impl;
  Impl& impl() { return *Internals; }

private:
  explicit DistributedGroup(std::unique_ptr<Impl> internals);
  std::unique_ptr<Impl> Internals;
};

} // namespace bmfl
