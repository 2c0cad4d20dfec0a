#pragma once

#include <string>
#include <vector>

namespace bmfl::cli
{

/// A sub-command of `bmfl`. Each lives in its own *Command.cpp and registers itself with
/// BMFL_REGISTER_COMMAND, so adding a command touches no shared file.
struct Command
{
  const char* name;
  const char* summary;
  const char* usage;
  int (*run)(const std::vector<std::string>& arguments);
};

/// All registered commands, sorted by name.
const std::vector<Command>& commands();

struct CommandRegistration
{
  explicit CommandRegistration(const Command& command);
};

} // namespace bmfl::cli

#define BMFL_REGISTER_COMMAND(identifier, name, summary, usage, function)                          \
  static const ::bmfl::cli::CommandRegistration identifier##Registration(                          \
    ::bmfl::cli::Command{ name, summary, usage, function })
