// Replays the seed corpus through every parser, plus malformed variants derived from each seed
// (every short truncation, byte overwrites, hostile 32-bit header values), in a binary built with
// AddressSanitizer and UndefinedBehaviorSanitizer: a memory error, undefined behaviour or an
// exception other than FileError stops it with a report. Usage: bmfl_fuzz_replay CORPUS_FOLDER
#include "FuzzTargets.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <vector>

namespace
{

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

/// Bounds the variants per seed, so that the replay stays a quick test.
constexpr std::size_t MaxPositions = 384;

Bytes readFile(const fs::path& path)
{
  std::ifstream file(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
}

/// Positions to mutate: all of a small file, or evenly spread ones plus the whole header region.
std::vector<std::size_t> positionsOf(std::size_t size)
{
  std::vector<std::size_t> positions;
  for (std::size_t at = 0; at < size && at < MaxPositions / 2; ++at)
  {
    positions.push_back(at);
  }
  if (size > MaxPositions / 2)
  {
    const std::size_t step =
      std::max<std::size_t>((size - MaxPositions / 2) / (MaxPositions / 2), 1);
    for (std::size_t at = MaxPositions / 2; at < size; at += step)
    {
      positions.push_back(at);
    }
  }
  return positions;
}

std::vector<Bytes> variantsOf(const Bytes& seed)
{
  std::vector<Bytes> variants;
  // Truncations: every length through the headers, then spread over the rest.
  for (const std::size_t length : positionsOf(seed.size()))
  {
    variants.emplace_back(seed.begin(), seed.begin() + static_cast<std::ptrdiff_t>(length));
  }
  for (const std::size_t at : positionsOf(seed.size()))
  {
    for (const std::uint8_t value :
         { std::uint8_t{ 0x00 }, std::uint8_t{ 0xFF }, std::uint8_t{ 0x80 } })
    {
      if (seed[at] != value)
      {
        variants.push_back(seed);
        variants.back()[at] = value;
      }
    }
  }
  // Hostile 32-bit values over the first header fields, in both byte orders.
  for (std::size_t at = 0; at + 4 <= seed.size() && at < 96; ++at)
  {
    for (const std::uint32_t value : { 0x7FFFFFFFu, 0x80000000u, 0xFFFFFFFFu, 0x10000000u })
    {
      Bytes big = seed;
      Bytes little = seed;
      for (std::size_t i = 0; i < 4; ++i)
      {
        big[at + i] = static_cast<std::uint8_t>(value >> (24 - 8 * i));
        little[at + i] = static_cast<std::uint8_t>(value >> (8 * i));
      }
      variants.push_back(std::move(big));
      variants.push_back(std::move(little));
    }
  }
  // A few random multi-byte corruptions, the same on every run.
  std::mt19937 random(static_cast<std::uint32_t>(seed.size()));
  for (int round = 0; round < 64 && !seed.empty(); ++round)
  {
    Bytes variant = seed;
    for (int change = 0; change < 4; ++change)
    {
      variant[random() % variant.size()] = static_cast<std::uint8_t>(random());
    }
    variants.push_back(std::move(variant));
  }
  return variants;
}

} // namespace

int main(int argc, char** argv)
{
  if (argc != 2)
  {
    std::fprintf(stderr, "usage: bmfl_fuzz_replay CORPUS_FOLDER\n");
    return 2;
  }
  const fs::path corpus = argv[1];
  std::vector<std::pair<fs::path, Bytes>> seeds;
  for (const fs::directory_entry& entry : fs::recursive_directory_iterator(corpus))
  {
    if (entry.is_regular_file())
    {
      seeds.emplace_back(entry.path(), readFile(entry.path()));
    }
  }
  std::sort(seeds.begin(), seeds.end());
  std::size_t runs = 0;
  for (const bmfl::fuzz::FuzzTarget& target : bmfl::fuzz::fuzzTargets())
  {
    std::size_t ownSeeds = 0;
    for (const auto& [path, bytes] : seeds)
    {
      // Every seed goes through every parser; a parser's own seeds also bring their variants.
      target.run(bytes.data(), bytes.size());
      ++runs;
      if (path.parent_path().filename() == target.name)
      {
        ++ownSeeds;
        for (const Bytes& variant : variantsOf(bytes))
        {
          target.run(variant.data(), variant.size());
          ++runs;
        }
      }
    }
    if (ownSeeds == 0)
    {
      std::fprintf(stderr, "bmfl_fuzz_replay: no seeds in %s/%s\n", argv[1], target.name);
      return 1;
    }
    std::printf("%-14s %zu seeds of its own\n", target.name, ownSeeds);
  }
  std::printf("bmfl_fuzz_replay: %zu parser runs, no finding\n", runs);
  return 0;
}
