#pragma once

// Pearson's r of two equally long series, for tests that bound how closely two results agree.

#include <cmath>
#include <cstddef>
#include <vector>

namespace bmfl::test
{

template<class T>
double pearson(const std::vector<T>& a, const std::vector<T>& b)
{
  double meanA = 0.0;
  double meanB = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i)
  {
    meanA += static_cast<double>(a[i]);
    meanB += static_cast<double>(b[i]);
  }
  meanA /= static_cast<double>(a.size());
  meanB /= static_cast<double>(b.size());
  double ab = 0.0;
  double aa = 0.0;
  double bb = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i)
  {
    const double da = static_cast<double>(a[i]) - meanA;
    const double db = static_cast<double>(b[i]) - meanB;
    ab += da * db;
    aa += da * da;
    bb += db * db;
  }
  return ab / std::sqrt(aa * bb);
}

} // namespace bmfl::test
