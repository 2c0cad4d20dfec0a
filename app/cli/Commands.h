#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>

namespace bmfl::cli
{

/// What runs a command once its options are parsed and checked; returns the exit status.
using CommandRun = std::function<int()>;

/// A sub-command of `bmfl`. Each lives in its own *Command.cpp and registers itself with
/// BMFL_REGISTER_COMMAND, so adding a command touches no shared file. define() adds the
/// command's options to its CLI11 app (typed and range-checked: a bad value is a usage error
/// before any work starts) and returns what runs it; its --help is generated from them.
struct Command
{
  const char* name;
  const char* summary;
  CommandRun (*define)(CLI::App& command);
};

/// All registered commands, sorted by name.
const std::vector<Command>& commands();

struct CommandRegistration
{
  explicit CommandRegistration(const Command& command);
};

/// A bad combination of options found after parsing (an output folder that is not a bundle, a
/// seed that differs from the one recorded): `bmfl` prints it in one line and exits 2.
class UsageError : public std::runtime_error
{
public:
  using std::runtime_error::runtime_error;
};

/// A whole number in [low, high], read strictly: "12abc", "1e3", "-5" for a count and numbers
/// that do not fit are refused with a one-line message.
CLI::Validator wholeNumber(std::int64_t low, std::int64_t high = INT32_MAX);

/// A compute device: auto, cpu, cuda or cuda:N, the CUDA ones only where that device exists.
CLI::Validator deviceName();

/// A file the command will write: its folder exists, and what is already there (a symlink
/// followed) is a regular file that may be replaced, not a folder, FIFO or device.
CLI::Validator outputFile();

} // namespace bmfl::cli

#define BMFL_REGISTER_COMMAND(identifier, name, summary, define)                                   \
  static const ::bmfl::cli::CommandRegistration identifier##Registration(                          \
    ::bmfl::cli::Command{ name, summary, define })
