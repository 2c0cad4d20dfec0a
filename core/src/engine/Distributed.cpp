#include "bmfl/Distributed.h"

#include "engine/DistributedTensors.h"

#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/cuda.h>
#include <torch/version.h>
// LibTorch's targets define USE_C10D_GLOO (and USE_C10D_NCCL in a CUDA build with NCCL); Gloo's
// own headers (libgloo-dev) are found by CMake, which then defines BMFL_HAVE_GLOO_HEADERS.
#if defined(USE_C10D_GLOO) && defined(BMFL_HAVE_GLOO_HEADERS)
#define BMFL_GLOO 1
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
#ifdef USE_C10D_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <limits>

namespace bmfl
{

namespace
{

// What a Gloo or NCCL group is: since LibTorch 2.0 they are c10d::Backends (a ProcessGroup
// dispatches to one per device type); in 1.13 they were ProcessGroups. Either offers allreduce.
#if TORCH_VERSION_MAJOR >= 2
using CollectiveGroup = c10d::Backend;
#else
using CollectiveGroup = c10d::ProcessGroup;
#endif

bool isDigits(const std::string& text)
{
  return !text.empty() &&
         std::all_of(text.begin(),
                     text.end(),
                     [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; });
}

// A whole number in [low, high] from text, or nullopt.
std::optional<long long> wholeNumber(const std::string& text, long long low, long long high)
{
  if (!isDigits(text) || text.size() > 18)
  {
    return std::nullopt;
  }
  const long long value = std::stoll(text);
  if (value < low || value > high)
  {
    return std::nullopt;
  }
  return value;
}

// The first value of a bracket's ranges ("03-05,09" -> "03"); checks them all.
std::string firstOfRanges(const std::string& ranges, const std::string& list)
{
  std::string first;
  std::size_t start = 0;
  while (true)
  {
    const std::size_t comma = ranges.find(',', start);
    const std::string range = ranges.substr(start, comma - start);
    const std::size_t dash = range.find('-');
    const std::string low = range.substr(0, dash);
    const std::string high = dash == std::string::npos ? low : range.substr(dash + 1);
    if (!isDigits(low) || !isDigits(high) || low.size() > 9 || high.size() > 9 ||
        std::stoll(low) > std::stoll(high))
    {
      throw std::invalid_argument("\"" + list + "\" is not a Slurm hostlist: \"" + range +
                                  "\" is no number or range of numbers");
    }
    if (first.empty())
    {
      first = low;
    }
    if (comma == std::string::npos)
    {
      return first;
    }
    start = comma + 1;
  }
}

std::string firstLine(const std::string& text)
{
  return text.substr(0, text.find('\n'));
}

std::string errorText(const std::exception& error)
{
  if (const auto* torchError = dynamic_cast<const c10::Error*>(&error))
  {
    return firstLine(torchError->what_without_backtrace());
  }
  return firstLine(error.what());
}

[[maybe_unused]] bool isLoopback(const std::string& host)
{
  return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1";
}

// Long waits: while other ranks finish a long local task.
constexpr std::chrono::hours LongWait{ 24 * 7 };

} // namespace

std::optional<std::string> processEnvironment(const std::string& name)
{
  const char* value = std::getenv(name.c_str());
  return value != nullptr ? std::optional<std::string>(value) : std::nullopt;
}

std::string firstSlurmHost(const std::string& hostList)
{
  if (hostList.empty())
  {
    throw std::invalid_argument("the Slurm hostlist is empty");
  }
  std::string first;
  std::size_t i = 0;
  while (true)
  {
    std::string host;
    while (i < hostList.size() && hostList[i] != ',')
    {
      const char c = hostList[i];
      if (c == '[')
      {
        const std::size_t close = hostList.find(']', i);
        if (close == std::string::npos)
        {
          throw std::invalid_argument("\"" + hostList + "\" is not a Slurm hostlist: [ without ]");
        }
        host += firstOfRanges(hostList.substr(i + 1, close - i - 1), hostList);
        i = close + 1;
      }
      else if (std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.')
      {
        host += c;
        ++i;
      }
      else
      {
        throw std::invalid_argument("\"" + hostList + "\" is not a Slurm hostlist: unexpected '" +
                                    std::string(1, c) + "'");
      }
    }
    if (host.empty())
    {
      throw std::invalid_argument("\"" + hostList + "\" is not a Slurm hostlist: an empty name");
    }
    if (first.empty())
    {
      first = host;
    }
    if (i == hostList.size())
    {
      return first;
    }
    ++i; // the comma
    if (i == hostList.size())
    {
      throw std::invalid_argument("\"" + hostList + "\" is not a Slurm hostlist: an empty name");
    }
  }
}

LaunchEnvironment readLaunchEnvironment(const EnvironmentLookup& lookup)
{
  // Empty values count as unset.
  const auto get = [&](const std::string& name) -> std::optional<std::string>
  {
    std::optional<std::string> value = lookup(name);
    return value && !value->empty() ? value : std::nullopt;
  };
  const auto required = [&](const std::string& name, const std::string& because)
  {
    std::optional<std::string> value = get(name);
    if (!value)
    {
      throw std::invalid_argument(name + " is not set (" + because + ")");
    }
    return *value;
  };
  const auto number =
    [&](const std::string& name, const std::string& text, long long low, long long high) -> int
  {
    const std::optional<long long> value = wholeNumber(text, low, high);
    if (!value)
    {
      throw std::invalid_argument(name + " is \"" + text + "\", not a whole number in [" +
                                  std::to_string(low) + ", " + std::to_string(high) + "]");
    }
    return static_cast<int>(*value);
  };
  constexpr long long MaxRanks = 65536;
  LaunchEnvironment launch;
  const auto finish = [&](const std::string& rankName, const std::string& localName)
  {
    if (launch.rank >= launch.worldSize)
    {
      throw std::invalid_argument(rankName + " is " + std::to_string(launch.rank) +
                                  " but the world size is " + std::to_string(launch.worldSize));
    }
    if (launch.localRank > launch.rank)
    {
      throw std::invalid_argument(localName + " is " + std::to_string(launch.localRank) +
                                  ", more than the rank " + std::to_string(launch.rank));
    }
  };

  if (get("RANK") || get("WORLD_SIZE"))
  {
    const std::string because = "torchrun's RANK and WORLD_SIZE go together";
    launch.launcher = "torchrun";
    launch.worldSize = number("WORLD_SIZE", required("WORLD_SIZE", because), 1, MaxRanks);
    launch.rank = number("RANK", required("RANK", because), 0, MaxRanks - 1);
    const std::optional<std::string> local = get("LOCAL_RANK");
    launch.localRank = local ? number("LOCAL_RANK", *local, 0, MaxRanks - 1) : 0;
    finish("RANK", "LOCAL_RANK");
    if (launch.distributed())
    {
      const std::string need = "WORLD_SIZE is " + std::to_string(launch.worldSize);
      launch.masterAddress = required("MASTER_ADDR", need);
      launch.masterPort = number("MASTER_PORT", required("MASTER_PORT", need), 1, 65535);
    }
    return launch;
  }

  // Only an srun job step counts: a batch script (no step, or the batch step) is one process
  // even when the job has several tasks.
  std::optional<std::string> step = get("SLURM_STEP_ID");
  const char* stepName = "SLURM_STEP_ID";
  if (!step)
  {
    step = get("SLURM_STEPID");
    stepName = "SLURM_STEPID";
  }
  if (!step)
  {
    return launch;
  }
  const std::optional<long long> stepId = wholeNumber(*step, 0, 0xFFFFFFFFLL);
  if (!stepId)
  {
    throw std::invalid_argument(std::string(stepName) + " is \"" + *step +
                                "\", not a Slurm step id");
  }
  // Slurm's reserved step ids: interactive (0xFFFFFFFA), batch script, extern, pending.
  if (*stepId >= 0xFFFFFFFALL)
  {
    return launch;
  }
  const std::string because = "an srun job step sets it";
  const int tasks = number("SLURM_NTASKS", required("SLURM_NTASKS", because), 1, MaxRanks);
  if (tasks == 1)
  {
    return launch;
  }
  launch.launcher = "slurm";
  launch.worldSize = tasks;
  launch.rank = number("SLURM_PROCID", required("SLURM_PROCID", because), 0, MaxRanks - 1);
  launch.localRank = number("SLURM_LOCALID", required("SLURM_LOCALID", because), 0, MaxRanks - 1);
  finish("SLURM_PROCID", "SLURM_LOCALID");
  if (const std::optional<std::string> address = get("MASTER_ADDR"))
  {
    launch.masterAddress = *address;
  }
  else
  {
    const std::string nodes = required("SLURM_JOB_NODELIST", because);
    try
    {
      launch.masterAddress = firstSlurmHost(nodes);
    }
    catch (const std::invalid_argument& error)
    {
      throw std::invalid_argument(std::string("SLURM_JOB_NODELIST: ") + error.what());
    }
  }
  if (const std::optional<std::string> port = get("MASTER_PORT"))
  {
    launch.masterPort = number("MASTER_PORT", *port, 1, 65535);
  }
  else
  {
    const std::string job =
      required("SLURM_JOB_ID", "the rendezvous port is derived from it unless MASTER_PORT is set");
    const std::optional<long long> jobId = wholeNumber(job, 0, 0xFFFFFFFFLL);
    if (!jobId)
    {
      throw std::invalid_argument("SLURM_JOB_ID is \"" + job + "\", not a Slurm job id");
    }
    launch.masterPort = static_cast<int>(20000 + *jobId % 10000);
  }
  return launch;
}

std::string rankDevice(const std::string& device, const LaunchEnvironment& launch)
{
  const bool cuda = torch::cuda::is_available();
  if (device == "cuda" || (device == "auto" && cuda))
  {
    const auto count = static_cast<int>(torch::cuda::device_count());
    return "cuda:" + std::to_string(count > 0 ? launch.localRank % count : 0);
  }
  return device;
}

struct DistributedGroup::Impl
{
  int rank = 0;
  int size = 1;
  std::string backend;
  std::chrono::milliseconds timeout{ 0 };
  torch::Device device{ torch::kCPU }; ///< where the collectives' buffers live
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<CollectiveGroup> group;

  [[noreturn]] void fail(const std::string& what, const std::exception& error) const
  {
    const std::string who = size == 2 ? "rank " + std::to_string(1 - rank) + " of 2"
                                      : "a rank of " + std::to_string(size);
    throw DistributedError(who + " stopped or did not answer within " +
                           std::to_string(timeout.count() / 1000) + " s (" + what +
                           ", seen by rank " + std::to_string(rank) + "): " + errorText(error));
  }

  template<class Work>
  void guarded(const std::string& what, Work&& work) const
  {
    try
    {
      work();
    }
    catch (const DistributedError&)
    {
      throw;
    }
    catch (const std::exception& error)
    {
      fail(what, error);
    }
  }

  void allreduce(torch::Tensor& buffer, const std::string& what, std::chrono::milliseconds wait)
  {
    guarded(what,
            [&]()
            {
              std::vector<torch::Tensor> tensors{ buffer };
              c10d::AllreduceOptions options;
              options.reduceOp = c10d::ReduceOp::SUM;
              options.timeout = wait;
              group->allreduce(tensors, options)->wait();
            });
  }
};

DistributedGroup::DistributedGroup(std::unique_ptr<Impl> internals)
  : Internals(std::move(internals))
{
}

DistributedGroup::~DistributedGroup() = default;

std::shared_ptr<DistributedGroup> DistributedGroup::join(const LaunchEnvironment& launch,
                                                         const DistributedOptions& options,
                                                         const std::string& device)
{
  if (options.timeoutSeconds <= 0)
  {
    throw std::invalid_argument("the distributed timeout must be positive");
  }
  if (options.backend != "auto" && options.backend != "gloo" && options.backend != "nccl")
  {
    throw std::invalid_argument("the distributed backend must be gloo, nccl or auto, not " +
                                options.backend);
  }
  const bool cuda = device.rfind("cuda", 0) == 0;
#ifdef USE_C10D_NCCL
  constexpr bool haveNccl = true;
#else
  constexpr bool haveNccl = false;
#endif
  auto impl = std::make_unique<Impl>();
  impl->rank = launch.rank;
  impl->size = launch.worldSize;
  impl->timeout = std::chrono::seconds(options.timeoutSeconds);
  impl->backend =
    options.backend == "auto" ? (cuda && haveNccl ? "nccl" : "gloo") : options.backend;
  if (impl->backend == "nccl" && !haveNccl)
  {
    throw std::invalid_argument("the nccl backend needs a LibTorch built with CUDA and NCCL; "
                                "this one has none (use gloo)");
  }
  if (impl->backend == "nccl" && !cuda)
  {
    throw std::invalid_argument("the nccl backend needs a CUDA device, not " + device);
  }
  const std::string where = launch.masterAddress + ":" + std::to_string(launch.masterPort);
  const std::string joining = "joining the group at " + where;
  impl->guarded(joining,
                [&]()
                {
                  c10d::TCPStoreOptions storeOptions;
                  storeOptions.port = static_cast<std::uint16_t>(launch.masterPort);
                  storeOptions.isServer = launch.rank == 0;
                  storeOptions.numWorkers = static_cast<std::size_t>(launch.worldSize);
                  storeOptions.waitWorkers = true;
                  storeOptions.timeout = impl->timeout;
                  impl->store =
                    c10::make_intrusive<c10d::TCPStore>(launch.masterAddress, storeOptions);
                });
  if (impl->backend == "gloo")
  {
#ifdef BMFL_GLOO
    impl->guarded(joining,
                  [&]()
                  {
                    auto glooOptions = c10d::ProcessGroupGloo::Options::create(impl->timeout);
                    const std::optional<std::string> interface =
                      processEnvironment("GLOO_SOCKET_IFNAME");
                    glooOptions->devices.push_back(
                      interface ? c10d::ProcessGroupGloo::createDeviceForInterface(*interface)
                      : isLoopback(launch.masterAddress)
                        ? c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1")
                        : c10d::ProcessGroupGloo::createDefaultDevice());
                    glooOptions->threads = 2;
                    impl->group = c10::make_intrusive<c10d::ProcessGroupGloo>(
                      impl->store, launch.rank, launch.worldSize, glooOptions);
                  });
#else
    throw std::invalid_argument("this build has no Gloo backend (its LibTorch came without "
                                "the Gloo headers: install libgloo-dev and rebuild)");
#endif
  }
  else
  {
#ifdef USE_C10D_NCCL
    impl->device = torch::Device(device);
    impl->guarded(joining,
                  [&]()
                  {
                    // Without blocking waits a timed-out NCCL collective would hang, not throw
                    // (LibTorch 2.2 renamed the variable; it still reads the old name).
                    ::setenv("NCCL_BLOCKING_WAIT", "1", 0);
                    ::setenv("TORCH_NCCL_BLOCKING_WAIT", "1", 0);
                    auto ncclOptions = c10d::ProcessGroupNCCL::Options::create();
                    ncclOptions->timeout = impl->timeout;
                    impl->group = c10::make_intrusive<c10d::ProcessGroupNCCL>(
                      impl->store, launch.rank, launch.worldSize, ncclOptions);
                  });
#endif
  }
  auto group = std::shared_ptr<DistributedGroup>(new DistributedGroup(std::move(impl)));
  group->barrier(joining);
  return group;
}

int DistributedGroup::rank() const
{
  return Internals->rank;
}

int DistributedGroup::size() const
{
  return Internals->size;
}

const std::string& DistributedGroup::backend() const
{
  return Internals->backend;
}

void DistributedGroup::barrier(const std::string& what, bool longWait)
{
  std::vector<double> token{ 0.0 };
  sum(token, what, longWait);
}

void DistributedGroup::sum(std::vector<double>& values, const std::string& what, bool longWait)
{
  if (values.empty())
  {
    return;
  }
  torch::Tensor buffer = torch::tensor(values, torch::kDouble).to(Internals->device).contiguous();
  Internals->allreduce(
    buffer, what, longWait ? std::chrono::milliseconds(LongWait) : Internals->timeout);
  buffer = buffer.to(torch::kCPU);
  std::copy(buffer.data_ptr<double>(), buffer.data_ptr<double>() + buffer.numel(), values.begin());
}

bool DistributedGroup::any(bool value, const std::string& what, bool longWait)
{
  std::vector<double> flag{ value ? 1.0 : 0.0 };
  sum(flag, what, longWait);
  return flag[0] > 0.0;
}

void sumOverRanks(DistributedGroup& group,
                  const std::vector<torch::Tensor>& tensors,
                  const std::string& what)
{
  constexpr std::int64_t BucketBytes = 25 * 1024 * 1024;
  DistributedGroup::Impl& impl = group.impl();
  std::vector<torch::Tensor> bucket;
  std::int64_t bytes = 0;
  const auto flush = [&]()
  {
    if (bucket.empty())
    {
      return;
    }
    std::vector<torch::Tensor> flat;
    for (const torch::Tensor& tensor : bucket)
    {
      flat.push_back(tensor.reshape({ -1 }).to(impl.device));
    }
    torch::Tensor buffer = torch::cat(flat);
    impl.allreduce(buffer, what, impl.timeout);
    torch::NoGradGuard noGrad;
    std::int64_t offset = 0;
    for (const torch::Tensor& tensor : bucket)
    {
      tensor.copy_(buffer.narrow(0, offset, tensor.numel()).view(tensor.sizes()));
      offset += tensor.numel();
    }
    bucket.clear();
    bytes = 0;
  };
  for (const torch::Tensor& tensor : tensors)
  {
    if (!bucket.empty() && (bucket.front().scalar_type() != tensor.scalar_type() ||
                            bytes + tensor.nbytes() > BucketBytes))
    {
      flush();
    }
    bucket.push_back(tensor);
    bytes += static_cast<std::int64_t>(tensor.nbytes());
  }
  flush();
}

} // namespace bmfl
