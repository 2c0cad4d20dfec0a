// The Qt 6 <-> VTK bridge and the cortex view, driven as a user would: real Qt events into the
// widget, checked on the VTK cameras and on the pixels the widget paints.
#include "bmfl/Fsaverage.h"
#include "bmfl/widgets/CortexView.h"
#include "bmfl/widgets/SurfaceOverlay.h"
#include "bmfl/widgets/VtkOpenGLWidget.h"

#include <QApplication>
#include <QMouseEvent>
#include <QSignalSpy>
#include <QTest>
#include <QWheelEvent>

#include <vtkCamera.h>
#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkRenderer.h>
#include <vtkRendererCollection.h>

#include <array>
#include <cmath>
#include <limits>

using bmfl::CortexView;

namespace
{

vtkCamera* cameraOf(CortexView& view, int rendererIndex)
{
  vtkRendererCollection* renderers = view.renderWidget()->renderWindow()->GetRenderers();
  return vtkRenderer::SafeDownCast(renderers->GetItemAsObject(rendererIndex))->GetActiveCamera();
}

std::array<double, 3> viewDirection(vtkCamera* camera)
{
  double position[3];
  double focal[3];
  camera->GetPosition(position);
  camera->GetFocalPoint(focal);
  std::array<double, 3> direction = { position[0] - focal[0],
                                      position[1] - focal[1],
                                      position[2] - focal[2] };
  const double length = std::sqrt(direction[0] * direction[0] + direction[1] * direction[1] +
                                  direction[2] * direction[2]);
  for (double& component : direction)
  {
    component /= length;
  }
  return direction;
}

void sendMouse(QWidget* widget,
               QEvent::Type type,
               QPointF position,
               Qt::MouseButton button,
               Qt::MouseButtons buttons)
{
  QMouseEvent event(type, position, widget->mapToGlobal(position), button, buttons, Qt::NoModifier);
  QApplication::sendEvent(widget, &event);
}

void drag(QWidget* widget, QPointF from, QPointF to, Qt::MouseButton button)
{
  sendMouse(widget, QEvent::MouseButtonPress, from, button, button);
  for (int step = 1; step <= 10; ++step)
  {
    sendMouse(widget, QEvent::MouseMove, from + (to - from) * (step / 10.0), Qt::NoButton, button);
  }
  sendMouse(widget, QEvent::MouseButtonRelease, to, button, Qt::NoButton);
}

} // namespace

class TestCortexView : public QObject
{
  Q_OBJECT

private:
  std::shared_ptr<const bmfl::CorticalSurface> Surface;
  std::unique_ptr<CortexView> View;

  QWidget* glWidget() const { return View->renderWidget(); }
  QPointF leftViewportCentre() const
  {
    return QPointF(glWidget()->width() * 0.25, glWidget()->height() * 0.5);
  }
  void waitForFrame()
  {
    QSignalSpy frames(View.get(), &CortexView::frameRendered);
    View->renderWidget()->update();
    QVERIFY(frames.wait(10000));
  }

private slots:
  void initTestCase()
  {
    Surface = std::make_shared<const bmfl::CorticalSurface>(
      bmfl::loadBundledFsaverage5(bmfl::SurfaceKind::Inflated));
    View = std::make_unique<CortexView>();
    View->resize(800, 400);
    QSignalSpy frames(View.get(), &CortexView::frameRendered);
    View->setSurface(Surface);
    View->show();
    QVERIFY(QTest::qWaitForWindowExposed(View.get()));
    QVERIFY(frames.count() > 0 || frames.wait(20000));
  }

  void startsLateralWithEachHemisphereSeenFromOutside()
  {
    QCOMPARE(View->viewPreset(), CortexView::ViewPreset::Lateral);
    QVERIFY(viewDirection(cameraOf(*View, 0))[0] < -0.99); // left hemisphere seen from the left
    QVERIFY(viewDirection(cameraOf(*View, 1))[0] > 0.99);  // right hemisphere from the right
  }

  void paintsTheCortexOverTheBackground()
  {
    const QImage frame = View->renderWidget()->grabFramebuffer();
    QVERIFY(!frame.isNull());
    const QColor centre = frame.pixelColor(frame.width() / 4, frame.height() / 2);
    const QColor corner = frame.pixelColor(2, 2);
    QCOMPARE(corner, QColor(Qt::white));
    QVERIFY2(centre.red() < 230 && std::abs(centre.red() - centre.blue()) < 8,
             qPrintable(centre.name())); // grey shading, not background
  }

