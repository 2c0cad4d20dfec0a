#pragma once

#include "bmfl/Shards.h"

#include <CLI/CLI.hpp>

#include <optional>
#include <stdexcept>
#include <string>

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

} // namespace bmfl::cli
