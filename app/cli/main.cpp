#include "Commands.h"

#include "bmfl/Printable.h"
#include "bmfl/Runtime.h"

#include <algorithm>
#include <cstring>
#include <iostream>
#include <map>
#include <new>

namespace
{

/// "bmfl <command>: <first line of message>", control characters escaped: torch messages run on
/// with a backtrace, and a file name may hold terminal escape codes.
void printError(const std::string& command, const std::string& message)
{
  std::cerr << command << ": " << bmfl::printable(message.substr(0, message.find('\n'))) << "\n";
}

/// Parses the command line and runs the command it names; returns the exit status. command
/// receives "bmfl <name>" as soon as the name is known, for the caller's error lines.
int run(int argc, char** argv, std::string& command)
{
  CLI::App app("BMFL Workbench on the command line: brain-model-fused image classification.",
               "bmfl");
  app.require_subcommand(1);
  // An option given twice takes its last value, as in most tools (lists: every value).
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  std::map<const CLI::App*, bmfl::cli::CommandRun> runs;
  for (const bmfl::cli::Command& entry : bmfl::cli::commands())
  {
    CLI::App* sub = app.add_subcommand(entry.name, entry.summary);
    runs[sub] = entry.define(*sub);
  }
  app.footer("'bmfl COMMAND --help' describes one command.");
  if (argc >= 2 && argv[1][0] != '-')
  {
    const auto& all = bmfl::cli::commands();
    if (std::none_of(all.begin(),
                     all.end(),
                     [&](const bmfl::cli::Command& entry)
                     { return std::strcmp(entry.name, argv[1]) == 0; }))
    {
      std::cerr << "bmfl: unknown command '" << bmfl::printable(argv[1])
                << "' ('bmfl --help' lists the commands)\n";
      return 2;
    }
    command = std::string("bmfl ") + argv[1];
  }
  try
  {
    app.parse(argc, argv);
  }
  catch (const CLI::CallForHelp&)
  {
    const std::string help = app.help();
    std::cout << help << (help.empty() || help.back() != '\n' ? "\n" : "");
    return 0;
  }
  catch (const CLI::ParseError& error)
  {
    if (argc < 2)
    {
      std::cerr << app.help();
    }
    else
    {
      printError(command, error.what());
    }
    return 2;
  }
  const CLI::App* chosen = app.get_subcommands().front();
  bmfl::initRuntime();
  try
  {
    return runs.at(chosen)();
  }
  catch (const bmfl::cli::UsageError& error)
  {
    printError(command, error.what());
    return 2;
  }
}

} // namespace

int main(int argc, char** argv)
{
  bmfl::prepareProcess(argv);
  std::string command = "bmfl";
  // The last line of defence: whatever escapes a command ends in one line and a non-zero exit.
  try
  {
    return run(argc, argv, command);
  }
  catch (const std::bad_alloc&)
  {
    printError(command, "out of memory");
  }
  catch (const std::exception& error)
  {
    printError(command, error.what());
  }
  catch (...)
  {
    printError(command, "unexpected error");
  }
  return 1;
}
