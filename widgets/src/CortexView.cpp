#include "bmfl/widgets/CortexView.h"

#include "CortexRoiLayer.h"
#include "SurfacePolyData.h"
#include "bmfl/Fsaverage.h"
#include "bmfl/widgets/Figures.h"
#include "bmfl/widgets/SurfaceOverlay.h"
#include "bmfl/widgets/VtkOpenGLWidget.h"

#include <QEvent>
#include <QFileInfo>
#include <QLocale>
#include <QVBoxLayout>

#include <vtkActor.h>
#include <vtkCamera.h>
#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkGenericRenderWindowInteractor.h>
#include <vtkInteractorStyleTrackballCamera.h>
#include <vtkLookupTable.h>
#include <vtkMath.h>
#include <vtkNew.h>
#include <vtkObjectFactory.h>
#include <vtkPointData.h>
#include <vtkPolyData.h>
#include <vtkPolyDataMapper.h>
#include <vtkProperty.h>
#include <vtkRenderer.h>
#include <vtkScalarBarActor.h>
#include <vtkTextActor.h>
#include <vtkTextProperty.h>
#include <vtkUnsignedCharArray.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <stdexcept>

namespace bmfl
{

namespace
{

// Trackball camera whose R key returns to the view's preset instead of VTK's generic reset,
// and which ignores VTK's keys that would quit, go stereo or switch to wireframe.
class CortexInteractorStyle : public vtkInteractorStyleTrackballCamera
{
public:
  static CortexInteractorStyle* New();
  vtkTypeMacro(CortexInteractorStyle, vtkInteractorStyleTrackballCamera)

    std::function<void()> ResetRequested;
  std::function<void()> InteractionStarted;

  void StartRotate() override
  {
    notifyInteraction();
    vtkInteractorStyleTrackballCamera::StartRotate();
  }
  void StartPan() override
  {
    notifyInteraction();
    vtkInteractorStyleTrackballCamera::StartPan();
  }
  void StartDolly() override
  {
    notifyInteraction();
    vtkInteractorStyleTrackballCamera::StartDolly();
  }
  void OnMouseWheelForward() override
  {
    notifyInteraction();
    vtkInteractorStyleTrackballCamera::OnMouseWheelForward();
  }
  void OnMouseWheelBackward() override
  {
    notifyInteraction();
    vtkInteractorStyleTrackballCamera::OnMouseWheelBackward();
  }

