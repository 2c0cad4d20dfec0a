#pragma once

// The accuracy chart for papers: baseline versus BMFL per dataset, with intervals. Std types
// only (QtGui underneath, no display needed).

#include "bmfl/Evaluation.h"
#include "bmfl/widgets/Figures.h"

#include <string>
#include <vector>

namespace bmfl
{

/// Both heads' top-1 accuracy per dataset (part) as grouped bars, Wilson 95% intervals as error
/// bars, with axis labels, a legend and each dataset's image count; rows without images are left
/// out. Written as PNG, TIFF, SVG or PDF by path's extension, atomically, with the provenance
/// inside. Throws std::invalid_argument when no row has images, FileError as writeFigure.
void writeAccuracyChart(const std::string& path,
                        const std::vector<DatasetAccuracy>& rows,
                        const FigureSize& size,
                        const FigureProvenance& provenance);

} // namespace bmfl
