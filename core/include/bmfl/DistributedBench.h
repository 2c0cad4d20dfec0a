#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace bmfl
{

// Data-parallel scaling of the BMFL head-training step on this machine (`bmfl bench
// distributed`): the same global batch trained by 1 process and by N processes on localhost that
// split it and all-reduce their gradients over Gloo (bmfl/Distributed.h), as `bmfl train` does
// under srun or torchrun. Torch-free interface; the step is the engine's.

struct DistributedBenchOptions
{
  std::string arch = "vits14";   ///< the encoder width the head is built for (PipelineBench.h)
  std::int64_t vertices = 39548; ///< predicted fMRI size (NSD subj01)
  std::int64_t globalBatch = 32; ///< images per step, split across the processes
  std::int64_t stepsPerRun = 1;  ///< head-training steps per timed run
  int repeats = 3;               ///< timed runs, after one untimed step
  std::vector<int> processes = { 1, 2 };
  int timeoutSeconds = 300; ///< for the rendezvous and each collective
};

/// One process count: the timed runs of rank 0 (each from a barrier to a barrier).
struct DistributedBenchTiming
{
  int processes = 1;
  int threadsPerProcess = 1;
  std::int64_t imagesPerRun = 0; ///< globalBatch x stepsPerRun
  std::vector<double> seconds;
  double cpuSeconds = 0.0; ///< CPU time of all processes over the timed runs
};

/// Whether this process is a worker that benchDistributed started (it sets
/// BMFL_BENCH_DISTRIBUTED_RESULT beside torchrun's RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR and
/// MASTER_PORT).
bool isDistributedBenchWorker();

/// A worker's part: joins the group the environment describes, runs the steps on its slice of
/// each global batch and writes its CPU time (rank 0: and the timed runs) to
/// $BMFL_BENCH_DISTRIBUTED_RESULT.RANK.
/// Throws DistributedError (bmfl/Distributed.h) when a rank stops.
void runDistributedBenchWorker(const DistributedBenchOptions& options);

/// For each process count, starts workerCommand (a program and its arguments that leads to
/// runDistributedBenchWorker with the same options, e.g. this program's `bench distributed`)
/// as that many processes on 127.0.0.1 with a free port, the machine's cores shared between them
/// (BMFL_THREADS), and collects rank 0's timed runs and every rank's CPU time. Throws
/// std::runtime_error in one line (the failing rank, its exit status or signal and its last
/// line of output) when a worker fails; the others are stopped. progress is told each count.
std::vector<DistributedBenchTiming> benchDistributed(
  const DistributedBenchOptions& options,
  const std::vector<std::string>& workerCommand,
  const std::function<void(const std::string&)>& progress);

} // namespace bmfl
