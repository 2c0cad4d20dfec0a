#include "Commands.h"

#include "bmfl/Runtime.h"

#include <algorithm>
#include <cstring>
#include <iostream>

namespace
{

void printUsage(std::ostream& out)
{
  out << "usage: bmfl COMMAND [ARGS]\n\ncommands:\n";
  for (const bmfl::cli::Command& command : bmfl::cli::commands())
  {
    out << "  " << command.name
        << std::string(std::max<std::size_t>(2, 14 - std::strlen(command.name)), ' ')
        << command.summary << "\n";
  }
  out << "\n'bmfl COMMAND --help' describes one command.\n";
}

} // namespace

int main(int argc, char** argv)
{
  bmfl::prepareProcess(argv);
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0)
  {
    printUsage(argc < 2 ? std::cerr : std::cout);
    return argc < 2 ? 2 : 0;
  }
  for (const bmfl::cli::Command& command : bmfl::cli::commands())
  {
    if (std::strcmp(argv[1], command.name) != 0)
    {
      continue;
    }
    const std::vector<std::string> arguments(argv + 2, argv + argc);
    if (!arguments.empty() && (arguments[0] == "--help" || arguments[0] == "-h"))
    {
      std::cout << "usage: " << command.usage << "\n" << command.summary << "\n";
      return 0;
    }
    bmfl::initRuntime();
    return command.run(arguments);
  }
  std::cerr << "bmfl: unknown command '" << argv[1] << "'\n";
  printUsage(std::cerr);
  return 2;
}
