#pragma once

// Figures for papers, drawn with no display (QtGui offscreen; no Qt Widgets, no VTK): the cortex
// coloured as the workbench's CortexView colours it, rendered by bmfl/SurfaceRender.h, written as
// PNG, TIFF, SVG or PDF with the provenance inside the file. Std types only: `bmfl` links it.

#include "bmfl/Fsaverage.h"
#include "bmfl/ImageResult.h"
#include "bmfl/ImageTransform.h"
#include "bmfl/RoiLabels.h"
#include "bmfl/SurfaceRender.h"
#include "bmfl/widgets/SurfaceOverlay.h"

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace bmfl
{

// ---- Colouring shared by the on-screen cortex view and the figures ----

/// One hemisphere made ready for colouring: its sulcal anatomy shading (RGB per vertex) and, on
/// a finer fsaverage, the nesting that carries a coarser fsaverage's map onto every vertex.
struct HemisphereColouring
{
  std::vector<std::uint8_t> anatomy;
  std::vector<std::int32_t> nestedNearest; ///< see nearestNestedVertices
  std::size_t nestedCoarseCount = 0;       ///< 0: no nesting found yet
};

/// The slow part, done once per surface (on a worker thread for a large template): the anatomy
/// and, on a finer fsaverage, the nesting of fsaverage5 (the usual overlays' template).
HemisphereColouring prepareHemisphereColouring(const HemisphereSurface& hemisphere);

/// The finite values of a map when they are all the same (the first of them), or none.
struct FlatValues
{
  bool flat = false;
  bool empty = true; ///< no finite value at all
  float value = 0.0F;
};
FlatValues flatValues(const std::vector<float>& values);

/// RGB bytes per vertex of the hemisphere's mesh: the anatomy, with the overlay (nullptr: none)
/// painted over it by its colormap, range, threshold and opacity. A constant or all-NaN map
/// paints nothing. A map on a coarser fsaverage colours every vertex of a finer one (the
/// nesting is found and kept in colouring when it is not there yet).
std::vector<std::uint8_t> hemisphereColours(const HemisphereSurface& hemisphere,
                                            const SurfaceOverlay* overlay,
                                            HemisphereColouring& colouring);

/// The colour of a colormap at t in [0, 1] (clamped; NaN: the middle), as RGB bytes.
std::array<std::uint8_t, 3> overlayColour(OverlayColormap colormap, float t);

/// The default range of a signed map: symmetric around 0, out to the 99th percentile of |value|
/// over the finite values (1 when there are none or all are 0).
float symmetricRange99(const std::vector<float>& values);

// ---- Figure files ----

enum class FigureFormat
{
  Png,
  Tiff,
  Svg,
  Pdf
};

/// The format named by the path's extension (.png, .tif, .tiff, .svg, .pdf; any case). Throws
/// FileError naming the path for any other.
FigureFormat figureFormatFor(const std::string& path);

/// What a figure was made from, written inside every figure file (PNG text chunks, TIFF
/// ImageDescription, SVG <metadata>, PDF Info and XMP).
struct FigureProvenance
{
  std::string title;
  std::string bundle;         ///< the model bundle's folder
  std::string bundleChecksum; ///< SHA-256 of its manifest.json
  std::string image;          ///< the image shown
  std::string colourRange;    ///< e.g. "-0.42 to 0.42 (symmetric, 99th percentile of |value|)"
  std::string atlas;          ///< the borders' label source, or "none"
  std::string program;        ///< "bmfl 0.1.0"
  std::string date;           ///< UTC, ISO 8601

  /// The non-empty fields as (key, value) pairs in a fixed order ("Title", "Bundle",
  /// "BundleManifestSHA256", "Image", "ColourRange", "Atlas", "Software", "CreationTime").
  std::vector<std::pair<std::string, std::string>> entries() const;
};

/// A provenance with the program and the date filled, and the bundle's manifest checksum when
/// bundle is not empty (FileError when its manifest.json cannot be read).
FigureProvenance makeFigureProvenance(const std::string& bundle = {},
                                      const std::string& image = {});

/// A figure's size in pixels and its resolution: vector formats get a page of width / dpi by
/// height / dpi inches, raster ones carry the DPI.
struct FigureSize
{
  int width = 2400;
  int height = 1800;
  int dpi = 300;
};

// ---- Cortex figures ----

/// What the cortex panels show.
struct CortexFigureContent
{
  const CorticalSurface* surface = nullptr; ///< required
  const SurfaceOverlay* overlay = nullptr;  ///< nullptr: the anatomy only, no colour bar
  std::string colourBarTitle;               ///< empty: the overlay's title
  const TemplateLabels* borders = nullptr;  ///< on the surface's template; nullptr: none
  std::vector<SurfaceView> views{ SurfaceView::Lateral, SurfaceView::Medial };
};

/// The composite figure: the cortex views of both hemispheres (a row per view: lateral and
/// medial make the 2 x 2) with one shared colour bar, the ROI borders and a legend of the
/// bordered areas; the image with its brain -> image attention heat map and colour bar; both
/// heads' top-k as bars; a caption. result and image may be nullptr: their panels are left out.
/// Throws FileError naming a file that cannot be read or written, std::invalid_argument for content
/// that does not fit (an overlay on another template).
struct CompositeFigureContent
{
  CortexFigureContent cortex;
  const ImageResult* result = nullptr;
  /// The image as the model saw it (resized and centre-cropped by the bundle's transform): the
  /// attention grid covers it. nullptr: no image panel.
  const Image* image = nullptr;
  std::string caption; ///< e.g. "Model demo · image 0001.png"
};
void writeCompositeFigure(const std::string& path,
                          const CompositeFigureContent& content,
                          const FigureSize& size,
                          const FigureProvenance& provenance);

/// One view (cortex.views[0]) of both hemispheres side by side, with the colour bar and borders:
/// the workbench's "export the view".
void writeCortexFigure(const std::string& path,
                       const CortexFigureContent& cortex,
                       const FigureSize& size,
                       const FigureProvenance& provenance);

} // namespace bmfl
