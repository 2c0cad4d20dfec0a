#pragma once

#include <string>
#include <vector>

namespace bmfl::data
{

/// Writes a file so that it appears complete or not at all: the bytes go to a temporary file in
/// the same folder, which is flushed and then renamed over the target. Throws FileError.
void writeFileAtomically(const std::string& path, const std::vector<unsigned char>& bytes);

} // namespace bmfl::data