  void OnChar() override
  {
    switch (this->Interactor->GetKeyCode())
    {
      case 'r':
      case 'R':
        if (ResetRequested)
        {
          ResetRequested();
        }
        return;
      case 'q':
      case 'Q':
      case 'e':
      case 'E':
      case '3':
      case 'w':
      case 'W':
      case 's':
      case 'S':
        return;
      default:
        vtkInteractorStyleTrackballCamera::OnChar();
    }
  }

private:
  void notifyInteraction()
  {
    if (InteractionStarted)
    {
      InteractionStarted();
    }
  }
};
vtkStandardNewMacro(CortexInteractorStyle);

struct CameraPose
{
  std::array<double, 3> direction; // from the focal point towards the camera
  std::array<double, 3> viewUp;
};

// RAS coordinates: +x right, +y anterior, +z superior.
CameraPose poseFor(CortexView::ViewPreset preset, Hemisphere hemisphere)
{
  const double outward = hemisphere == Hemisphere::Left ? -1.0 : 1.0;
  switch (preset)
  {
    case CortexView::ViewPreset::Lateral:
      return { { outward, 0.0, 0.0 }, { 0.0, 0.0, 1.0 } };
    case CortexView::ViewPreset::Medial:
      return { { -outward, 0.0, 0.0 }, { 0.0, 0.0, 1.0 } };
    case CortexView::ViewPreset::Dorsal:
      return { { 0.0, 0.0, 1.0 }, { 0.0, 1.0, 0.0 } };
    case CortexView::ViewPreset::Ventral:
      return { { 0.0, 0.0, -1.0 }, { 0.0, 1.0, 0.0 } };
    case CortexView::ViewPreset::Anterior:
      return { { 0.0, 1.0, 0.0 }, { 0.0, 0.0, 1.0 } };
    case CortexView::ViewPreset::Posterior:
      return { { 0.0, -1.0, 0.0 }, { 0.0, 0.0, 1.0 } };
  }
  return { { outward, 0.0, 0.0 }, { 0.0, 0.0, 1.0 } };
}

// Places the camera on its current direction so the actor's bounding box fills the viewport,
// limited by whichever of width and height is tighter (VTK's ResetCamera fits a bounding
// sphere, which leaves an elongated hemisphere small or, zoomed, cut off).
void fitCameraToBounds(vtkRenderer* renderer, const double bounds[6], double viewportAspect)
{
  vtkCamera* camera = renderer->GetActiveCamera();
  const double centre[3] = { 0.5 * (bounds[0] + bounds[1]),
                             0.5 * (bounds[2] + bounds[3]),
                             0.5 * (bounds[4] + bounds[5]) };
  double direction[3];
  camera->GetDirectionOfProjection(direction); // from the camera towards the focal point
  double up[3];
  camera->GetViewUp(up);
  const double right[3] = { direction[1] * up[2] - direction[2] * up[1],
                            direction[2] * up[0] - direction[0] * up[2],
                            direction[0] * up[1] - direction[1] * up[0] };
  double halfWidth = 0.0;
  double halfHeight = 0.0;
  double halfDepth = 0.0;
  for (int corner = 0; corner < 8; ++corner)
  {
    const double offset[3] = { bounds[(corner & 1) ? 1 : 0] - centre[0],
                               bounds[(corner & 2) ? 3 : 2] - centre[1],
                               bounds[(corner & 4) ? 5 : 4] - centre[2] };
    halfWidth = std::max(halfWidth, std::abs(vtkMath::Dot(offset, right)));
    halfHeight = std::max(halfHeight, std::abs(vtkMath::Dot(offset, up)));
    halfDepth = std::max(halfDepth, std::abs(vtkMath::Dot(offset, direction)));
  }
  const double tanHalfAngle = std::tan(vtkMath::RadiansFromDegrees(camera->GetViewAngle() / 2.0));
  constexpr double kMargin = 1.06;
  const double distance =
    kMargin * std::max(halfHeight, halfWidth / viewportAspect) / tanHalfAngle + halfDepth;
  camera->SetFocalPoint(centre);
  camera->SetPosition(centre[0] - distance * direction[0],
                      centre[1] - distance * direction[1],
                      centre[2] - distance * direction[2]);
  renderer->ResetCameraClippingRange(bounds);
}

// VTK draws text with its built-in Latin fonts unless given a font file. For text in other
// scripts (the Chinese translation) use a CJK font that the dependency script installs.
void chooseFontFor(vtkTextProperty* property, const QString& text)
{
  static const char* const kCjkFont = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc";
  const bool latin = std::all_of(
    text.begin(), text.end(), [](QChar c) { return c.unicode() < 0x0250 || c == QChar(0x00b7); });
  if (!latin && QFileInfo::exists(QString::fromLatin1(kCjkFont)))
  {
    property->SetFontFamily(VTK_FONT_FILE);
    property->SetFontFile(kCjkFont);
  }
  else
  {
    property->SetFontFamilyToArial();
  }
}

void setCaption(vtkTextActor* caption, const QString& text)
{
  chooseFontFor(caption->GetTextProperty(), text);
  caption->SetInput(text.toUtf8().constData());
}

} // namespace

struct CortexView::PreparedSurface
{
  struct Side
  {
    vtkSmartPointer<vtkPolyData> polyData;
    HemisphereColouring colouring;
  };
  std::shared_ptr<const CorticalSurface> surface;
  std::array<Side, 2> sides; ///< left, right
};

struct CortexView::Pipeline
{
  struct HemisphereScene
  {
    Hemisphere hemisphere = Hemisphere::Left;
    vtkNew<vtkRenderer> renderer;
    vtkNew<vtkPolyDataMapper> mapper;
    vtkNew<vtkActor> actor;
    vtkNew<vtkTextActor> caption;
    vtkSmartPointer<vtkPolyData> polyData;
    /// The anatomy under the overlay and the nesting of a coarser fsaverage's maps: the
    /// colouring shared with the figures (bmfl/widgets/Figures.h).
    HemisphereColouring colouring;
  };

