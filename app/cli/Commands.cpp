#include "Commands.h"

#include "bmfl/Runtime.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <filesystem>

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

CLI::Validator wholeNumber(std::int64_t low, std::int64_t high)
{
  const std::string range = high >= INT32_MAX
                              ? ">= " + std::to_string(low)
                              : "in " + std::to_string(low) + ".." + std::to_string(high);
  return CLI::Validator(
    [low, high, range](std::string& text) -> std::string
    {
      std::int64_t value = 0;
      const char* end = text.data() + text.size();
      const auto [stop, error] = std::from_chars(text.data(), end, value);
      if (text.empty() || error != std::errc() || stop != end || value < low || value > high)
      {
        return "needs a whole number " + range + ", not '" + text + "'";
      }
      return "";
    },
    range);
}

CLI::Validator deviceName()
{
  return CLI::Validator([](std::string& name) { return deviceNameProblem(name); },
                        "auto|cpu|cuda[:N]");
}

CLI::Validator outputFile()
{
  return CLI::Validator(
    [](std::string& path) -> std::string
    {
      namespace fs = std::filesystem;
      const fs::path parent = fs::path(path).parent_path();
      std::error_code error;
      if (!fs::is_directory(parent.empty() ? fs::path(".") : parent, error))
      {
        return path + ": the folder " + parent.string() + " does not exist";
      }
      const fs::file_status status = fs::status(path, error);
      if (status.type() == fs::file_type::not_found || fs::is_regular_file(status))
      {
        return "";
      }
      return path +
             (fs::is_directory(status) ? ": is a folder"
                                       : ": not a regular file (a FIFO, device or socket)") +
             "; not replaced";
    },
    "FILE");
}

} // namespace bmfl::cli
