#pragma once

#include <string>
#include <string_view>

namespace bmfl
{

/// Text from a file (a class name, a folder name, a path) made safe to print on a terminal: C0
/// and C1 control characters, DEL and bytes that are not valid UTF-8 become \xNN escapes (an
/// escape code cannot move the cursor or recolour the terminal); printable UTF-8 such as Chinese
/// is kept as it is.
std::string printable(std::string_view text);

} // namespace bmfl
