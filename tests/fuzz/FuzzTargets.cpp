#include "FuzzTargets.h"

#include "bmfl/Annot.h"
#include "bmfl/FileError.h"
#include "bmfl/ImageInfo.h"
#include "bmfl/Npy.h"
#include "bmfl/Surface.h"
#include "io/FreeSurferIo.h"
#include "io/GiftiIo.h"

#if BMFL_FUZZ_HAVE_IDX
#include "bmfl/ImageDataset.h"
#endif
#if BMFL_FUZZ_HAVE_JSON
#include "bmfl/Json.h"
#endif

#include <cstdio>
#include <filesystem>
#include <string_view>

#include <unistd.h>

namespace bmfl::fuzz
{

namespace
{

using Bytes = std::vector<unsigned char>;

/// The readers that take a path (gzip detection, format dispatch, IDX) get the input as a file.
class TemporaryInput
{
public:
  TemporaryInput(const std::uint8_t* data, std::size_t size)
  {
    std::string pattern = (std::filesystem::temp_directory_path() / "bmfl-fuzz-XXXXXX").string();
    const int descriptor = ::mkstemp(pattern.data());
    if (descriptor < 0)
    {
      std::perror("bmfl fuzz: mkstemp");
      std::abort();
    }
    Path = pattern;
    std::size_t written = 0;
    while (written < size)
    {
      const ssize_t count = ::write(descriptor, data + written, size - written);
      if (count <= 0)
      {
        std::perror("bmfl fuzz: write");
        std::abort();
      }
      written += static_cast<std::size_t>(count);
    }
    ::close(descriptor);
  }
  ~TemporaryInput() { ::unlink(Path.c_str()); }
  TemporaryInput(const TemporaryInput&) = delete;
  TemporaryInput& operator=(const TemporaryInput&) = delete;

  const std::string& path() const { return Path; }

private:
  std::string Path;
};

template<typename Parse>
void refusalIsFine(Parse parse)
{
  try
  {
    parse();
  }
  catch (const FileError&)
  {
  }
}

void fuzzGifti(const std::uint8_t* data, std::size_t size)
{
  const Bytes bytes(data, data + size);
  refusalIsFine([&] { io::readGiftiSurface("fuzz.gii", bytes); });
  refusalIsFine([&] { io::readGiftiVertexMap("fuzz.gii", bytes); });
}

void fuzzFreeSurfer(const std::uint8_t* data, std::size_t size)
{
  const Bytes bytes(data, data + size);
  refusalIsFine([&] { io::readFreeSurferSurface("fuzz.surf", bytes); });
  refusalIsFine([&] { io::readFreeSurferCurv("fuzz.curv", bytes); });
}

void fuzzMgh(const std::uint8_t* data, std::size_t size)
{
  const Bytes bytes(data, data + size);
  refusalIsFine([&] { io::readMgh("fuzz.mgh", bytes); });
}

/// The public readers on a file: gunzip, content detection and dispatch to every format above.
void fuzzSurfaceFile(const std::uint8_t* data, std::size_t size)
{
  const TemporaryInput input(data, size);
  refusalIsFine([&] { detectSurfaceFileFormat(input.path()); });
  refusalIsFine([&] { readSurface(input.path()); });
  refusalIsFine([&] { readVertexMap(input.path()); });
}

void fuzzAnnot(const std::uint8_t* data, std::size_t size)
{
  refusalIsFine([&] { parseAnnot("fuzz.annot", Bytes(data, data + size)); });
}

void fuzzNpy(const std::uint8_t* data, std::size_t size)
{
  const Bytes bytes(data, data + size);
  refusalIsFine([&] { parseNpy("fuzz.npy", bytes); });
  // The streaming reader takes its own path through the file.
  if (size >= 6 && std::string_view(reinterpret_cast<const char*>(data), 6) == "\x93NUMPY")
  {
    const TemporaryInput input(data, size);
    refusalIsFine(
      [&]
      {
        const NpyHeader header = readNpyHeader(input.path());
        readNpy(input.path());
        if (header.rowCount() > 0 && header.shape.size() <= 2)
        {
          readNpyRows(input.path(), header, header.rowCount() - 1, 1);
        }
      });
  }
}

void fuzzImageHeader(const std::uint8_t* data, std::size_t size)
{
  refusalIsFine([&] { parseImageInfo("fuzz.img", Bytes(data, data + size)); });
}

#if BMFL_FUZZ_HAVE_IDX
void fuzzIdx(const std::uint8_t* data, std::size_t size)
{
  const TemporaryInput input(data, size);
  refusalIsFine([&] { readIdxFile(input.path()); });
}
#endif

#if BMFL_FUZZ_HAVE_JSON
void fuzzJson(const std::uint8_t* data, std::size_t size)
{
  refusalIsFine(
    [&]
    {
      const JsonValue value =
        parseJson(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.json");
      // What was read must write back out.
      try
      {
        writeJson(value, 0);
      }
      catch (const std::invalid_argument&)
      {
        // Strings that are not valid UTF-8 cannot be written; parseJson is meant to refuse them.
        std::abort();
      }
    });
}
#endif

} // namespace

const std::vector<FuzzTarget>& fuzzTargets()
{
  static const std::vector<FuzzTarget> targets = {
    { "gifti", fuzzGifti },
    { "freesurfer", fuzzFreeSurfer },
    { "mgh", fuzzMgh },
    { "surface_file", fuzzSurfaceFile },
    { "annot", fuzzAnnot },
    { "npy", fuzzNpy },
    { "image_header", fuzzImageHeader },
#if BMFL_FUZZ_HAVE_IDX
    { "idx", fuzzIdx },
#endif
#if BMFL_FUZZ_HAVE_JSON
    { "json", fuzzJson },
#endif
  };
  return targets;
}

const FuzzTarget* findFuzzTarget(const std::string& name)
{
  for (const FuzzTarget& target : fuzzTargets())
  {
    if (name == target.name)
    {
      return &target;
    }
  }
  return nullptr;
}

} // namespace bmfl::fuzz
