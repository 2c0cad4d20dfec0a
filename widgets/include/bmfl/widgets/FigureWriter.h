#pragma once

// Writing any figure drawn with a QPainter (the accuracy chart, the cortex figures) as PNG, TIFF,
// SVG or PDF, with its provenance inside the file. Needs QtGui only, and a QGuiApplication to
// exist (the offscreen platform is enough: no display).

#include "bmfl/widgets/Figures.h"

#include <functional>
#include <string>

class QPainter;

namespace bmfl
{

/// Draws a figure of size.width x size.height logical pixels, origin top left. Vector formats keep
/// what is drawn as vectors (text, lines, fills); images drawn stay rasters. Fonts: set pixel sizes
/// from figurePoints so the type has the same size in points whatever the format.
using FigureDraw = std::function<void(QPainter& painter)>;

/// Renders draw into the format of path's extension (figureFormatFor) and writes the file
/// atomically (complete or not at all) with the provenance inside it; PNG and TIFF get a white
/// background. Throws FileError naming the path (an unknown extension, an unwritable folder) and
/// std::invalid_argument for a size or DPI that is not positive.
void writeFigure(const std::string& path,
                 const FigureSize& size,
                 const FigureProvenance& provenance,
                 const FigureDraw& draw);

/// A length in points (1/72 inch) as figure pixels at the figure's DPI.
double figurePoints(const FigureSize& size, double points);

} // namespace bmfl
