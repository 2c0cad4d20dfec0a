#pragma once

#include "bmfl/Printable.h"
#include "bmfl/ShardFolders.h"
#include "bmfl/Shards.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <unistd.h>

namespace bmfl::cli
{

/// Adds --shard I/N (checked while parsing: a bad value is a usage error) to a command whose
/// result folder may hold part of the work; unset, chooseShard falls back to the Slurm array.
inline CLI::Option* addShardOption(CLI::App& command, std::optional<std::string>& shard)
{
  return command
    .add_option("--shard",
                shard,
                "do part I of N (1 <= I <= N) of every dataset, into --out; default: the "
                "Slurm array task's place in SLURM_ARRAY_TASK_MIN..MAX (step "
                "SLURM_ARRAY_TASK_STEP) of SLURM_ARRAY_TASK_COUNT, else 1/1")
    ->type_name("I/N")
    ->check(CLI::Validator(
      [](std::string& text) -> std::string
      {
        try
        {
          parseShard(text);
          return "";
        }
        catch (const std::invalid_argument& error)
        {
          return error.what();
        }
      },
      ""));
}

/// A shard run's progress on stderr: one line per item, rewritten in place on a terminal; an item
/// an earlier run finished is said once (with its image count when countKept).
inline ShardProgressFunction shardProgressPrinter(bool countKept)
{
  const bool interactive = isatty(STDERR_FILENO) != 0;
  return [interactive, countKept](const ShardProgress& progress)
  {
    const std::string item = printable(progress.item);
    if (progress.alreadyDone && countKept)
    {
      std::fprintf(
        stderr, "%s: %zu images done by an earlier run, kept\n", item.c_str(), progress.total);
    }
    else if (progress.alreadyDone)
    {
      std::fprintf(stderr, "%s: done by an earlier run, kept\n", item.c_str());
    }
    else
    {
      std::fprintf(stderr,
                   "%s%s %zu/%zu%s",
                   interactive ? "\r" : "",
                   item.c_str(),
                   progress.done,
                   progress.total,
                   interactive && progress.done < progress.total ? "" : "\n");
    }
  };
}

/// What an interrupted shard run says (what it kept, how to resume); returns its exit status.
inline int reportInterruptedShard(const char* command,
                                  const Shard& shard,
                                  const ShardRunSummary& summary,
                                  const char* items,
                                  const std::string& out)
{
  std::cerr << "bmfl " << command << ": interrupted; shard " << shard.text() << ": "
            << summary.itemsWritten + summary.itemsReused << " finished " << items << " kept in "
            << printable(out) << ", rerun the same command to resume\n";
  return 130;
}

} // namespace bmfl::cli
