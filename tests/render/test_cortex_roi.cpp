// The cortex view's ROI layer and the per-ROI panel: borders and a highlighted ROI drawn, a vertex
// picked under a known screen position and by a click, the flat map, and the panel's rows, sort
// and signals. Baselines (tests/baselines/) for the flat map and the borders, from synthetic maps.
#include "ImageComparison.h"

#include "bmfl/Fsaverage.h"
#include "bmfl/RoiLabels.h"
#include "bmfl/widgets/CortexView.h"
#include "bmfl/widgets/RoiPanel.h"
#include "bmfl/widgets/SurfaceOverlay.h"
#include "bmfl/widgets/VtkOpenGLWidget.h"

#include <QApplication>
#include <QDir>
#include <QMouseEvent>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTest>

#include <vtkCamera.h>
#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkRenderer.h>
#include <vtkRendererCollection.h>

#include <cmath>
#include <memory>
#include <utility>

Q_DECLARE_METATYPE(bmfl::CortexView::PickedVertex)
Q_DECLARE_METATYPE(bmfl::Hemisphere)

using bmfl::CortexView;

namespace
{

const std::string AtlasFolder = BMFL_SOURCE_RESOURCE_DIR "/atlases";

vtkRenderer* rendererOf(CortexView& view, int index)
{
  vtkRendererCollection* renderers = view.renderWidget()->renderWindow()->GetRenderers();
  return vtkRenderer::SafeDownCast(renderers->GetItemAsObject(index));
}

/// Pixels within `tolerance` of a colour.
int countPixels(const QImage& image, QColor colour, int tolerance)
{
  int count = 0;
  for (int y = 0; y < image.height(); ++y)
  {
    for (int x = 0; x < image.width(); ++x)
    {
      const QColor pixel = image.pixelColor(x, y);
      if (std::abs(pixel.red() - colour.red()) <= tolerance &&
          std::abs(pixel.green() - colour.green()) <= tolerance &&
          std::abs(pixel.blue() - colour.blue()) <= tolerance)
      {
        ++count;
      }
    }
  }
  return count;
}

/// A synthetic hemisphere: a 10 x 10 grid of vertices 10 mm apart in the z = 0 plane.
bmfl::HemisphereSurface gridHemisphere(bmfl::Hemisphere hemisphere)
{
  bmfl::HemisphereSurface side;
  side.hemisphere = hemisphere;
  constexpr int kSize = 10;
  for (int y = 0; y < kSize; ++y)
  {
    for (int x = 0; x < kSize; ++x)
    {
      side.mesh.points.insert(
        side.mesh.points.end(),
        { 10.0F * static_cast<float>(x), 10.0F * static_cast<float>(y), 0.0F });
    }
  }
  for (int y = 0; y + 1 < kSize; ++y)
  {
    for (int x = 0; x + 1 < kSize; ++x)
    {
      const int v = y * kSize + x;
      side.mesh.triangles.insert(side.mesh.triangles.end(), { v, v + 1, v + kSize });
      side.mesh.triangles.insert(side.mesh.triangles.end(), { v + 1, v + kSize + 1, v + kSize });
    }
  }
  side.sulc.name = "sulc";
  side.sulc.vertexCount = kSize * kSize;
  side.sulc.frameCount = 1;
  side.sulc.values.assign(kSize * kSize, 0.0F);
  return side;
}

/// A synthetic map: a smooth wave over fsaverage5's vertices, so that the figure is deterministic.
std::shared_ptr<const bmfl::SurfaceOverlay> waveOverlay(const bmfl::CorticalSurface& surface)
{
  auto space = std::make_shared<bmfl::VertexSpace>();
  space->name = "wave";
  space->templateName = "fsaverage5";
  auto overlay = std::make_shared<bmfl::SurfaceOverlay>();
  for (const bmfl::HemisphereSurface* side : { &surface.left, &surface.right })
  {
    std::vector<std::int32_t>& vertices =
      side->hemisphere == bmfl::Hemisphere::Left ? space->left : space->right;
    for (std::size_t v = 0; v < side->mesh.vertexCount(); ++v)
    {
      vertices.push_back(static_cast<std::int32_t>(v));
    }
  }
  const bmfl::CorticalSurface sphere = bmfl::loadBundledFsaverage5(bmfl::SurfaceKind::Sphere);
  for (const bmfl::HemisphereSurface* side : { &sphere.left, &sphere.right })
  {
    for (std::size_t v = 0; v < side->mesh.vertexCount(); ++v)
    {
      const float* p = &side->mesh.points[3 * v];
      overlay->values.push_back(std::sin(p[0] / 25.0F) * std::cos(p[2] / 30.0F));
    }
  }
  overlay->space = space;
  overlay->title = "synthetic wave";
  overlay->rangeMinimum = -1.0F;
  overlay->rangeMaximum = 1.0F;
  return overlay;
}

} // namespace

