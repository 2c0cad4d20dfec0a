#pragma once

// Hidden working files that bmfl names "<prefix><pid>-<n>" (staging folders, temporaries): when
// their process was killed they stay behind; these say whether one may be removed.

#include <string>

namespace bmfl
{

/// Whether name is prefix followed by exactly "<pid>-<n>" (decimal digits), with the pid of a
/// process that no longer exists on this host. Anything else (another pattern, a live or
/// unknown pid) is false: never remove what may still be in use or what bmfl did not make.
bool isLeftByAGoneProcess(const std::string& name, const std::string& prefix);

} // namespace bmfl
