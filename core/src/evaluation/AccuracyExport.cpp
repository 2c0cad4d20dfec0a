#include "bmfl/AccuracyExport.h"

#include "bmfl/AtomicFile.h"
#include "bmfl/FileError.h"

#include <cstdio>

namespace bmfl
{

namespace
{

std::string fixed(double value, const char* format)
{
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, format, value);
  return buffer;
}

std::string percentWithInterval(double accuracy, const Interval& interval)
{
  return fixed(100.0 * accuracy, "%.1f") + " [" + fixed(100.0 * interval.low, "%.1f") + ", " +
         fixed(100.0 * interval.high, "%.1f") + "]";
}

std::string pValue(double p)
{
  return p < 0.001 ? std::string("$<$0.001") : fixed(p, "%.3g");
}

bool endsWith(const std::string& text, const std::string& suffix)
{
  if (text.size() < suffix.size())
  {
    return false;
  }
  for (std::size_t i = 0; i < suffix.size(); ++i)
  {
    const char c = text[text.size() - suffix.size() + i];
    if (static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c) != suffix[i])
    {
      return false;
    }
  }
  return true;
}

} // namespace

std::string latexEscaped(const std::string& text)
{
  std::string escaped;
  escaped.reserve(text.size());
  for (const char c : text)
  {
    switch (c)
    {
      case '\\':
        escaped += "\\textbackslash{}";
        break;
      case '~':
        escaped += "\\textasciitilde{}";
        break;
      case '^':
        escaped += "\\textasciicircum{}";
        break;
      case '&':
      case '%':
      case '$':
      case '#':
      case '_':
      case '{':
      case '}':
        escaped += '\\';
        escaped += c;
        break;
      default:
        // Control characters (a name read from a file) have no place in a table.
        escaped += static_cast<unsigned char>(c) < 0x20 ? ' ' : c;
    }
  }
  return escaped;
}

std::string accuracyLatex(const std::vector<DatasetAccuracy>& rows)
{
  std::string tex = "% Baseline (DINOv2 linear probe) vs BMFL top-1 accuracy; needs "
                    "\\usepackage{booktabs}\n"
                    "\\begin{tabular}{lrllrr}\n"
                    "\\toprule\n"
                    "Dataset & Images & Baseline \\% [95\\% CI] & BMFL \\% [95\\% CI] & "
                    "$\\Delta$ (pp) & McNemar $p$ \\\\\n"
                    "\\midrule\n";
  for (const DatasetAccuracy& row : rows)
  {
    tex += latexEscaped(row.dataset) + " & " + std::to_string(row.images) + " & ";
    if (row.images == 0)
    {
      tex += "-- & -- & -- & -- \\\\\n";
      continue;
    }
    tex += percentWithInterval(row.baselineAccuracy(), row.baselineInterval()) + " & " +
           percentWithInterval(row.bmflAccuracy(), row.bmflInterval()) + " & " +
           fixed(100.0 * (row.bmflAccuracy() - row.baselineAccuracy()), "%+.1f") + " & " +
           pValue(row.mcNemarP()) + " \\\\\n";
  }
  const std::vector<ImageNetCRows> summaries = summarizeImageNetCRows(rows);
  for (const ImageNetCRows& summary : summaries)
  {
    if (!summary.baseline.meanCorruptionError || !summary.bmfl.meanCorruptionError)
    {
      continue;
    }
    tex +=
      "\\midrule\n" + latexEscaped(summary.dataset) + " mCE & " + std::to_string(summary.images) +
      " & " + fixed(100.0 * *summary.baseline.meanCorruptionError, "%.1f") + " & " +
      fixed(100.0 * *summary.bmfl.meanCorruptionError, "%.1f") + " & " +
      fixed(100.0 * (*summary.bmfl.meanCorruptionError - *summary.baseline.meanCorruptionError),
            "%+.1f") +
      " & \\\\\n";
  }
  tex += "\\bottomrule\n\\end{tabular}\n";
  return tex;
}

void writeAccuracyTable(const std::vector<DatasetAccuracy>& rows, const std::string& path)
{
  if (endsWith(path, ".csv"))
  {
    writeAccuracyCsv(rows, path);
  }
  else if (endsWith(path, ".tex"))
  {
    writeTextFileAtomically(path, accuracyLatex(rows));
  }
  else
  {
    throw FileError(path, "an accuracy table is written as .csv or .tex");
  }
}

} // namespace bmfl
