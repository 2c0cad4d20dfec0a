#pragma once

// Pearson's r of two series, for every place that scores how two sets of values agree (the
// per-vertex encoding accuracy of a brain encoder, the bench's device agreement, tests).

#include <cmath>
#include <cstddef>
#include <optional>

namespace bmfl
{

/// Pearson's r of the n values a(0..n-1) and b(0..n-1) (any callables returning numbers, so a
/// column of a table reads as well as a vector). None when either series has no variance (a
/// constant, or a NaN among its values) or n is 0.
template<class A, class B>
std::optional<double> pearsonR(std::size_t n, A a, B b)
{
  if (n == 0)
  {
    return std::nullopt;
  }
  double meanA = 0.0;
  double meanB = 0.0;
  for (std::size_t i = 0; i < n; ++i)
  {
    meanA += static_cast<double>(a(i));
    meanB += static_cast<double>(b(i));
  }
  meanA /= static_cast<double>(n);
  meanB /= static_cast<double>(n);
  double ab = 0.0;
  double aa = 0.0;
  double bb = 0.0;
  for (std::size_t i = 0; i < n; ++i)
  {
    const double da = static_cast<double>(a(i)) - meanA;
    const double db = static_cast<double>(b(i)) - meanB;
    ab += da * db;
    aa += da * da;
    bb += db * db;
  }
  if (!(aa > 0.0) || !(bb > 0.0))
  {
    return std::nullopt;
  }
  return ab / std::sqrt(aa * bb);
}

} // namespace bmfl
