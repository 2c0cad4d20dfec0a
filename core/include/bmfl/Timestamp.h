#pragma once

#include <string>

namespace bmfl
{

/// The current time in UTC as ISO 8601, e.g. "2026-11-22T06:47:27Z": what bundle provenance and
/// training reports record.
std::string utcTimestamp();

} // namespace bmfl
