#pragma once

// Timing runs: a monotonic clock and the median the benchmarks report.

#include <algorithm>
#include <chrono>
#include <vector>

namespace bmfl
{

/// Seconds on a monotonic clock (only differences mean anything).
inline double monotonicSeconds()
{
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

/// The median of timed runs: the lower middle of an even count; 0 for none.
inline double medianOf(std::vector<double> values)
{
  std::sort(values.begin(), values.end());
  return values.empty() ? 0.0 : values[(values.size() - 1) / 2];
}

} // namespace bmfl
