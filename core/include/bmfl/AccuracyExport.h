#pragma once

#include "bmfl/Evaluation.h"

#include <string>
#include <vector>

namespace bmfl
{

/// Text with LaTeX's special characters escaped (\ & % $ # _ { } ~ ^), for a table cell.
std::string latexEscaped(const std::string& text);

/// The accuracy table as a LaTeX booktabs tabular: one row per dataset (part) with its images,
/// both heads' accuracies in percent with Wilson 95% intervals, the difference in percentage
/// points and McNemar's exact p; then, for each ImageNet-C dataset, both heads' mCE where known.
/// Needs \usepackage{booktabs}.
std::string accuracyLatex(const std::vector<DatasetAccuracy>& rows);

/// Writes the table as its path's extension says, atomically: .csv (accuracyCsv) or .tex
/// (accuracyLatex). Throws FileError for any other extension or a failed write.
void writeAccuracyTable(const std::vector<DatasetAccuracy>& rows, const std::string& path);

} // namespace bmfl
