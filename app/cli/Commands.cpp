#include "Commands.h"

#include <algorithm>
#include <cstring>

namespace bmfl::cli
{

namespace
{
// A function-local static: registrations run during static initialisation, in any order.
std::vector<Command>& registry()
{
  static std::vector<Command> all;
  return all;
}
} // namespace

CommandRegistration::CommandRegistration(const Command& command)
{
  std::vector<Command>& all = registry();
  all.push_back(command);
  std::sort(all.begin(),
            all.end(),
            [](const Command& a, const Command& b) { return std::strcmp(a.name, b.name) < 0; });
}

const std::vector<Command>& commands()
{
  return registry();
}

} // namespace bmfl::cli
