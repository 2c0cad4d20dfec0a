// Shards: "I/N" parsed strictly, the Slurm array task's place (0- and 1-based arrays, steps) and
// one-line errors naming the variable, and the blocks of N shards covering every item once.
#include "bmfl/Shards.h"

#include <gtest/gtest.h>

#include <map>
#include <stdexcept>
#include <string>

namespace
{

using Variables = std::map<std::string, std::string>;

bmfl::Shard slurmShard(const Variables& variables)
{
  const std::optional<bmfl::Shard> shard = bmfl::slurmArrayShard(
    [&](const std::string& name) -> std::optional<std::string>
    {
      const auto found = variables.find(name);
      return found != variables.end() ? std::optional<std::string>(found->second) : std::nullopt;
    });
  if (!shard)
  {
    throw std::logic_error("no shard");
  }
  return *shard;
}

std::string slurmError(const Variables& variables)
{
  try
  {
    slurmShard(variables);
  }
  catch (const std::invalid_argument& error)
  {
    return error.what();
  }
  return "no error";
}

} // namespace

TEST(Shards, ParsesIOverN)
{
  EXPECT_EQ(bmfl::parseShard("2/8"), (bmfl::Shard{ 2, 8 }));
  EXPECT_EQ(bmfl::parseShard("1/1"), (bmfl::Shard{ 1, 1 }));
  EXPECT_EQ(bmfl::parseShard("3/5").text(), "3/5");
  for (const char* bad : { "0/3", "4/3", "1/0", "2", "a/3", "-1/3", "1/3x", " 1/3", "1/+3", "/3" })
  {
    EXPECT_THROW(bmfl::parseShard(bad), std::invalid_argument) << bad;
  }
}

TEST(Shards, SlurmArrayTaskPlace)
{
  // --array=0-10:2: tasks 0, 2, ..., 10 are shards 1/6 .. 6/6.
  Variables stepped = { { "SLURM_ARRAY_TASK_ID", "0" },
                        { "SLURM_ARRAY_TASK_MIN", "0" },
                        { "SLURM_ARRAY_TASK_MAX", "10" },
                        { "SLURM_ARRAY_TASK_STEP", "2" },
                        { "SLURM_ARRAY_TASK_COUNT", "6" } };
  EXPECT_EQ(slurmShard(stepped), (bmfl::Shard{ 1, 6 }));
  stepped["SLURM_ARRAY_TASK_ID"] = "10";
  EXPECT_EQ(slurmShard(stepped), (bmfl::Shard{ 6, 6 }));
  // --array=1-4 (no step variable): task 3 is shard 3/4.
  const Variables oneBased = { { "SLURM_ARRAY_TASK_ID", "3" },
                               { "SLURM_ARRAY_TASK_MIN", "1" },
                               { "SLURM_ARRAY_TASK_MAX", "4" },
                               { "SLURM_ARRAY_TASK_COUNT", "4" } };
  EXPECT_EQ(slurmShard(oneBased), (bmfl::Shard{ 3, 4 }));
  // Not an array task: no shard.
  EXPECT_FALSE(bmfl::slurmArrayShard([](const std::string&) { return std::nullopt; }));
}

TEST(Shards, BadSlurmValuesNameTheVariable)
{
  Variables variables = { { "SLURM_ARRAY_TASK_ID", "3" },
                          { "SLURM_ARRAY_TASK_MIN", "0" },
                          { "SLURM_ARRAY_TASK_MAX", "10" },
                          { "SLURM_ARRAY_TASK_STEP", "2" },
                          { "SLURM_ARRAY_TASK_COUNT", "6" } };
  EXPECT_NE(slurmError(variables).find("SLURM_ARRAY_TASK_ID=3 is not in 0-10:2"),
            std::string::npos);
  variables["SLURM_ARRAY_TASK_ID"] = "x4";
  EXPECT_NE(slurmError(variables).find("SLURM_ARRAY_TASK_ID='x4'"), std::string::npos);
  variables["SLURM_ARRAY_TASK_ID"] = "4";
  variables["SLURM_ARRAY_TASK_COUNT"] = "2";
  EXPECT_NE(slurmError(variables).find("SLURM_ARRAY_TASK_COUNT=2"), std::string::npos);
  variables.erase("SLURM_ARRAY_TASK_MAX");
  EXPECT_NE(slurmError(variables).find("SLURM_ARRAY_TASK_MAX is not set"), std::string::npos);
  EXPECT_EQ(slurmError(variables).find('\n'), std::string::npos);
}

TEST(Shards, BlocksCoverEveryItemOnce)
{
  for (std::size_t total : { 0, 1, 2, 7, 64, 1000 })
  {
    for (std::size_t count : { 1, 2, 3, 8 })
    {
      std::size_t next = 0;
      for (std::size_t index = 1; index <= count; ++index)
      {
        const bmfl::IndexRange range = bmfl::shardRange({ index, count }, total);
        EXPECT_EQ(range.begin, next) << total << " " << index << "/" << count;
        EXPECT_LE(range.size(), total / count + 1);
        EXPECT_GE(range.size(), total / count);
        next = range.end;
      }
      EXPECT_EQ(next, total);
    }
  }
  EXPECT_EQ(bmfl::chooseShard(std::string("2/3")), (bmfl::Shard{ 2, 3 }));
}
