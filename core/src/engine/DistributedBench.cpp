#include "bmfl/DistributedBench.h"

#include "bmfl/AtomicFile.h"
#include "bmfl/Distributed.h"
#include "bmfl/PipelineBench.h"
#include "bmfl/ScratchFolder.h"
#include "engine/DistributedTensors.h"
#include "engine/Gradients.h"
#include "model/BmflHead.h"

#include <torch/torch.h>

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <netinet/in.h>
#include <spawn.h>
#include <sstream>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace bmfl
{

namespace
{

namespace fs = std::filesystem;

constexpr const char* ResultVariable = "BMFL_BENCH_DISTRIBUTED_RESULT";

/// A TCP port on 127.0.0.1 that nothing listens on now (the kernel's choice).
int freePort()
{
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
  {
    throw std::runtime_error("bench distributed: no socket for a free port");
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0)
  {
    port = ntohs(address.sin_port);
  }
  ::close(fd);
  if (port == 0)
  {
    throw std::runtime_error("bench distributed: could not find a free port on 127.0.0.1");
  }
  return port;
}

/// CPU time used by all threads of this process so far.
double processCpuSeconds()
{
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + 1e-9 * static_cast<double>(now.tv_nsec);
}

/// The last line of a worker's output, for a one-line error.
std::string lastLine(const fs::path& log)
{
  std::ifstream in(log);
  std::string line;
  std::string last;
  while (std::getline(in, line))
  {
    if (!line.empty())
    {
      last = line;
    }
  }
  return last.empty() ? "no output" : last;
}

/// A worker process: this program again, its output in a log file.
struct Worker
{
  pid_t pid = -1;
  fs::path log;
  int status = 0;
  bool running = false;
};

Worker startWorker(const std::vector<std::string>& command,
                   const std::vector<std::pair<std::string, std::string>>& settings,
                   const fs::path& log)
{
  std::vector<std::string> environment;
  for (char** entry = environ; *entry != nullptr; ++entry)
  {
    const std::string text = *entry;
    const std::string name = text.substr(0, text.find('='));
    const bool replaced = std::any_of(
      settings.begin(), settings.end(), [&](const auto& setting) { return setting.first == name; });
    if (!replaced)
    {
      environment.push_back(text);
    }
  }
  for (const auto& [name, value] : settings)
  {
    environment.push_back(name + "=" + value);
  }
  std::vector<char*> argv;
  for (const std::string& argument : command)
  {
    argv.push_back(const_cast<char*>(argument.c_str()));
  }
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (std::string& entry : environment)
  {
    envp.push_back(entry.data());
  }
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(
    &actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  Worker worker;
  worker.log = log;
  const int error = posix_spawn(&worker.pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0)
  {
    throw std::runtime_error("bench distributed: could not start " + command.front() + ": " +
                             std::strerror(error));
  }
  worker.running = true;
  return worker;
}

/// Waits for every worker; when one fails, the others are stopped. Throws naming the first
/// that failed, with the end of its output.
void waitForWorkers(std::vector<Worker>& workers)
{
  const Worker* failed = nullptr;
  while (std::any_of(workers.begin(), workers.end(), [](const Worker& w) { return w.running; }))
  {
    for (Worker& worker : workers)
    {
      if (!worker.running)
      {
        continue;
      }
      const pid_t done = ::waitpid(worker.pid, &worker.status, WNOHANG);
      if (done == worker.pid || (done < 0 && errno != EINTR))
      {
        worker.running = false;
        const bool ok =
          done == worker.pid && WIFEXITED(worker.status) && WEXITSTATUS(worker.status) == 0;
        if (!ok && failed == nullptr)
        {
          failed = &worker;
          for (Worker& other : workers)
          {
            if (other.running)
            {
              ::kill(other.pid, SIGTERM);
            }
          }
        }
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (failed != nullptr)
  {
    const std::size_t rank = static_cast<std::size_t>(failed - workers.data());
    // A worker that stopped by itself said why in its last line (bmfl's one-line error).
    const int status = failed->status;
    const std::string how =
      WIFSIGNALED(status)
        ? "killed by signal " + std::to_string(WTERMSIG(status))
        : "exit " + std::to_string(WEXITSTATUS(status)) + ": " + lastLine(failed->log);
    throw std::runtime_error("bench distributed: rank " + std::to_string(rank) + " of " +
                             std::to_string(workers.size()) + " failed, " + how);
  }
}

} // namespace

bool isDistributedBenchWorker()
{
  const char* result = std::getenv(ResultVariable);
  return result != nullptr && *result != '\0';
}

void runDistributedBenchWorker(const DistributedBenchOptions& options)
{
  const LaunchEnvironment launch = readLaunchEnvironment();
  std::shared_ptr<DistributedGroup> group;
  DistributedOptions distributed;
  distributed.backend = "gloo";
  distributed.timeoutSeconds = options.timeoutSeconds;
  if (launch.distributed())
  {
    group = DistributedGroup::join(launch, distributed, "cpu");
  }
  const int rank = launch.rank;
  const int size = launch.worldSize;
  if (options.globalBatch < size)
  {
    throw std::invalid_argument("bench distributed: the global batch (" +
                                std::to_string(options.globalBatch) +
                                ") is smaller than the processes (" + std::to_string(size) + ")");
  }

  // The same weights on every rank; each rank its own slice of the global batch (the data is
  // random: the cost of a step does not depend on it).
  torch::manual_seed(0);
  const ImageEncoderConfig encoder = benchEncoderConfig(options.arch);
  const std::int64_t dim = encoder.embedDim;
  BmflModelConfig config;
  config.encoder = encoder;
  BmflHead head(config, dim, benchVertexSpace(options.vertices));
  head->train();
  torch::optim::AdamW optimizer(head->parameters(), torch::optim::AdamWOptions(1e-4));
  const std::int64_t begin = options.globalBatch * rank / size;
  const std::int64_t end = options.globalBatch * (rank + 1) / size;
  const std::int64_t local = end - begin;
  torch::manual_seed(1 + static_cast<std::uint64_t>(rank));
  ImageFeatures features;
  features.cls = torch::randn({ local, dim });
  features.patches = torch::randn({ local, 256, dim }); // 16 x 16 patches at 224 px
  features.gridHeight = 16;
  features.gridWidth = 16;
  const torch::Tensor fmri = torch::randn({ local, options.vertices });
  const torch::Tensor targets = torch::randint(config.numClasses, { local }, torch::kLong);
  std::vector<torch::Tensor> parameters = head->parameters();

  const auto step = [&]()
  {
    zeroGradients(optimizer);
    // Weighted by this rank's share, so that the summed gradients are the global batch's mean.
    const double share = static_cast<double>(local) / static_cast<double>(options.globalBatch);
    (bmflLoss(head->forward(features, fmri), targets, config.pccWeight) * share).backward();
    if (group)
    {
      std::vector<torch::Tensor> gradients;
      for (const torch::Tensor& parameter : parameters)
      {
        if (parameter.grad().defined())
        {
          gradients.push_back(parameter.grad());
        }
      }
      sumOverRanks(*group, gradients, "a head-training step");
    }
    optimizer.step();
  };

  step(); // untimed
  std::vector<double> seconds;
  double cpuSeconds = 0.0;
  for (int run = 0; run < options.repeats; ++run)
  {
    if (group)
    {
      group->barrier("the start of a timed run");
    }
    const auto start = std::chrono::steady_clock::now();
    const double cpuStart = processCpuSeconds();
    for (std::int64_t s = 0; s < options.stepsPerRun; ++s)
    {
      step();
    }
    if (group)
    {
      group->barrier("the end of a timed run");
    }
    cpuSeconds += processCpuSeconds() - cpuStart;
    seconds.push_back(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  // Every rank: its threads and CPU time; rank 0 also the timed runs.
  std::ostringstream text;
  text.precision(9);
  text << torch::get_num_threads() << " " << cpuSeconds;
  for (std::size_t run = 0; rank == 0 && run < seconds.size(); ++run)
  {
    text << " " << seconds[run];
  }
  text << "\n";
  writeTextFileAtomically(std::string(std::getenv(ResultVariable)) + "." + std::to_string(rank),
                          text.str());
}

std::vector<DistributedBenchTiming> benchDistributed(
  const DistributedBenchOptions& options,
  const std::vector<std::string>& workerCommand,
  const std::function<void(const std::string&)>& progress)
{
  if (workerCommand.empty() || options.globalBatch < 2 || options.vertices < 2 ||
      options.stepsPerRun < 1 || options.repeats < 1 || options.processes.empty())
  {
    throw std::invalid_argument("bench distributed: every count must be positive (global batch "
                                "and vertices at least 2)");
  }
  const int cores = std::max(1, torch::get_num_threads());
  const ScratchFolder scratch("bmfl-bench-distributed");
  std::vector<DistributedBenchTiming> timings;
  for (const int processes : options.processes)
  {
    if (processes < 1 || processes > options.globalBatch)
    {
      throw std::invalid_argument("bench distributed: " + std::to_string(processes) +
                                  " processes for a global batch of " +
                                  std::to_string(options.globalBatch));
    }
    DistributedBenchTiming timing;
    timing.processes = processes;
    timing.threadsPerProcess = std::max(1, cores / processes);
    timing.imagesPerRun = options.globalBatch * options.stepsPerRun;
    progress(std::to_string(processes) + (processes == 1 ? " process, " : " processes, ") +
             std::to_string(timing.threadsPerProcess) + " thread(s) each");
    const fs::path result = scratch.path() / ("result-" + std::to_string(processes));
    const std::string port = std::to_string(freePort());
    std::vector<Worker> workers;
    try
    {
      for (int rank = 0; rank < processes; ++rank)
      {
        workers.push_back(
          startWorker(workerCommand,
                      { { "RANK", std::to_string(rank) },
                        { "WORLD_SIZE", std::to_string(processes) },
                        { "LOCAL_RANK", std::to_string(rank) },
                        { "MASTER_ADDR", "127.0.0.1" },
                        { "MASTER_PORT", port },
                        { "BMFL_THREADS", std::to_string(timing.threadsPerProcess) },
                        { ResultVariable, result.string() } },
                      scratch.path() / ("worker-" + std::to_string(processes) + "-" +
                                        std::to_string(rank) + ".log")));
      }
    }
    catch (...)
    {
      for (Worker& worker : workers)
      {
        ::kill(worker.pid, SIGKILL);
        ::waitpid(worker.pid, nullptr, 0);
      }
      throw;
    }
    waitForWorkers(workers);
    for (int rank = 0; rank < processes; ++rank)
    {
      std::ifstream in(result.string() + "." + std::to_string(rank));
      int threads = 0;
      double cpuSeconds = 0.0;
      if (!(in >> threads >> cpuSeconds))
      {
        throw std::runtime_error(
          "bench distributed: rank " + std::to_string(rank) + " of " + std::to_string(processes) +
          " wrote no timings: " + lastLine(workers[static_cast<std::size_t>(rank)].log));
      }
      timing.threadsPerProcess = threads;
      timing.cpuSeconds += cpuSeconds;
      double value = 0.0;
      while (in >> value)
      {
        timing.seconds.push_back(value);
      }
    }
    timings.push_back(timing);
  }
  return timings;
}

} // namespace bmfl
