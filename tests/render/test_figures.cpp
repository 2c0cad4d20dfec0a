// Figures for papers (bmfl_figures), drawn offscreen: each cortex view preset, the flat map and
// the composite compared with baselines (the renderer is deterministic), the SVG drawn back by
// QSvgRenderer against the PNG, the shared overlay colouring, and the writer's refusals.

#include "ImageComparison.h"

#include "bmfl/FileError.h"
#include "bmfl/RoiLabels.h"
#include "bmfl/widgets/FigureWriter.h"
#include "bmfl/widgets/Figures.h"

#include <QDir>
#include <QFile>
#include <QGuiApplication>
#include <QPainter>
#include <QSvgRenderer>
#include <QTest>

#include <cmath>
#include <memory>

namespace
{

using namespace bmfl;

const QString kOutput = QStringLiteral(BMFL_RENDER_OUTPUT_DIR);

/// A smooth signed map over all of fsaverage5, from each vertex's place on the sphere: the same
/// on every surface kind, and different between the hemispheres.
std::shared_ptr<SurfaceOverlay> syntheticOverlay()
{
  static const CorticalSurface sphere = loadBundledFsaverage5(SurfaceKind::Sphere);
  auto space = std::make_shared<VertexSpace>();
  space->name = "fsaverage5";
  space->templateName = "fsaverage5";
  auto overlay = std::make_shared<SurfaceOverlay>();
  for (const HemisphereSurface* side : { &sphere.left, &sphere.right })
  {
    const bool left = side == &sphere.left;
    for (std::size_t v = 0; v < side->mesh.vertexCount(); ++v)
    {
      (left ? space->left : space->right).push_back(static_cast<std::int32_t>(v));
      const float* p = &side->mesh.points[3 * v];
      overlay->values.push_back(std::sin(p[1] / 25.0F) * std::cos(p[2] / 30.0F) +
                                (left ? 0.2F : -0.2F));
    }
  }
  overlay->space = space;
  overlay->title = "synthetic map";
  overlay->rangeMinimum = -1.0F;
  overlay->rangeMaximum = 1.0F;
  overlay->threshold = 0.1F;
  return overlay;
}

void compareWithBaseline(const QString& fileName, double allowed = 0.05)
{
  const QString rendered = kOutput + "/" + fileName;
  const QImage image(rendered);
  QVERIFY2(!image.isNull(), qPrintable("not written: " + rendered));
  const QImage baseline(QStringLiteral(BMFL_BASELINE_DIR "/") + fileName);
  QVERIFY2(!baseline.isNull(), qPrintable("no baseline; look at " + rendered));
  const auto difference = bmfl::testing::compareImages(image, baseline);
  QVERIFY2(difference.error.isEmpty(), qPrintable(difference.error));
  QVERIFY2(
    difference.dissimilarity <= allowed,
    qPrintable(QStringLiteral("1-SSIM %1; see %2").arg(difference.dissimilarity).arg(rendered)));
}

ImageResult syntheticResult()
{
  ImageResult result;
  result.id = "garment";
  const char* names[] = { "Coat", "Pullover", "Shirt", "Dress", "Bag" };
  const float bmfl[] = { 0.62F, 0.21F, 0.09F, 0.05F, 0.03F };
  const float baseline[] = { 0.41F, 0.33F, 0.12F, 0.08F, 0.06F };
  for (int i = 0; i < 5; ++i)
  {
    result.bmflTopK.push_back({ i, names[i], bmfl[i] });
    result.baselineTopK.push_back({ (i + 1) % 5, names[(i + 1) % 5], baseline[i] });
  }
  result.gridHeight = 4;
  result.gridWidth = 4;
  for (int i = 0; i < 16; ++i)
  {
    result.brainToImageAttention.push_back(i == 5 || i == 6 ? 0.25F : 0.5F / 14.0F);
  }
  return result;
}

Image syntheticImage()
{
  Image image;
  image.width = 64;
  image.height = 64;
  image.channels = 3;
  for (int y = 0; y < 64; ++y)
  {
    for (int x = 0; x < 64; ++x)
    {
      const bool garment = std::abs(x - 32) < 14 + y / 6 && y > 8 && y < 58;
      image.pixels.push_back(static_cast<std::uint8_t>(garment ? 60 + y : 235));
      image.pixels.push_back(static_cast<std::uint8_t>(garment ? 90 + x : 235));
      image.pixels.push_back(static_cast<std::uint8_t>(garment ? 150 : 235));
    }
  }
  return image;
}

// One view of a bundled fsaverage5 surface with the synthetic map and an atlas's borders,
// written as `name` and compared with its baseline.
void checkSingleView(SurfaceKind kind,
                     SurfaceView view,
                     const char* atlas,
                     const QString& name,
                     const char* title)
{
  const CorticalSurface surface = loadBundledFsaverage5(kind);
  const auto overlay = syntheticOverlay();
  const TemplateLabels borders = templateLabels(atlas, "fsaverage5", nullptr);
  CortexFigureContent content;
  content.surface = &surface;
  content.overlay = overlay.get();
  content.borders = &borders;
  content.views = { view };
  FigureProvenance provenance = makeFigureProvenance();
  provenance.title = title;
  writeCortexFigure((kOutput + "/" + name).toStdString(), content, { 900, 520, 110 }, provenance);
  compareWithBaseline(name);
}

} // namespace

