#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace bmfl
{

/// Writes bytes so that the file appears complete or not at all: a uniquely named hidden
/// temporary file in the same folder, flushed, then renamed over path; the temporary is removed on
/// failure. Throws FileError naming path.
void writeFileAtomically(const std::string& path, const std::vector<std::uint8_t>& bytes);

/// The same for text.
void writeTextFileAtomically(const std::string& path, const std::string& text);

} // namespace bmfl
