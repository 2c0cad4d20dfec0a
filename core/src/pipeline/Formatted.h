#pragma once

// Private to the pipeline room: one number as printf formats it, for logs and REPORT.md.

#include <cstdio>
#include <string>

namespace bmfl::pipeline_detail
{

inline std::string formatted(const char* format, double value)
{
  char text[64];
  std::snprintf(text, sizeof text, format, value);
  return text;
}

} // namespace bmfl::pipeline_detail
