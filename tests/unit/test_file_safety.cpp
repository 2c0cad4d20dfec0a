// Paths that are not regular files: every reader refuses a FIFO (or a folder where a file is
// meant) at once with a one-line FileError instead of blocking in open(); atomic writes go through
// symbolic links to their targets and never replace a FIFO, a device or a folder.
#include "bmfl/Annot.h"
#include "bmfl/AtomicFile.h"
#include "bmfl/FileError.h"
#include "bmfl/ImageDataset.h"
#include "bmfl/ImageInfo.h"
#include "bmfl/ImageTransform.h"
#include "bmfl/ModelBundle.h"
#include "bmfl/Npy.h"
#include "bmfl/Surface.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <sys/stat.h>
#include <unistd.h>

namespace
{

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class TemporaryFolder
{
public:
  TemporaryFolder()
  {
    static int counter = 0;
    Path = fs::temp_directory_path() /
           ("bmfl-file-safety-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
    fs::create_directories(Path);
  }
  ~TemporaryFolder()
  {
    std::error_code ignored;
    fs::remove_all(Path, ignored);
  }
  TemporaryFolder(const TemporaryFolder&) = delete;
  TemporaryFolder& operator=(const TemporaryFolder&) = delete;

  std::string operator/(const std::string& relative) const { return (Path / relative).string(); }

private:
  fs::path Path;
};

std::string makeFifo(const TemporaryFolder& folder, const std::string& name)
{
  const std::string path = folder / name;
  EXPECT_EQ(::mkfifo(path.c_str(), 0600), 0) << path;
  return path;
}

std::string readText(const std::string& path)
{
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

/// What a call ended in: "FileError: <message>", "other: <message>" or "returned".
std::string outcomeOf(const std::function<void()>& call)
{
  try
  {
    call();
    return "returned";
  }
  catch (const bmfl::FileError& error)
  {
    return std::string("FileError: ") + error.what();
  }
  catch (const std::exception& error)
  {
    return std::string("other: ") + error.what();
  }
}

/// Runs read on another thread and expects a one-line FileError naming path and fragment within
/// 10 s. A reader stuck in open() on the FIFO is released by opening the FIFO for writing, so a
/// regression fails the test instead of hanging the suite.
void expectRefusedAtOnce(const std::string& fifo,
                         const std::string& path,
                         const std::function<void()>& read,
                         const std::string& fragment = "not a regular file (a FIFO)")
{
  std::future<std::string> outcome = std::async(std::launch::async, outcomeOf, read);
  if (outcome.wait_for(10s) != std::future_status::ready)
  {
    ADD_FAILURE() << "blocked on " << path;
    while (outcome.wait_for(100ms) != std::future_status::ready)
    {
      const int writer = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
      if (writer >= 0)
      {
        ::close(writer);
      }
    }
  }
  const std::string message = outcome.get();
  EXPECT_EQ(message.rfind("FileError: ", 0), 0u) << message;
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find(fragment), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

TEST(FileSafety, RequireRegularFileNamesWhatIsThereWithoutOpeningIt)
{
  TemporaryFolder folder;
  const std::string fifo = makeFifo(folder, "pipe");
  std::ofstream(folder / "file") << "x";
  EXPECT_NO_THROW(bmfl::requireRegularFile(folder / "file"));
  EXPECT_NO_THROW(bmfl::requireRegularFileOrFolder(folder / "file"));
  EXPECT_NO_THROW(bmfl::requireRegularFileOrFolder(folder / ""));
  expectRefusedAtOnce(fifo, fifo, [&]() { bmfl::requireRegularFile(fifo); });
  expectRefusedAtOnce(
    fifo, fifo, [&]() { bmfl::requireRegularFileOrFolder(fifo); }, "(a FIFO)");
  expectRefusedAtOnce(
    fifo, fifo, [&]() { bmfl::requireRegularFile(fifo, "a checkpoint"); }, "expected a checkpoint");
  expectRefusedAtOnce(
    fifo, folder / "", [&]() { bmfl::requireRegularFile(folder / ""); }, "is a folder");
  expectRefusedAtOnce(
    fifo,
    folder / "none",
    [&]() { bmfl::requireRegularFile(folder / "none"); },
    "cannot open: No such file or directory");
  expectRefusedAtOnce(
    fifo, "/dev/null", []() { bmfl::requireRegularFile("/dev/null"); }, "(a character device)");
}

TEST(FileSafety, EveryReaderRefusesAFifoAtOnce)
{
  TemporaryFolder folder;
  const std::string fifo = makeFifo(folder, "pipe.gii");
  const std::vector<std::pair<std::string, std::function<void()>>> readers = {
    { "readSurface", [&]() { bmfl::readSurface(fifo); } },
    { "readVertexMap", [&]() { bmfl::readVertexMap(fifo); } },
    { "detectSurfaceFileFormat", [&]() { bmfl::detectSurfaceFileFormat(fifo); } },
    { "readNpy", [&]() { bmfl::readNpy(fifo); } },
    { "readNpyHeader", [&]() { bmfl::readNpyHeader(fifo); } },
    { "readAnnot", [&]() { bmfl::readAnnot(fifo); } },
    { "readImageInfo", [&]() { bmfl::readImageInfo(fifo); } },
    { "decodeImageFile", [&]() { bmfl::decodeImageFile(fifo); } },
    { "readIdxFile", [&]() { bmfl::readIdxFile(fifo); } },
    { "openImageDataset", [&]() { bmfl::openImageDataset(fifo); } },
    { "openImageDataset idx:", [&]() { bmfl::openImageDataset("idx:" + fifo); } },
    { "inspectDinoV2Checkpoint", [&]() { bmfl::inspectDinoV2Checkpoint(fifo); } },
  };
  for (const auto& [name, read] : readers)
  {
    SCOPED_TRACE(name);
    expectRefusedAtOnce(fifo, fifo, read, "(a FIFO)");
  }
}

TEST(FileSafety, DatasetLabelFileThatIsAFifoIsRefused)
{
  TemporaryFolder folder;
  bmfl::writeImageFile(bmfl::Image{ 2, 2, 1, std::vector<std::uint8_t>(4, 7) }, folder / "a.png");
  const std::string fifo = makeFifo(folder, "labels.txt");
  expectRefusedAtOnce(
    fifo, fifo, [&]() { bmfl::openImageDataset("imagenet-val:" + (folder / "") + "," + fifo); });
}

TEST(FileSafety, CheckpointThatIsAFolderIsAOneLineError)
{
  TemporaryFolder folder;
  const std::string fifo = makeFifo(folder, "unused");
  expectRefusedAtOnce(
    fifo,
    folder / "",
    [&]() { bmfl::inspectDinoV2Checkpoint(folder / ""); },
    "is a folder, not a file; expected a checkpoint file");
}

TEST(FileSafety, AtomicWriteThroughASymlinkUpdatesItsTargetAndKeepsTheLink)
{
  TemporaryFolder folder;
  fs::create_directories(folder / "real");
  std::ofstream(folder / "real/results.json") << "old";
  fs::create_symlink("real/results.json", folder / "link.json");
  // A chain of two links, the last relative to its own folder.
  fs::create_symlink("link.json", folder / "chain.json");

  bmfl::writeTextFileAtomically(folder / "chain.json", "new");
  EXPECT_TRUE(fs::is_symlink(fs::symlink_status(folder / "chain.json")));
  EXPECT_TRUE(fs::is_symlink(fs::symlink_status(folder / "link.json")));
  EXPECT_EQ(readText(folder / "real/results.json"), "new");

  // A link to a file not there yet creates the file.
  fs::create_symlink("real/later.csv", folder / "later.csv");
  bmfl::writeTextFileAtomically(folder / "later.csv", "made");
  EXPECT_TRUE(fs::is_symlink(fs::symlink_status(folder / "later.csv")));
  EXPECT_EQ(readText(folder / "real/later.csv"), "made");

  // No temporary left beside the target or the link.
  for (const auto& entry : fs::recursive_directory_iterator(folder / ""))
  {
    EXPECT_EQ(entry.path().filename().string().find(".tmp-"), std::string::npos) << entry.path();
  }
}

TEST(FileSafety, AtomicWriteKeepsThePermissionBitsOfTheFileItReplaces)
{
  TemporaryFolder folder;
  const std::string path = folder / "private.csv";
  std::ofstream(path) << "old";
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
  bmfl::writeTextFileAtomically(path, "new");
  EXPECT_EQ(readText(path), "new");
  EXPECT_EQ(fs::status(path).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
}

TEST(FileSafety, AtomicWriteRefusesToReplaceAFifoAFolderOrADevice)
{
  TemporaryFolder folder;
  const std::string fifo = makeFifo(folder, "out.json");
  expectRefusedAtOnce(
    fifo,
    fifo,
    [&]() { bmfl::writeTextFileAtomically(fifo, "x"); },
    "not a regular file (a FIFO); refusing to replace it");
  EXPECT_TRUE(fs::is_fifo(fifo));

  fs::create_symlink("out.json", folder / "to-fifo.json");
  expectRefusedAtOnce(
    fifo,
    folder / "to-fifo.json",
    [&]() { bmfl::writeTextFileAtomically(folder / "to-fifo.json", "x"); },
    "refusing to replace it");
  EXPECT_TRUE(fs::is_fifo(fifo));
  EXPECT_TRUE(fs::is_symlink(fs::symlink_status(folder / "to-fifo.json")));

  fs::create_directories(folder / "results");
  expectRefusedAtOnce(
    fifo,
    folder / "results",
    [&]() { bmfl::writeTextFileAtomically(folder / "results", "x"); },
    "is a folder, not a file; refusing to replace it");
  EXPECT_TRUE(fs::is_directory(folder / "results"));

  // A link to a device (as `--json` given a link to /dev/null): the device is left alone.
  fs::create_symlink("/dev/null", folder / "null.json");
  expectRefusedAtOnce(
    fifo,
    folder / "null.json",
    [&]() { bmfl::writeTextFileAtomically(folder / "null.json", "x"); },
    "(a character device); refusing to replace it");
  EXPECT_TRUE(fs::is_character_file("/dev/null"));
  EXPECT_TRUE(fs::is_symlink(fs::symlink_status(folder / "null.json")));
}

} // namespace
