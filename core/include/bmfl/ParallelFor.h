#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace bmfl
{

/// Calls work(i) for every i in [0, count) on up to `threads` threads (this one included), each
/// taking the next index as it finishes one. Every call runs even after one throws; the first
/// exception is rethrown once all are done.
template<typename Work>
void forEachInParallel(std::size_t count, std::size_t threads, const Work& work)
{
  std::atomic<std::size_t> next{ 0 };
  std::exception_ptr failure;
  std::mutex failureMutex;
  const auto drain = [&]()
  {
    for (std::size_t i = next++; i < count; i = next++)
    {
      try
      {
        work(i);
      }
      catch (...)
      {
        const std::lock_guard<std::mutex> lock(failureMutex);
        if (!failure)
        {
          failure = std::current_exception();
        }
      }
    }
  };
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < std::min(threads, count); ++t)
  {
    pool.emplace_back(drain);
  }
  drain();
  for (std::thread& thread : pool)
  {
    thread.join();
  }
  if (failure)
  {
    std::rethrow_exception(failure);
  }
}

} // namespace bmfl
