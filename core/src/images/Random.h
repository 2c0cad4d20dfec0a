#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace bmfl::images
{

/// A small, fully specified generator (xoshiro256** seeded through splitmix64) with its own
/// uniform, normal and Poisson draws, so corruptions give the same bytes with any standard library
/// (std:: distributions are implementation-defined).
class Random
{
public:
  explicit Random(std::uint64_t seed)
  {
    for (std::uint64_t& word : State)
    {
      seed += 0x9e3779b97f4a7c15ULL;
      word = mix(seed);
    }
  }

  std::uint64_t nextWord()
  {
    const std::uint64_t result = rotate(State[1] * 5, 7) * 9;
    const std::uint64_t shifted = State[1] << 17;
    State[2] ^= State[0];
    State[3] ^= State[1];
    State[1] ^= State[2];
    State[0] ^= State[3];
    State[2] ^= shifted;
    State[3] = rotate(State[3], 45);
    return result;
  }

  /// Uniform in [0, 1).
  double uniform() { return static_cast<double>(nextWord() >> 11) * 0x1.0p-53; }

  double uniform(double low, double high) { return low + (high - low) * uniform(); }

  /// Uniform integer in [low, high).
  int integer(int low, int high)
  {
    return low + static_cast<int>(uniform() * static_cast<double>(high - low));
  }

  /// Standard normal (Box-Muller, both values used).
  double normal()
  {
    if (HasSpare)
    {
      HasSpare = false;
      return Spare;
    }
    double u = 0.0;
    do
    {
      u = uniform();
    } while (u <= 0.0);
    const double v = uniform();
    const double radius = std::sqrt(-2.0 * std::log(u));
    Spare = radius * std::sin(2.0 * M_PI * v);
    HasSpare = true;
    return radius * std::cos(2.0 * M_PI * v);
  }

  /// Poisson with mean lambda: exact (Knuth's product of uniforms) for small means, the rounded
  /// normal approximation above 30 where it is accurate to well under a count.
  double poisson(double lambda)
  {
    if (lambda <= 0.0)
    {
      return 0.0;
    }
    if (lambda > 30.0)
    {
      return std::max(0.0, std::round(lambda + std::sqrt(lambda) * normal()));
    }
    const double limit = std::exp(-lambda);
    double product = uniform();
    double count = 0.0;
    while (product > limit)
    {
      product *= uniform();
      count += 1.0;
    }
    return count;
  }

  static std::uint64_t mix(std::uint64_t value)
  {
    value = (value ^ (value >> 30)) * 0xbf58476d1ce4e5b9ULL;
    value = (value ^ (value >> 27)) * 0x94d049bb133111ebULL;
    return value ^ (value >> 31);
  }

private:
  static std::uint64_t rotate(std::uint64_t value, int bits)
  {
    return (value << bits) | (value >> (64 - bits));
  }

  std::uint64_t State[4] = {};
  double Spare = 0.0;
  bool HasSpare = false;
};

} // namespace bmfl::images