class TestFigures : public QObject
{
  Q_OBJECT

private slots:
  void initTestCase() { QDir().mkpath(kOutput); }

  void viewPresetsMatchBaselines_data()
  {
    QTest::addColumn<int>("view");
    for (SurfaceView view : { SurfaceView::Lateral,
                              SurfaceView::Medial,
                              SurfaceView::Dorsal,
                              SurfaceView::Ventral,
                              SurfaceView::Anterior,
                              SurfaceView::Posterior,
                              SurfaceView::Flat })
    {
      QTest::newRow(surfaceViewKey(view)) << static_cast<int>(view);
    }
  }

  void viewPresetsMatchBaselines()
  {
    QFETCH(int, view);
    const auto preset = static_cast<SurfaceView>(view);
    checkSingleView(preset == SurfaceView::Flat ? SurfaceKind::Flat : SurfaceKind::Inflated,
                    preset,
                    "benson14",
                    QStringLiteral("figure_view_%1.png").arg(surfaceViewKey(preset)),
                    "view test");
  }

  void surfacesMatchBaselines_data()
  {
    QTest::addColumn<int>("kind");
    for (SurfaceKind kind : { SurfaceKind::Pial, SurfaceKind::White, SurfaceKind::Sphere })
    {
      QTest::newRow(surfaceKindName(kind)) << static_cast<int>(kind);
    }
  }

  // The other surfaces of the template (inflated and flat are the presets' above), lateral.
  void surfacesMatchBaselines()
  {
    QFETCH(int, kind);
    const auto surfaceKind = static_cast<SurfaceKind>(kind);
    checkSingleView(surfaceKind,
                    SurfaceView::Lateral,
                    "wang15",
                    QStringLiteral("figure_surface_%1.png").arg(surfaceKindName(surfaceKind)),
                    "surface test");
  }