  void leftDragRotates()
  {
    const std::array<double, 3> before = viewDirection(cameraOf(*View, 0));
    drag(glWidget(), leftViewportCentre(), leftViewportCentre() + QPointF(120, 0), Qt::LeftButton);
    const std::array<double, 3> after = viewDirection(cameraOf(*View, 0));
    QVERIFY2(std::abs(after[1] - before[1]) > 0.2, "azimuth rotation expected");
    // The other hemisphere's camera is independent.
    QVERIFY(viewDirection(cameraOf(*View, 1))[0] > 0.99);
  }

  void rKeyResetsToThePreset()
  {
    QTest::keyClick(glWidget(), Qt::Key_R);
    QVERIFY(viewDirection(cameraOf(*View, 0))[0] < -0.99);
  }

  void wheelZooms()
  {
    vtkCamera* camera = cameraOf(*View, 0);
    const double before = camera->GetDistance();
    const QPointF at = leftViewportCentre();
    QWheelEvent wheel(at,
                      glWidget()->mapToGlobal(at),
                      QPoint(),
                      QPoint(0, 120),
                      Qt::NoButton,
                      Qt::NoModifier,
                      Qt::NoScrollPhase,
                      false);
    QApplication::sendEvent(glWidget(), &wheel);
    QVERIFY2(camera->GetDistance() < before * 0.95, "wheel forward should dolly in");
  }

  void middleDragPans()
  {
    vtkCamera* camera = cameraOf(*View, 0);
    double before[3];
    camera->GetFocalPoint(before);
    drag(glWidget(), leftViewportCentre(), leftViewportCentre() + QPointF(0, 60), Qt::MiddleButton);
    double after[3];
    camera->GetFocalPoint(after);
    QVERIFY(std::abs(after[2] - before[2]) > 1.0); // moved along the screen's vertical (z)
    View->resetView();
  }

  void overlayPaintsValuesOverTheAnatomy()
  {
    // Every left vertex +1 (red end), every right vertex -1 (blue end).
    auto space = std::make_shared<bmfl::VertexSpace>();
    space->name = "whole-fsaverage5";
    space->templateName = "fsaverage5";
    for (std::int32_t v = 0; v < 10242; ++v)
    {
      space->left.push_back(v);
      space->right.push_back(v);
    }
    auto overlay = std::make_shared<bmfl::SurfaceOverlay>();
    overlay->space = space;
    overlay->values.assign(10242, 1.0F);
    overlay->values.resize(20484, -1.0F);
    overlay->title = "test values";
    View->setOverlay(overlay);
    waitForFrame();
    QImage frame = View->renderWidget()->grabFramebuffer();
    const QColor left = frame.pixelColor(frame.width() / 4, frame.height() / 2);
    const QColor right = frame.pixelColor(3 * frame.width() / 4, frame.height() / 2);
    QVERIFY2(left.red() > left.blue() + 40, qPrintable(left.name()));
    QVERIFY2(right.blue() > right.red() + 40, qPrintable(right.name()));

    // Values under the threshold show the anatomy again (grey).
    auto faint = std::make_shared<bmfl::SurfaceOverlay>(*overlay);
    faint->threshold = 2.0F;
    View->setOverlay(faint);
    waitForFrame();
    frame = View->renderWidget()->grabFramebuffer();
    const QColor grey = frame.pixelColor(frame.width() / 4, frame.height() / 2);
    QVERIFY2(std::abs(grey.red() - grey.blue()) < 8, qPrintable(grey.name()));
    View->setOverlay(nullptr);
    QCOMPARE(View->overlay(), nullptr);
  }

