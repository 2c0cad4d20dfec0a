#include "io/GzipFile.h"

#include "bmfl/FileError.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <memory>
#include <system_error>

namespace bmfl::io
{

namespace
{

constexpr std::size_t InputChunkBytes = 256 * 1024;
constexpr std::uint64_t FirstOutputBytes = 1024 * 1024;

std::string systemMessage(int error)
{
  return std::generic_category().message(error);
}

class InputFile
{
public:
  explicit InputFile(const std::string& path)
    : Path(path)
  {
    // fopen() accepts a folder on Linux (only the first read fails) and blocks on a FIFO.
    requireRegularFile(path);
    Handle = std::fopen(path.c_str(), "rb");
    if (!Handle)
    {
      throw FileError(path, "cannot open: " + systemMessage(errno));
    }
  }
  ~InputFile() { std::fclose(Handle); }
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  const std::string& path() const { return Path; }

  /// Fills as much of the buffer as the file still holds; returns 0 at the end of the file.
  std::size_t read(unsigned char* buffer, std::size_t size)
  {
    const std::size_t count = std::fread(buffer, 1, size, Handle);
    if (count < size && std::ferror(Handle))
    {
      throw FileError(Path, "read error: " + systemMessage(errno));
    }
    return count;
  }

private:
  std::string Path;
  std::FILE* Handle = nullptr;
};

bool startsWithGzipMagic(const std::vector<unsigned char>& bytes, std::size_t count)
{
  return count >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;
}

enum class GunzipStatus
{
  Complete,
  LimitReached,
  Truncated,
  Corrupt
};

struct GunzipResult
{
  std::vector<unsigned char> bytes;
  GunzipStatus status = GunzipStatus::Complete;
  std::string zlibMessage;
};

/// Inflates the gzip stream whose first inputCount bytes are already in input and whose rest is
/// still in the file, producing at most limit bytes.
GunzipResult gunzip(InputFile& file,
                    std::vector<unsigned char> input,
                    std::size_t inputCount,
                    std::uint64_t limit)
{
  z_stream stream{};
  if (inflateInit2(&stream, 16 + MAX_WBITS) != Z_OK)
  {
    throw FileError(file.path(), "cannot start gzip decompression (out of memory)");
  }
  const auto endInflate = [](z_stream* started) { inflateEnd(started); };
  const std::unique_ptr<z_stream, decltype(endInflate)> inflateGuard(&stream, endInflate);

  stream.next_in = input.data();
  stream.avail_in = static_cast<uInt>(inputCount);
  const auto refill = [&]()
  {
    const std::size_t count = file.read(input.data(), input.size());
    stream.next_in = input.data();
    stream.avail_in = static_cast<uInt>(count);
    return count > 0;
  };

  GunzipResult result;
  std::size_t produced = 0;
  bool inputEnded = false;
  for (;;)
  {
    if (stream.avail_in == 0 && !inputEnded)
    {
      inputEnded = !refill();
    }
    if (produced == result.bytes.size())
    {
      if (produced >= limit)
      {
        result.status = GunzipStatus::LimitReached;
        break;
      }
      const std::uint64_t grown =
        std::max<std::uint64_t>(FirstOutputBytes, 2 * std::uint64_t{ produced });
      result.bytes.resize(static_cast<std::size_t>(std::min(limit, grown)));
    }
    const std::size_t room =
      std::min<std::size_t>(result.bytes.size() - produced, std::numeric_limits<uInt>::max());
    stream.next_out = result.bytes.data() + produced;
    stream.avail_out = static_cast<uInt>(room);
    const int status = inflate(&stream, Z_NO_FLUSH);
    produced += room - stream.avail_out;
    if (status == Z_STREAM_END)
    {
      // Concatenated gzip members make one file, as for gzip itself; other trailing bytes are
      // ignored, as gzip ignores them.
      if ((stream.avail_in == 0 && !refill()) || stream.next_in[0] != 0x1f)
      {
        result.status = GunzipStatus::Complete;
        break;
      }
      inflateReset(&stream);
    }
    else if (status == Z_BUF_ERROR && inputEnded)
    {
      // No progress with room to write and nothing left to read.
      result.status = GunzipStatus::Truncated;
      break;
    }
    else if (status != Z_OK && status != Z_BUF_ERROR)
    {
      result.status = GunzipStatus::Corrupt;
      result.zlibMessage = stream.msg ? stream.msg : "zlib error " + std::to_string(status);
      break;
    }
  }
  result.bytes.resize(produced);
  return result;
}

} // namespace

FileContent readFileContent(const std::string& path, std::uint64_t maxBytes)
{
  InputFile file(path);
  std::vector<unsigned char> chunk(InputChunkBytes);
  const std::size_t firstCount = file.read(chunk.data(), chunk.size());

  FileContent content;
  if (startsWithGzipMagic(chunk, firstCount))
  {
    GunzipResult result = gunzip(file, std::move(chunk), firstCount, maxBytes + 1);
    const std::string produced = std::to_string(result.bytes.size());
    switch (result.status)
    {
      case GunzipStatus::Truncated:
        throw FileError(path,
                        "truncated gzip data: the compressed stream ends after " + produced +
                          " decompressed bytes");
      case GunzipStatus::Corrupt:
        throw FileError(path,
                        "corrupt gzip data (" + result.zlibMessage + ") after " + produced +
                          " decompressed bytes");
      case GunzipStatus::LimitReached:
        throw FileError(
          path, "decompresses to more than the limit of " + std::to_string(maxBytes) + " bytes");
      case GunzipStatus::Complete:
        break;
    }
    content.bytes = std::move(result.bytes);
    content.gzipped = true;
    return content;
  }

  std::error_code sizeError;
  const std::uintmax_t fileSize = std::filesystem::file_size(path, sizeError);
  if (!sizeError && fileSize > maxBytes)
  {
    throw FileError(path, "larger than the limit of " + std::to_string(maxBytes) + " bytes");
  }
  content.bytes.reserve(sizeError ? firstCount : static_cast<std::size_t>(fileSize));
  content.bytes.assign(chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(firstCount));
  for (std::size_t count = firstCount; count > 0;)
  {
    count = file.read(chunk.data(), chunk.size());
    if (content.bytes.size() + count > maxBytes)
    {
      throw FileError(path, "larger than the limit of " + std::to_string(maxBytes) + " bytes");
    }
    content.bytes.insert(
      content.bytes.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(count));
  }
  return content;
}

FileContent readFileStart(const std::string& path, std::size_t count)
{
  InputFile file(path);
  std::vector<unsigned char> chunk(std::max(count, InputChunkBytes));
  const std::size_t firstCount = file.read(chunk.data(), chunk.size());

  FileContent content;
  if (startsWithGzipMagic(chunk, firstCount))
  {
    content.bytes = gunzip(file, std::move(chunk), firstCount, count).bytes;
    content.gzipped = true;
    return content;
  }
  chunk.resize(std::min(count, firstCount));
  content.bytes = std::move(chunk);
  return content;
}

} // namespace bmfl::io