  VtkOpenGLWidget* widget = nullptr;
  std::array<HemisphereScene, 2> hemispheres;
  vtkNew<vtkScalarBarActor> colourBar;
};

CortexView::CortexView(QWidget* parent)
  : QWidget(parent)
  , Scene(std::make_unique<Pipeline>())
{
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  Scene->widget = new VtkOpenGLWidget(this);
  layout->addWidget(Scene->widget);
  connect(Scene->widget, &VtkOpenGLWidget::frameRendered, this, &CortexView::frameRendered);

  vtkGenericOpenGLRenderWindow* window = Scene->widget->renderWindow();
  const std::array<Hemisphere, 2> order = { Hemisphere::Left, Hemisphere::Right };
  for (std::size_t i = 0; i < 2; ++i)
  {
    Pipeline::HemisphereScene& scene = Scene->hemispheres[i];
    scene.hemisphere = order[i];
    scene.renderer->SetViewport(
      0.5 * static_cast<double>(i), 0.0, 0.5 * static_cast<double>(i + 1), 1.0);
    scene.renderer->SetBackground(1.0, 1.0, 1.0);
    scene.renderer->SetBackgroundAlpha(1.0); // Qt composites the widget with its alpha
    scene.mapper->SetScalarModeToUsePointData();
    scene.mapper->SetColorModeToDirectScalars();
    scene.actor->SetMapper(scene.mapper);
    scene.actor->GetProperty()->SetInterpolationToGouraud();
    scene.actor->GetProperty()->SetAmbient(0.15);
    scene.actor->GetProperty()->SetDiffuse(0.85);
    scene.actor->GetProperty()->SetSpecular(0.05);
    scene.actor->VisibilityOff();
    scene.renderer->AddActor(scene.actor);

    vtkTextProperty* text = scene.caption->GetTextProperty();
    text->SetFontSize(15);
    text->SetColor(0.25, 0.25, 0.25);
    text->SetJustificationToCentered();
    scene.caption->GetPositionCoordinate()->SetCoordinateSystemToNormalizedViewport();
    scene.caption->SetPosition(0.5, 0.03);
    scene.renderer->AddViewProp(scene.caption);
    window->AddRenderer(scene.renderer);
  }

  Scene->colourBar->SetOrientationToHorizontal();
  Scene->colourBar->GetPositionCoordinate()->SetCoordinateSystemToNormalizedViewport();
  Scene->colourBar->SetPosition(0.55,
                                0.86); // top right: clear of the occipital pole in every preset
  Scene->colourBar->SetWidth(0.4);
  Scene->colourBar->SetHeight(0.1);
  Scene->colourBar->SetNumberOfLabels(3); // minimum, middle, maximum: room for 3-digit labels
  Scene->colourBar->SetLabelFormat("%.2g");
  for (vtkTextProperty* text :
       { Scene->colourBar->GetTitleTextProperty(), Scene->colourBar->GetLabelTextProperty() })
  {
    text->SetColor(0.2, 0.2, 0.2);
    text->SetFontSize(13);
    text->ShadowOff();
    text->BoldOff();
    text->ItalicOff();
  }
  Scene->colourBar->VisibilityOff();
  Scene->hemispheres[1].renderer->AddViewProp(Scene->colourBar);

  vtkNew<CortexInteractorStyle> style;
  style->ResetRequested = [this]() { resetView(); };
  style->InteractionStarted = [this]() { CameraAtPreset = false; };
  Scene->widget->setInteractorStyle(style);
  setUpRoiLayer();
}

CortexView::~CortexView() = default;

std::shared_ptr<CortexView::PreparedSurface> CortexView::prepareSurface(
  std::shared_ptr<const CorticalSurface> surface)
{
  auto prepared = std::make_shared<PreparedSurface>();
  prepared->surface = std::move(surface);
  if (!prepared->surface)
  {
    return prepared;
  }
  for (std::size_t i = 0; i < 2; ++i)
  {
    const HemisphereSurface& hemisphere =
      i == 0 ? prepared->surface->left : prepared->surface->right;
    PreparedSurface::Side& side = prepared->sides[i];
    side.polyData = makeSurfacePolyData(hemisphere.mesh);
    side.colouring = prepareHemisphereColouring(hemisphere);
  }
  return prepared;
}

void CortexView::setSurface(std::shared_ptr<const CorticalSurface> surface)
{
  showPreparedSurface(prepareSurface(std::move(surface)));
}

void CortexView::showPreparedSurface(std::shared_ptr<PreparedSurface> prepared)
{
  Surface = prepared ? prepared->surface : nullptr;
  if (Overlay && Surface &&
      !overlayFitsTemplate(Overlay->space->templateName, Surface->templateName))
  {
    Overlay.reset(); // an overlay on another template has no meaning on this one
  }
  for (Pipeline::HemisphereScene& scene : Scene->hemispheres)
  {
    if (!Surface)
    {
      scene.polyData = nullptr;
      scene.colouring = {};
      scene.actor->VisibilityOff();
      continue;
    }
    PreparedSurface::Side& side = prepared->sides[scene.hemisphere == Hemisphere::Left ? 0 : 1];
    scene.polyData = side.polyData;
    scene.colouring = std::move(side.colouring);
    scene.mapper->SetInputData(scene.polyData);
    scene.actor->VisibilityOn();
  }
  updateColours();
  updateRoiLayer();
  resetView();
}

void CortexView::setOverlay(std::shared_ptr<const SurfaceOverlay> overlay)
{
  if (overlay)
  {
    if (!overlay->space)
    {
      throw std::invalid_argument("overlay has no vertex space");
    }
    if (overlay->values.size() != overlay->space->size())
    {
      throw std::invalid_argument("overlay has " + std::to_string(overlay->values.size()) +
                                  " values for the " + std::to_string(overlay->space->size()) +
                                  " vertices of " + overlay->space->name);
    }
    if (Surface && !overlayFitsTemplate(overlay->space->templateName, Surface->templateName))
    {
      throw std::invalid_argument(overlay->space->name + " lies on " +
                                  overlay->space->templateName + ", not on the shown " +
                                  Surface->templateName);
    }
  }
  Overlay = std::move(overlay);
  updateColours();
  Scene->widget->update();
}

const SurfaceOverlay* CortexView::overlay() const
{
  return Overlay.get();
}

QString CortexView::colourBarTitle() const
{
  return Overlay ? QString::fromUtf8(Scene->colourBar->GetTitle()) : QString();
}

void CortexView::updateColours()
{
  // A constant or all-NaN map carries nothing to colour: the anatomy stays grey and the colour
  // bar says why.
  const FlatValues flat = Overlay ? flatValues(Overlay->values) : FlatValues();
  for (Pipeline::HemisphereScene& scene : Scene->hemispheres)
  {
    if (!scene.polyData)
    {
      continue;
    }
    const HemisphereSurface& hemisphere =
      scene.hemisphere == Hemisphere::Left ? Surface->left : Surface->right;
    const std::vector<std::uint8_t> rgb =
      hemisphereColours(hemisphere, Overlay.get(), scene.colouring);
    const std::size_t meshVertices = rgb.size() / 3;
    vtkNew<vtkUnsignedCharArray> colours;
    colours->SetName("colours");
    colours->SetNumberOfComponents(3);
    colours->SetNumberOfTuples(static_cast<vtkIdType>(meshVertices));
    std::copy(rgb.begin(), rgb.end(), colours->GetPointer(0));
    scene.polyData->GetPointData()->SetScalars(colours);
    scene.polyData->Modified();
  }
  if (Overlay)
  {
    Scene->colourBar->SetLookupTable(makeLookupTable(*Overlay));
    QString title = QString::fromStdString(Overlay->title);
    if (flat.empty)
    {
      title = tr("%1 (no values to show)").arg(title);
    }
    else if (flat.flat)
    {
      title = tr("%1 (constant %2)").arg(title, QLocale().toString(flat.value, 'g', 4));
    }
    chooseFontFor(Scene->colourBar->GetTitleTextProperty(), title);
    Scene->colourBar->SetTitle(title.toUtf8().constData());
    Scene->colourBar->VisibilityOn();
  }
  else
  {
    Scene->colourBar->VisibilityOff();
  }
}

const CorticalSurface* CortexView::surface() const
{
  return Surface.get();
}

void CortexView::setViewPreset(ViewPreset preset)
{
  Preset = preset;
  resetView();
}

CortexView::ViewPreset CortexView::viewPreset() const
{
  return Preset;
}

const char* CortexView::presetKey(ViewPreset preset)
{
  switch (preset)
  {
    case ViewPreset::Lateral:
      return QT_TR_NOOP("lateral");
    case ViewPreset::Medial:
      return QT_TR_NOOP("medial");
    case ViewPreset::Dorsal:
      return QT_TR_NOOP("dorsal");
    case ViewPreset::Ventral:
      return QT_TR_NOOP("ventral");
    case ViewPreset::Anterior:
      return QT_TR_NOOP("anterior");
    case ViewPreset::Posterior:
      return QT_TR_NOOP("posterior");
  }
  return "";
}

QString CortexView::presetName(ViewPreset preset)
{
  return tr(presetKey(preset));
}

void CortexView::resizeEvent(QResizeEvent* event)
{
  QWidget::resizeEvent(event);
  if (CameraAtPreset)
  {
    resetView(); // refit to the new shape unless the user has moved the camera
  }
}

void CortexView::changeEvent(QEvent* event)
{
  QWidget::changeEvent(event);
  if (event->type() == QEvent::LanguageChange)
  {
    updateCaptions();
    Scene->widget->update();
  }
}

void CortexView::updateCaptions()
{
  for (Pipeline::HemisphereScene& scene : Scene->hemispheres)
  {
    const QString side =
      scene.hemisphere == Hemisphere::Left ? tr("Left hemisphere") : tr("Right hemisphere");
    const QString view =
      Surface && Surface->kind == SurfaceKind::Flat ? tr("flat map") : presetName(Preset);
    setCaption(scene.caption, QStringLiteral("%1 \u00b7 %2").arg(side, view));
  }
}

void CortexView::resetView()
{
  CameraAtPreset = true;
  updateCaptions();
  for (Pipeline::HemisphereScene& scene : Scene->hemispheres)
  {
    if (!Surface)
    {
      continue;
    }
    // A flat map is seen from above whatever the preset: it has no sides.
    const CameraPose pose = Surface->kind == SurfaceKind::Flat
                              ? CameraPose{ { 0.0, 0.0, 1.0 }, { 0.0, 1.0, 0.0 } }
                              : poseFor(Preset, scene.hemisphere);
    vtkCamera* camera = scene.renderer->GetActiveCamera();
    camera->SetFocalPoint(0.0, 0.0, 0.0);
    camera->SetPosition(pose.direction[0], pose.direction[1], pose.direction[2]);
    camera->SetViewUp(pose.viewUp[0], pose.viewUp[1], pose.viewUp[2]);
    camera->SetViewAngle(30.0);
    // The viewport's aspect from the widget's size now: VTK's own is only updated by a render.
    const double* viewport = scene.renderer->GetViewport();
    const double aspect = (viewport[2] - viewport[0]) * std::max(1, Scene->widget->width()) /
                          ((viewport[3] - viewport[1]) * std::max(1, Scene->widget->height()));
    fitCameraToBounds(scene.renderer, scene.actor->GetBounds(), aspect);
  }
  Scene->widget->update();
}

VtkOpenGLWidget* CortexView::renderWidget() const
{
  return Scene->widget;
}

vtkRenderer* CortexView::hemisphereRenderer(std::size_t side) const
{
  return Scene->hemispheres[side].renderer;
}

vtkActor* CortexView::hemisphereActor(std::size_t side) const
{
  return Scene->hemispheres[side].actor;
}

} // namespace bmfl
