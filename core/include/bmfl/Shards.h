#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>

namespace bmfl
{

/// Part I of N of a job's work (1 <= index <= count): one task of a Slurm array, say.
struct Shard
{
  std::size_t index = 1;
  std::size_t count = 1;

  bool operator==(const Shard& other) const { return index == other.index && count == other.count; }
  /// "I/N"
  std::string text() const;
};

/// Reads "I/N" (whole numbers, 1 <= I <= N). Throws std::invalid_argument, one line, quoting it.
Shard parseShard(const std::string& text);

/// The shard of a Slurm array task: I is the position of SLURM_ARRAY_TASK_ID in
/// SLURM_ARRAY_TASK_MIN, MIN + STEP, ... up to SLURM_ARRAY_TASK_MAX (SLURM_ARRAY_TASK_STEP,
/// 1 when unset), N is SLURM_ARRAY_TASK_COUNT; "--array=0-10:2" gives tasks 0, 2, ..., 10 as
/// shards 1/6 .. 6/6. nullopt when SLURM_ARRAY_TASK_ID is unset (not an array task). Throws
/// std::invalid_argument, one line naming the variable, for a value that is missing, not a whole
/// number or off the array. variable(name) returns a variable's value (nullopt: unset).
std::optional<Shard> slurmArrayShard(
  const std::function<std::optional<std::string>(const std::string&)>& variable);
/// The same from this process's environment.
std::optional<Shard> slurmArrayShard();

/// The shard a command runs: option ("I/N") when given, else the Slurm array task's place
/// (slurmArrayShard), else 1/1. Throws std::invalid_argument as parseShard and slurmArrayShard.
Shard chooseShard(const std::optional<std::string>& option);

/// A half-open range of item indices.
struct IndexRange
{
  std::size_t begin = 0;
  std::size_t end = 0;

  std::size_t size() const { return end - begin; }
};

/// The items of total that shard I/N takes: the contiguous block [floor(total (I-1) / N),
/// floor(total I / N)). The N blocks cover every item once, in order, and differ in size by at
/// most one.
IndexRange shardRange(const Shard& shard, std::size_t total);

} // namespace bmfl
