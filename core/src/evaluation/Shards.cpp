#include "bmfl/Shards.h"

#include <cstdint>
#include <cstdlib>
#include <stdexcept>

namespace bmfl
{

namespace
{

/// A whole number written in decimal digits only (no sign, no spaces), at most 18 digits.
std::optional<std::int64_t> wholeNumber(const std::string& text, bool allowMinus = false)
{
  const bool negative = allowMinus && !text.empty() && text[0] == '-';
  const std::string digits = negative ? text.substr(1) : text;
  if (digits.empty() || digits.size() > 18 ||
      digits.find_first_not_of("0123456789") != std::string::npos)
  {
    return std::nullopt;
  }
  const std::int64_t value = std::stoll(digits);
  return negative ? -value : value;
}

} // namespace

std::string Shard::text() const
{
  return std::to_string(index) + "/" + std::to_string(count);
}

Shard parseShard(const std::string& text)
{
  const std::size_t slash = text.find('/');
  const std::optional<std::int64_t> index =
    slash == std::string::npos ? std::nullopt : wholeNumber(text.substr(0, slash));
  const std::optional<std::int64_t> count =
    slash == std::string::npos ? std::nullopt : wholeNumber(text.substr(slash + 1));
  if (!index || !count || *count < 1 || *index < 1 || *index > *count)
  {
    throw std::invalid_argument("shard '" + text +
                                "' is not I/N with whole numbers 1 <= I <= N (e.g. 2/8)");
  }
  return { static_cast<std::size_t>(*index), static_cast<std::size_t>(*count) };
}

std::optional<Shard> slurmArrayShard(
  const std::function<std::optional<std::string>(const std::string&)>& variable)
{
  if (!variable("SLURM_ARRAY_TASK_ID"))
  {
    return std::nullopt;
  }
  auto read = [&](const std::string& name, bool required) -> std::optional<std::int64_t>
  {
    const std::optional<std::string> text = variable(name);
    if (!text)
    {
      if (required)
      {
        throw std::invalid_argument(name + " is not set, but SLURM_ARRAY_TASK_ID is: give "
                                           "--shard I/N");
      }
      return std::nullopt;
    }
    const std::optional<std::int64_t> value = wholeNumber(*text, true);
    if (!value)
    {
      throw std::invalid_argument(name + "='" + *text + "' is not a whole number");
    }
    return value;
  };
  const std::int64_t id = *read("SLURM_ARRAY_TASK_ID", true);
  const std::int64_t min = *read("SLURM_ARRAY_TASK_MIN", true);
  const std::int64_t max = *read("SLURM_ARRAY_TASK_MAX", true);
  const std::int64_t count = *read("SLURM_ARRAY_TASK_COUNT", true);
  const std::int64_t step = read("SLURM_ARRAY_TASK_STEP", false).value_or(1);
  if (step < 1)
  {
    throw std::invalid_argument("SLURM_ARRAY_TASK_STEP=" + std::to_string(step) +
                                " is not a positive step");
  }
  if (count < 1)
  {
    throw std::invalid_argument("SLURM_ARRAY_TASK_COUNT=" + std::to_string(count) +
                                " is not a positive count");
  }
  if (id < min || id > max || (id - min) % step != 0)
  {
    throw std::invalid_argument("SLURM_ARRAY_TASK_ID=" + std::to_string(id) + " is not in " +
                                std::to_string(min) + "-" + std::to_string(max) + ":" +
                                std::to_string(step) +
                                " (SLURM_ARRAY_TASK_MIN, _MAX, _STEP); give --shard I/N");
  }
  const std::int64_t position = (id - min) / step + 1;
  if (position > count)
  {
    throw std::invalid_argument(
      "SLURM_ARRAY_TASK_ID=" + std::to_string(id) + " is task " + std::to_string(position) +
      " of " + std::to_string(min) + "-" + std::to_string(max) + ":" + std::to_string(step) +
      ", beyond SLURM_ARRAY_TASK_COUNT=" + std::to_string(count) + "; give --shard I/N");
  }
  return Shard{ static_cast<std::size_t>(position), static_cast<std::size_t>(count) };
}

std::optional<Shard> slurmArrayShard()
{
  return slurmArrayShard(
    [](const std::string& name) -> std::optional<std::string>
    {
      const char* value = std::getenv(name.c_str());
      return value != nullptr ? std::optional<std::string>(value) : std::nullopt;
    });
}

Shard chooseShard(const std::optional<std::string>& option)
{
  if (option)
  {
    return parseShard(*option);
  }
  return slurmArrayShard().value_or(Shard{});
}

IndexRange shardRange(const Shard& shard, std::size_t total)
{
  // total * I fits: image counts stay far below 2^32 and shard counts below 2^31.
  return { total * (shard.index - 1) / shard.count, total * shard.index / shard.count };
}

} // namespace bmfl
