#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace bmfl
{

/// Writes bytes so that the file appears complete or not at all: a uniquely named hidden
/// temporary file in the same folder, flushed, then renamed over path; the temporary is removed on
/// failure. A symbolic link stays in place and its target is written (created when missing); an
/// existing regular file keeps its permission bits; anything else at path (a FIFO, a device, a
/// folder) is refused. Throws FileError naming path.
void writeFileAtomically(const std::string& path, const std::vector<std::uint8_t>& bytes);

/// The same for text.
void writeTextFileAtomically(const std::string& path, const std::string& text);

} // namespace bmfl
