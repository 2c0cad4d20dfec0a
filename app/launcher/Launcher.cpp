// `bmfl` and `bmfl-workbench` as users start them: this small program puts the load-time settings
// (bmfl/ProcessSettings.h) into the environment and runs the program proper, installed beside it
// in ../libexec/bmfl/, in its place. LibTorch, OpenBLAS and OpenMP are loaded once, with the
// settings in force: a program that sets them itself has to start twice (about 0.7 s each time,
// most of it LibTorch registering its operators).

#include "bmfl/ProcessSettings.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <unistd.h>

int main(int /*argc*/, char** argv)
{
  namespace fs = std::filesystem;
  bmfl::setLoadTimeSettings();
  std::error_code error;
  const fs::path self = fs::read_symlink("/proc/self/exe", error);
  if (error)
  {
    std::fprintf(stderr,
                 "%s: cannot find where it is installed (/proc/self/exe: %s)\n",
                 BMFL_PROGRAM_NAME,
                 error.message().c_str());
    return 127;
  }
  const fs::path program =
    self.parent_path().parent_path() / "libexec" / "bmfl" / BMFL_PROGRAM_NAME;
  execv(program.c_str(), argv);
  std::fprintf(
    stderr, "%s: cannot start %s: %s\n", BMFL_PROGRAM_NAME, program.c_str(), std::strerror(errno));
  return 127;
}