class TestCortexRoi : public QObject
{
  Q_OBJECT

private:
  std::unique_ptr<CortexView> View;

  QImage frame()
  {
    QSignalSpy frames(View.get(), &CortexView::frameRendered);
    View->renderWidget()->update();
    if (!frames.wait(20000))
    {
      return {};
    }
    return View->renderWidget()->grabFramebuffer();
  }

  void show(const bmfl::CorticalSurface& surface)
  {
    QSignalSpy frames(View.get(), &CortexView::frameRendered);
    View->setSurface(std::make_shared<const bmfl::CorticalSurface>(surface));
    QVERIFY(frames.count() > 0 || frames.wait(20000));
  }

  /// Compares with tests/baselines/NAME (kept beside the build's output for a look).
  void compareWithBaseline(const QImage& rendered, const QString& name)
  {
    const QString outputPath = QStringLiteral(BMFL_RENDER_OUTPUT_DIR "/") + name;
    QDir().mkpath(QStringLiteral(BMFL_RENDER_OUTPUT_DIR));
    rendered.save(outputPath);
    const QImage baseline(QStringLiteral(BMFL_BASELINE_DIR "/") + name);
    QVERIFY2(!baseline.isNull(), qPrintable(QStringLiteral("no baseline; see %1").arg(outputPath)));
    const auto difference =
      bmfl::testing::compareImages(rendered.convertToFormat(QImage::Format_RGB32),
                                   baseline.convertToFormat(QImage::Format_RGB32));
    QVERIFY2(difference.error.isEmpty(), qPrintable(difference.error));
    QVERIFY2(difference.dissimilarity <= 0.05,
             qPrintable(
               QStringLiteral("1-SSIM %1; see %2").arg(difference.dissimilarity).arg(outputPath)));
  }

private slots:
  void initTestCase()
  {
    View = std::make_unique<CortexView>();
    View->resize(800, 400);
    View->show();
    QVERIFY(QTest::qWaitForWindowExposed(View.get()));
  }