  void constantNanAndTransparentMapsDrawGrey()
  {
    auto space = std::make_shared<bmfl::VertexSpace>();
    space->name = "whole-fsaverage5";
    space->templateName = "fsaverage5";
    for (std::int32_t v = 0; v < 10242; ++v)
    {
      space->left.push_back(v);
      space->right.push_back(v);
    }
    auto isGrey = [this]()
    {
      waitForFrame();
      const QImage frame = View->renderWidget()->grabFramebuffer();
      const QColor colour = frame.pixelColor(frame.width() / 4, frame.height() / 2);
      return std::abs(colour.red() - colour.blue()) < 8 &&
             std::abs(colour.red() - colour.green()) < 8;
    };
    auto constant = std::make_shared<bmfl::SurfaceOverlay>();
    constant->space = space;
    constant->values.assign(20484, 0.5F);
    constant->title = "flat";
    View->setOverlay(constant);
    QVERIFY(isGrey());
    QVERIFY2(View->colourBarTitle().startsWith(QStringLiteral("flat (constant")),
             qPrintable(View->colourBarTitle()));

    auto empty = std::make_shared<bmfl::SurfaceOverlay>(*constant);
    empty->values.assign(20484, std::numeric_limits<float>::quiet_NaN());
    empty->title = "empty";
    empty->rangeMinimum = 0.0F; // an empty range too (attention weights all zero)
    empty->rangeMaximum = 0.0F;
    View->setOverlay(empty);
    QVERIFY(isGrey());
    QCOMPARE(View->colourBarTitle(), QStringLiteral("empty (no values to show)"));

    // A varied map at opacity 0 shows only the anatomy.
    auto transparent = std::make_shared<bmfl::SurfaceOverlay>(*constant);
    transparent->values.assign(10242, 1.0F);
    transparent->values.resize(20484, -1.0F);
    transparent->title = "varied";
    transparent->opacity = 0.0F;
    View->setOverlay(transparent);
    QVERIFY(isGrey());
    QCOMPARE(View->colourBarTitle(), QStringLiteral("varied"));
    View->setOverlay(nullptr);
  }

  void overlayOnACoarserFsaverageCoversTheWholeFinerMesh()
  {
    // fsaverage4 values (its 2562 vertices are fsaverage5's first 2562) on the shown fsaverage5:
    // every vertex, not one in four, shows them, so the left hemisphere is red all over.
    auto space = std::make_shared<bmfl::VertexSpace>();
    space->name = "whole-fsaverage4";
    space->templateName = "fsaverage4";
    for (std::int32_t v = 0; v < 2562; ++v)
    {
      space->left.push_back(v);
    }
    auto overlay = std::make_shared<bmfl::SurfaceOverlay>();
    overlay->space = space;
    overlay->values.assign(2562, 1.0F);
    overlay->values[0] = 0.99F; // a constant map would show grey
    overlay->rangeMinimum = -1.0F;
    overlay->rangeMaximum = 1.0F;
    overlay->title = "coarse values";
    View->setOverlay(overlay);
    waitForFrame();
    const QImage frame = View->renderWidget()->grabFramebuffer();
    const QColor background = frame.pixelColor(2, 2);
    int brain = 0;
    int red = 0;
    for (int y = frame.height() / 4; y < 3 * frame.height() / 4; y += 4)
    {
      for (int x = 0; x < frame.width() / 2; x += 4)
      {
        const QColor pixel = frame.pixelColor(x, y);
        if (pixel == background)
        {
          continue;
        }
        ++brain;
        red += pixel.red() > 2 * pixel.blue() && pixel.red() > 2 * pixel.green() ? 1 : 0;
      }
    }
    QVERIFY(brain > 100);
    QVERIFY2(red > brain * 9 / 10, qPrintable(QString("%1 of %2 red").arg(red).arg(brain)));
    View->setOverlay(nullptr);
  }

  void overlayOnAnotherTemplateOrOfTheWrongSizeIsRefused()
  {
    auto space = std::make_shared<bmfl::VertexSpace>();
    space->name = "volume-roi";
    space->templateName = "MNI152";
    space->left = { 0, 1, 2 };
    auto overlay = std::make_shared<bmfl::SurfaceOverlay>();
    overlay->space = space;
    overlay->values = { 1, 2, 3 };
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, View->setOverlay(overlay));
    space->templateName = "fsaverage"; // a finer fsaverage nests into fsaverage5: accepted
    View->setOverlay(overlay);
    overlay->values.pop_back();
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, View->setOverlay(overlay));
    View->setOverlay(nullptr);
  }

  void presetsPlaceTheCamera()
  {
    View->setViewPreset(CortexView::ViewPreset::Dorsal);
    QVERIFY(viewDirection(cameraOf(*View, 0))[2] > 0.99);
    View->setViewPreset(CortexView::ViewPreset::Medial);
    QVERIFY(viewDirection(cameraOf(*View, 0))[0] > 0.99);
    QVERIFY(viewDirection(cameraOf(*View, 1))[0] < -0.99);
    View->setViewPreset(CortexView::ViewPreset::Lateral);
    waitForFrame();
  }
};

int main(int argc, char** argv)
{
  bmfl::VtkOpenGLWidget::configureDefaultSurfaceFormat();
  QApplication app(argc, argv);
  TestCortexView test;
  return QTest::qExec(&test, argc, argv);
}

#include "test_cortex_view.moc"
