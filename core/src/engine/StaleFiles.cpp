#include "engine/StaleFiles.h"

#include <algorithm>
#include <cerrno>
#include <signal.h>
#include <sys/types.h>

namespace bmfl
{

namespace
{

bool allDigits(const std::string& text)
{
  return !text.empty() && text.size() <= 18 &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

} // namespace

bool isLeftByAGoneProcess(const std::string& name, const std::string& prefix)
{
  if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0)
  {
    return false;
  }
  const std::string rest = name.substr(prefix.size());
  const std::size_t dash = rest.find('-');
  if (dash == std::string::npos || !allDigits(rest.substr(0, dash)) ||
      !allDigits(rest.substr(dash + 1)))
  {
    return false;
  }
  const long long pid = std::stoll(rest.substr(0, dash));
  if (pid <= 0 || pid != static_cast<long long>(static_cast<pid_t>(pid)))
  {
    return false;
  }
  return ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}

} // namespace bmfl