  void bordersAndHighlightAreDrawn()
  {
    show(bmfl::loadBundledFsaverage5(bmfl::SurfaceKind::Inflated));
    View->setViewPreset(CortexView::ViewPreset::Posterior);
    const QColor border(20, 20, 20);
    const int before = countPixels(frame(), border, 14); // deep sulci in shadow, a few

    auto labels = std::make_shared<const bmfl::TemplateLabels>(
      bmfl::templateLabels("benson14", "fsaverage5", nullptr, AtlasFolder));
    View->setRoiLabels(labels);
    QCOMPARE(View->roiLabels(), labels.get());
    const QImage bordered = frame();
    const int after = countPixels(bordered, border, 14);
    QVERIFY2(after > before + 300, qPrintable(QStringLiteral("%1 -> %2").arg(before).arg(after)));

    const QColor highlight(255, 217, 0);
    QCOMPARE(countPixels(bordered, highlight, 30), 0);
    View->highlightRoi(bmfl::Hemisphere::Left, 1); // V1
    const QImage highlighted = frame();
    QVERIFY(countPixels(highlighted, highlight, 30) > 50);
    // Only on the left hemisphere's half.
    QCOMPARE(
      countPixels(
        highlighted.copy(highlighted.width() / 2, 0, highlighted.width() / 2, highlighted.height()),
        highlight,
        30),
      0);

    // Framing V1 turns the left camera towards it.
    const double before0 = rendererOf(*View, 0)->GetActiveCamera()->GetDistance();
    View->frameRoi(bmfl::Hemisphere::Left, 1);
    QVERIFY(rendererOf(*View, 0)->GetActiveCamera()->GetDistance() < before0);
    View->resetView();

    // Labels of another template are refused.
    auto other = std::make_shared<bmfl::TemplateLabels>(*labels);
    other->templateName = "colin27";
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, View->setRoiLabels(other));
    View->highlightRoi(bmfl::Hemisphere::Left, 0);
  }

  void bordersOverAMapMatchTheBaseline()
  {
    const bmfl::CorticalSurface surface = bmfl::loadBundledFsaverage5(bmfl::SurfaceKind::Inflated);
    show(surface);
    View->setViewPreset(CortexView::ViewPreset::Posterior);
    View->setOverlay(waveOverlay(surface));
    View->setRoiLabels(std::make_shared<const bmfl::TemplateLabels>(
      bmfl::templateLabels("wang15", "fsaverage5", nullptr, AtlasFolder)));
    compareWithBaseline(frame(), QStringLiteral("cortex_borders_wang15_posterior.png"));
    View->setOverlay(nullptr);
    View->setRoiLabels(nullptr);
    View->setViewPreset(CortexView::ViewPreset::Lateral);
  }

  void flatMapLoadsAndRendersFromAbove()
  {
    const bmfl::CorticalSurface flat = bmfl::loadBundledFsaverage5(bmfl::SurfaceKind::Flat);
    show(flat);
    double position[3];
    double focal[3];
    rendererOf(*View, 0)->GetActiveCamera()->GetPosition(position);
    rendererOf(*View, 0)->GetActiveCamera()->GetFocalPoint(focal);
    QVERIFY(position[2] - focal[2] > 0.0);
    QVERIFY(std::abs(position[0] - focal[0]) < 1e-6 && std::abs(position[1] - focal[1]) < 1e-6);
    View->setOverlay(waveOverlay(flat));
    View->setRoiLabels(std::make_shared<const bmfl::TemplateLabels>(
      bmfl::templateLabels("benson14", "fsaverage5", nullptr, AtlasFolder)));
    const QImage image = frame();
    QVERIFY(countPixels(image, QColor(Qt::white), 0) < image.width() * image.height() * 9 / 10);
    QVERIFY(countPixels(image, QColor(20, 20, 20), 14) > 100); // borders on the patch
    compareWithBaseline(image, QStringLiteral("cortex_flat_benson14.png"));
    View->setOverlay(nullptr);
    View->setRoiLabels(nullptr);
  }

  void picksTheVertexUnderAKnownScreenPosition()
  {
    bmfl::CorticalSurface grid;
    grid.templateName = "grid";
    grid.kind = bmfl::SurfaceKind::Flat; // seen straight from above
    grid.left = gridHemisphere(bmfl::Hemisphere::Left);
    grid.right = gridHemisphere(bmfl::Hemisphere::Right);
    show(grid);
    frame();
    for (const auto& [side, vertex] : { std::pair<int, int>{ 0, 34 }, { 1, 77 } })
    {
      // Where the vertex lands on the screen, in the widget's coordinates.
      vtkRenderer* renderer = rendererOf(*View, side);
      const float* point = &grid.left.mesh.points[3 * static_cast<std::size_t>(vertex)];
      renderer->SetWorldPoint(point[0], point[1], point[2], 1.0);
      renderer->WorldToDisplay();
      const double* display = renderer->GetDisplayPoint();
      const double scale = View->renderWidget()->devicePixelRatioF();
      const QPointF position(display[0] / scale,
                             View->renderWidget()->height() - 1.0 - display[1] / scale);
      const std::optional<CortexView::PickedVertex> picked = View->pickVertex(position);
      QVERIFY(picked.has_value());
      QCOMPARE(picked->vertex, vertex);
      QCOMPARE(picked->hemisphere, side == 0 ? bmfl::Hemisphere::Left : bmfl::Hemisphere::Right);
      QCOMPARE(picked->position[0], static_cast<double>(point[0]));

      // A click there (press and release without a drag) picks and marks it.
      QSignalSpy clicked(View.get(), &CortexView::vertexClicked);
      QWidget* widget = View->renderWidget();
      QMouseEvent press(QEvent::MouseButtonPress,
                        position,
                        widget->mapToGlobal(position),
                        Qt::LeftButton,
                        Qt::LeftButton,
                        Qt::NoModifier);
      QApplication::sendEvent(widget, &press);
      QMouseEvent release(QEvent::MouseButtonRelease,
                          position,
                          widget->mapToGlobal(position),
                          Qt::LeftButton,
                          Qt::NoButton,
                          Qt::NoModifier);
      QApplication::sendEvent(widget, &release);
      QCOMPARE(clicked.count(), 1);
      QCOMPARE(clicked.first().first().value<CortexView::PickedVertex>().vertex, vertex);
      QVERIFY(View->markedVertex().has_value());
      QCOMPARE(View->markedVertex()->vertex, vertex);
    }
    // Off the cortex: nothing.
    QVERIFY(!View->pickVertex(QPointF(2.0, 2.0)).has_value());
    View->markVertex(std::nullopt);
    QVERIFY(!View->markedVertex().has_value());
  }

  void roiPanelRowsSortAndSignals()
  {
    auto labels = std::make_shared<bmfl::TemplateLabels>();
    labels->source = "areas";
    labels->templateName = "fsaverage1";
    labels->names = { "none", "V1v", "hV4", "FFA-1" };
    labels->colours = { {}, { 255, 0, 0 }, { 0, 255, 0 }, { 0, 0, 255 } };
    labels->left = { 1, 1, 2, 0 };
    labels->right = { 3, 0, 0, 0 };
    bmfl::RoiPanel panel;
    panel.resize(500, 300);
    panel.show();

    // No responses: a legend of the areas on the template.
    panel.setRois(labels, {});
    QCOMPARE(panel.table()->rowCount(), 3);

    std::vector<bmfl::RoiResponse> responses = {
      { 1, "V1v", bmfl::Hemisphere::Left, 2, 0.5, 0.1 },
      { 2, "hV4", bmfl::Hemisphere::Left, 1, -0.25, 0.0 },
      { 3, "FFA-1", bmfl::Hemisphere::Right, 1, 2.0, 0.0 },
    };
    panel.setRois(labels, responses);
    QCOMPARE(panel.table()->rowCount(), 3);
    QCOMPARE(panel.table()->item(0, bmfl::RoiPanel::NameColumn)->text(),
             QStringLiteral("fusiform face area 1")); // by mean, largest first
    compareWithBaseline(panel.grab().toImage(), QStringLiteral("roi_panel.png"));
    panel.table()->sortItems(bmfl::RoiPanel::MeanColumn, Qt::AscendingOrder);
    QCOMPARE(panel.roiAt(0).label, 2);
    QCOMPARE(panel.roiAt(2).label, 3);
    panel.table()->sortItems(bmfl::RoiPanel::NameColumn, Qt::AscendingOrder);
    QCOMPARE(panel.roiAt(0).name, std::string("FFA-1"));
    panel.table()->sortItems(bmfl::RoiPanel::HemisphereColumn, Qt::DescendingOrder);
    QCOMPARE(panel.roiAt(0).hemisphere, bmfl::Hemisphere::Right);

    QSignalSpy selected(&panel, &bmfl::RoiPanel::roiSelected);
    QSignalSpy activated(&panel, &bmfl::RoiPanel::roiActivated);
    const QRect cell = panel.table()->visualItemRect(panel.table()->item(0, 0));
    QTest::mouseClick(panel.table()->viewport(), Qt::LeftButton, {}, cell.center());
    QCOMPARE(selected.count(), 1);
    QCOMPARE(selected.first().at(0).value<bmfl::Hemisphere>(), bmfl::Hemisphere::Right);
    QCOMPARE(selected.first().at(1).toInt(), 3);
    QTest::mouseDClick(panel.table()->viewport(), Qt::LeftButton, {}, cell.center());
    QCOMPARE(activated.count(), 1);
    QCOMPARE(activated.first().at(1).toInt(), 3);

    panel.setRois(nullptr, {});
    QCOMPARE(panel.table()->rowCount(), 0);
  }

  void cleanupTestCase() { View.reset(); }
};

QTEST_MAIN(TestCortexRoi)
#include "test_cortex_roi.moc"