  void compositeMatchesBaselineAndSvgMatchesPng()
  {
    const CorticalSurface surface = loadBundledFsaverage5(SurfaceKind::Inflated);
    const auto overlay = syntheticOverlay();
    const TemplateLabels borders = templateLabels("wang15", "fsaverage5", nullptr);
    const ImageResult result = syntheticResult();
    const Image image = syntheticImage();
    CompositeFigureContent content;
    content.cortex.surface = &surface;
    content.cortex.overlay = overlay.get();
    content.cortex.borders = &borders;
    content.result = &result;
    content.image = &image;
    content.caption = "Synthetic map on fsaverage5 inflated \u00b7 Wang 2015 borders";
    FigureProvenance provenance = makeFigureProvenance();
    provenance.title = "composite test";
    const FigureSize size{ 1500, 940, 150 };
    writeCompositeFigure(
      (kOutput + "/figure_composite.png").toStdString(), content, size, provenance);
    compareWithBaseline(QStringLiteral("figure_composite.png"));

    // The SVG draws the same figure: vectors and the embedded cortex raster.
    const QString svgPath = kOutput + "/figure_composite.svg";
    writeCompositeFigure(svgPath.toStdString(), content, size, provenance);
    QSvgRenderer renderer(svgPath);
    QVERIFY(renderer.isValid());
    QImage drawn(size.width, size.height, QImage::Format_RGB32);
    drawn.fill(Qt::white);
    {
      QPainter painter(&drawn);
      renderer.render(&painter);
    }
    drawn.save(kOutput + "/figure_composite_svg.png");
    const auto difference =
      bmfl::testing::compareImages(drawn, QImage(kOutput + "/figure_composite.png"));
    QVERIFY2(difference.error.isEmpty(), qPrintable(difference.error));
    QVERIFY2(difference.dissimilarity <= 0.1,
             qPrintable(QStringLiteral("SVG vs PNG 1-SSIM %1").arg(difference.dissimilarity)));
  }

  void colouringFollowsTheOverlay()
  {
    const CorticalSurface surface = loadBundledFsaverage5(SurfaceKind::Inflated);
    HemisphereColouring colouring = prepareHemisphereColouring(surface.left);
    QCOMPARE(colouring.anatomy.size(), 3 * surface.left.mesh.vertexCount());
    QVERIFY(colouring.nestedNearest.empty()); // fsaverage5 needs no nesting
    // No overlay, and a constant one: the anatomy.
    QVERIFY(hemisphereColours(surface.left, nullptr, colouring) == colouring.anatomy);
    auto overlay = syntheticOverlay();
    SurfaceOverlay constant = *overlay;
    std::fill(constant.values.begin(), constant.values.end(), 0.5F);
    QVERIFY(hemisphereColours(surface.left, &constant, colouring) == colouring.anatomy);
    // A map: the top of the range is the colormap's end, values under the threshold show the
    // anatomy.
    SurfaceOverlay map = *overlay;
    map.values[0] = 1.0F;
    map.values[1] = 0.05F;
    const std::vector<std::uint8_t> rgb = hemisphereColours(surface.left, &map, colouring);
    const auto top = overlayColour(OverlayColormap::Diverging, 1.0F);
    QCOMPARE(rgb[0], top[0]);
    QCOMPARE(rgb[2], top[2]);
    QCOMPARE(rgb[3], colouring.anatomy[3]);
    QCOMPARE(symmetricRange99({ -3.0F, 1.0F, 2.0F, NAN }), 3.0F);
    QCOMPARE(symmetricRange99({}), 1.0F);
  }

  void writerRefusesWhatItCannotWrite()
  {
    const FigureProvenance provenance = makeFigureProvenance();
    auto draw = [](QPainter& painter) { painter.drawLine(0, 0, 10, 10); };
    QVERIFY_THROWS_EXCEPTION(FileError, figureFormatFor("figure.bmp"));
    QVERIFY(figureFormatFor("Figure.TIFF") == FigureFormat::Tiff);
    const std::string missingFolder = (kOutput + "/no/such/folder/figure.png").toStdString();
    QVERIFY_THROWS_EXCEPTION(FileError,
                             writeFigure(missingFolder, { 100, 100, 72 }, provenance, draw));
    QVERIFY_THROWS_EXCEPTION(
      std::invalid_argument,
      writeFigure((kOutput + "/empty.png").toStdString(), { 0, 100, 72 }, provenance, draw));
    QVERIFY(!QFile::exists(kOutput + "/empty.png"));
    QVERIFY_THROWS_EXCEPTION(FileError, makeFigureProvenance("/no/such/bundle"));
  }
};

QTEST_MAIN(TestFigures)
#include "test_figures.moc"
