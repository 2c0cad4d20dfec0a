#pragma once

// Pearson's r of two equally long series, for tests that bound how closely two results agree.

#include "bmfl/Correlation.h"

#include <cmath>
#include <cstddef>
#include <vector>

namespace bmfl::test
{

/// Pearson's r (bmfl::pearsonR); NaN when either series has no variance.
template<class T>
double pearson(const std::vector<T>& a, const std::vector<T>& b)
{
  return pearsonR(
           a.size(), [&](std::size_t i) { return a[i]; }, [&](std::size_t i) { return b[i]; })
    .value_or(std::nan(""));
}

} // namespace bmfl::test
