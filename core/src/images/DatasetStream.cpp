#include "bmfl/FileError.h"
#include "bmfl/ImageDataset.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

namespace bmfl
{

namespace
{

/// How often waiting threads look at an external cancel flag, which cannot notify them.
constexpr std::chrono::milliseconds CancelPoll{ 10 };

/// Warnings kept for skipped items; the count goes on beyond it.
constexpr std::size_t MaxKeptWarnings = 1000;

struct Slot
{
  DatasetItem item;
  std::exception_ptr error;
  std::string message;
};

} // namespace

struct DatasetStream::State
{
  std::shared_ptr<const ImageDataset> Dataset;
  StreamOptions Options;
  std::size_t Begin = 0;
  std::size_t End = 0;
  std::size_t Prefetch = 1;

  mutable std::mutex Mutex;
  std::condition_variable Changed;
  std::map<std::size_t, Slot> Ready; ///< finished items not yet delivered, by index
  std::size_t NextClaim = 0;
  std::size_t NextDelivery = 0;
  bool Stopped = false;
  std::size_t Skipped = 0;
  std::vector<std::string> Warnings;
  std::size_t PeakBuffered = 0;
  std::vector<std::thread> Workers;

  bool cancelRequested() const
  {
    return Stopped || (Options.cancel && Options.cancel->load(std::memory_order_relaxed));
  }

  Slot produce(std::size_t index) const
  {
    Slot slot;
    DatasetItem& item = slot.item;
    item.index = index;
    try
    {
      item.id = Dataset->itemId(index);
      item.label = Dataset->label(index);
      item.subset = Dataset->subset(index);
      Image image = Dataset->loadImage(index);
      item.originalWidth = image.width;
      item.originalHeight = image.height;
      if (Options.channels > 0)
      {
        image = convertChannels(image, Options.channels);
      }
      if (Options.transform)
      {
        item.tensor = evaluationTransform(image, *Options.transform);
        if (Options.brainTransform)
        {
          item.brainTensor = evaluationTransform(image, *Options.brainTransform);
        }
      }
      else
      {
        item.image = std::move(image);
      }
    }
    catch (const FileError& error)
    {
      slot.error = std::current_exception();
      slot.message = error.what();
    }
    catch (const std::exception& error)
    {
      // Anything else (a decoder exception, memory) is still about this item: name it.
      const FileError named(item.id.empty() ? Dataset->name() : item.id, error.what());
      slot.error = std::make_exception_ptr(named);
      slot.message = named.what();
    }
    return slot;
  }

  void work()
  {
    for (;;)
    {
      std::size_t index = 0;
      {
        std::unique_lock<std::mutex> lock(Mutex);
        // Claim only within Prefetch of the consumer: memory stays bounded however slow it is.
        while (!cancelRequested() && NextClaim < End && NextClaim >= NextDelivery + Prefetch)
        {
          Changed.wait_for(lock, CancelPoll);
        }
        if (cancelRequested() || NextClaim >= End)
        {
          return;
        }
        index = NextClaim++;
      }
      Slot slot = produce(index);
      {
        std::lock_guard<std::mutex> lock(Mutex);
        Ready.emplace(index, std::move(slot));
        PeakBuffered = std::max(PeakBuffered, Ready.size());
      }
      Changed.notify_all();
    }
  }

  void stop()
  {
    {
      std::lock_guard<std::mutex> lock(Mutex);
      Stopped = true;
    }
    Changed.notify_all();
  }
};

DatasetStream::DatasetStream(std::shared_ptr<const ImageDataset> dataset, StreamOptions options)
  : Shared(std::make_unique<State>())
{
  State& state = *Shared;
  if (options.channels != 0 && options.channels != 1 && options.channels != 3)
  {
    throw std::invalid_argument("stream: images convert to 1 or 3 channels, not " +
                                std::to_string(options.channels));
  }
  if (options.transform)
  {
    validatePreprocessConfig(*options.transform);
  }
  if (options.brainTransform)
  {
    validatePreprocessConfig(*options.brainTransform);
  }
  state.Begin = std::min(options.begin, dataset->size());
  state.End = std::max(state.Begin, std::min(options.end, dataset->size()));
  state.NextClaim = state.Begin;
  state.NextDelivery = state.Begin;
  int workers = options.workers;
  if (workers <= 0)
  {
    workers = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  }
  workers = static_cast<int>(std::min<std::size_t>(
    static_cast<std::size_t>(workers), std::max<std::size_t>(1, state.End - state.Begin)));
  state.Prefetch = options.prefetch > 0 ? options.prefetch : 2 * static_cast<std::size_t>(workers);
  state.Dataset = std::move(dataset);
  state.Options = std::move(options);
  for (int i = 0; i < workers; ++i)
  {
    state.Workers.emplace_back([&state]() { state.work(); });
  }
}

DatasetStream::~DatasetStream()
{
  Shared->stop();
  for (std::thread& worker : Shared->Workers)
  {
    worker.join();
  }
}

bool DatasetStream::next(DatasetItem& item)
{
  State& state = *Shared;
  std::unique_lock<std::mutex> lock(state.Mutex);
  for (;;)
  {
    if (state.cancelRequested() || state.NextDelivery >= state.End)
    {
      return false;
    }
    const auto ready = state.Ready.find(state.NextDelivery);
    if (ready == state.Ready.end())
    {
      state.Changed.wait_for(lock, CancelPoll);
      continue;
    }
    Slot slot = std::move(ready->second);
    state.Ready.erase(ready);
    ++state.NextDelivery;
    state.Changed.notify_all();
    if (!slot.error)
    {
      item = std::move(slot.item);
      return true;
    }
    if (state.Options.onBadImage == BadImagePolicy::Stop)
    {
      state.Stopped = true;
      state.Changed.notify_all();
      std::rethrow_exception(slot.error);
    }
    ++state.Skipped;
    if (state.Warnings.size() < MaxKeptWarnings)
    {
      state.Warnings.push_back(slot.message);
    }
  }
}

void DatasetStream::cancel()
{
  Shared->stop();
}

std::size_t DatasetStream::total() const
{
  return Shared->End - Shared->Begin;
}

std::size_t DatasetStream::skipped() const
{
  std::lock_guard<std::mutex> lock(Shared->Mutex);
  return Shared->Skipped;
}

std::vector<std::string> DatasetStream::warnings() const
{
  std::lock_guard<std::mutex> lock(Shared->Mutex);
  return Shared->Warnings;
}

std::size_t DatasetStream::peakBuffered() const
{
  std::lock_guard<std::mutex> lock(Shared->Mutex);
  return Shared->PeakBuffered;
}

} // namespace bmfl
