#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace bmfl::io
{

/// No surface or per-vertex file the workbench reads comes near this; a file that claims or
/// inflates to more is refused rather than allowed to exhaust memory.
constexpr std::uint64_t MaxFileBytes = std::uint64_t{ 2 } << 30;

/// A file's bytes, gunzipped when the file is gzip-compressed.
struct FileContent
{
  std::vector<unsigned char> bytes;
  bool gzipped = false;
};

/// Reads a whole file, gunzipping it (streamed, in chunks) when it starts with the gzip magic.
/// Throws FileError when it cannot be opened, is a folder, is corrupt or truncated gzip, or would
/// exceed maxBytes.
FileContent readFileContent(const std::string& path, std::uint64_t maxBytes = MaxFileBytes);

/// Reads at most count bytes from the start of a file's content (gunzipped when compressed), to
/// recognise its format. Throws FileError only when the file cannot be opened or read; corrupt gzip
/// data just yields fewer bytes, so that the reader proper reports it.
FileContent readFileStart(const std::string& path, std::size_t count);

} // namespace bmfl::io
