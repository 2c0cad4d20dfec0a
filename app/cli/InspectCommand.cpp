#include "Commands.h"

#ifdef BMFL_HAVE_IMAGES

#include "bmfl/FileError.h"
#include "bmfl/Inspect.h"
#include "bmfl/Printable.h"

#include <algorithm>
#include <iostream>
#include <memory>
#include <new>
#include <vector>

namespace bmfl::cli
{

namespace
{

// Returns false after printing the one-line error.
bool inspectOne(const std::string& path)
{
  try
  {
    std::cout << printable(describePath(path)) << "\n";
    return true;
  }
  catch (const FileError& error)
  {
    std::cerr << "bmfl inspect: " << printable(error.what()) << "\n";
  }
  catch (const std::bad_alloc&)
  {
    std::cerr << "bmfl inspect: " << printable(path) << ": not enough memory to read it\n";
  }
  catch (const std::exception& error)
  {
    // Any other failure still ends in one line that names the file.
    std::string message = error.what();
    std::replace(message.begin(), message.end(), '\n', ' ');
    std::cerr << "bmfl inspect: " << printable(path) << ": " << printable(message) << "\n";
  }
  return false;
}

CommandRun defineInspect(CLI::App& command)
{
  auto paths = std::make_shared<std::vector<std::string>>();
  command
    .add_option("paths",
                *paths,
                "files or folders: meshes, per-vertex and label maps, .annot, .npy, IDX, "
                "PNG/JPEG/BMP/TIFF/WebP, Algonauts subjects, image datasets, model bundles")
    ->type_name("FILE|FOLDER")
    ->required();
  return [paths]()
  {
    bool allRead = true;
    for (const std::string& path : *paths)
    {
      allRead = inspectOne(path) && allRead;
    }
    return allRead ? 0 : 1;
  };
}

} // namespace

BMFL_REGISTER_COMMAND(inspect,
                      "inspect",
                      "report what each file or folder is, with its key numbers",
                      defineInspect);

} // namespace bmfl::cli

#endif
