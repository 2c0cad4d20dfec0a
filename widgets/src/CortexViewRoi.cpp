// CortexView's ROI layer: borders between ROI labels, a highlighted ROI, the marked vertex, and
// picking the vertex under the pointer (click and hover).
#include "CortexRoiLayer.h"
#include "SurfacePolyData.h"
#include "bmfl/Fsaverage.h"
#include "bmfl/RoiLabels.h"
#include "bmfl/widgets/CortexView.h"
#include "bmfl/widgets/VtkOpenGLWidget.h"

#include <QMouseEvent>

#include <vtkCamera.h>
#include <vtkCellArray.h>
#include <vtkDataArray.h>
#include <vtkMath.h>
#include <vtkPointData.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkProperty.h>
#include <vtkRenderer.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace bmfl
{

namespace
{

constexpr int kHoverIntervalMs = 50; ///< at most 20 picks a second while the pointer moves
constexpr double kClickSlop = 3.0;   ///< pixels a click may move and still be a click

const HemisphereSurface& hemisphereOf(const CorticalSurface& surface, std::size_t side)
{
  return side == 0 ? surface.left : surface.right;
}

Hemisphere hemisphereAt(std::size_t side)
{
  return side == 0 ? Hemisphere::Left : Hemisphere::Right;
}

std::size_t sideOf(Hemisphere hemisphere)
{
  return hemisphere == Hemisphere::Left ? 0 : 1;
}

/// A hemisphere's labels on the shown mesh: the same template as is, a finer one's first
/// vertices (the nesting), or a coarser one's labels carried to every vertex by the nesting.
std::vector<std::int32_t> labelsOnMesh(const std::vector<std::int32_t>& labels,
                                       std::size_t nestedCount,
                                       const SurfaceMesh& mesh)
{
  const std::size_t count = mesh.vertexCount();
  const std::size_t coarse = nestedCount > 0 ? std::min(nestedCount, labels.size()) : labels.size();
  if (coarse >= count)
  {
    return std::vector<std::int32_t>(labels.begin(),
                                     labels.begin() + static_cast<std::ptrdiff_t>(count));
  }
  if (!isFsaverageVertexCount(coarse) || !isFsaverageVertexCount(count))
  {
    throw std::invalid_argument("ROI labels for " + std::to_string(labels.size()) +
                                " vertices do not fit a mesh of " + std::to_string(count));
  }
  const std::vector<std::int32_t> nearest = nearestNestedVertices(mesh, coarse);
  std::vector<std::int32_t> result(count, 0);
  for (std::size_t v = 0; v < count; ++v)
  {
    if (nearest[v] >= 0)
    {
      result[v] = labels[static_cast<std::size_t>(nearest[v])];
    }
  }
  return result;
}

vtkPolyData* shownPolyData(vtkActor* actor)
{
  return actor->GetMapper() ? vtkPolyData::SafeDownCast(actor->GetMapper()->GetInput()) : nullptr;
}

/// How far lines and marks are lifted off the surface, towards the viewer: a small fraction of
/// the hemisphere's size, so they are neither hidden in the surface nor visibly floating.
double liftDistance(vtkPolyData* surface)
{
  return 0.003 * surface->GetLength();
}

/// A point of the surface lifted along its normal (straight up, +z, on a flat map whose
/// triangles may face either way).
void liftedPoint(vtkPolyData* surface, bool flat, vtkIdType vertex, double lift, double out[3])
{
  surface->GetPoint(vertex, out);
  double normal[3] = { 0.0, 0.0, 1.0 };
  vtkDataArray* normals = surface->GetPointData()->GetNormals();
  if (!flat && normals)
  {
    normals->GetTuple(vertex, normal);
  }
  for (int axis = 0; axis < 3; ++axis)
  {
    out[axis] += lift * normal[axis];
  }
}

/// The borders between labels as smooth contours: inside each triangle whose corners carry
/// different labels, a segment joins the midpoints of its two edges that cross labels, or, when
/// all three differ, each crossing edge's midpoint joins the triangle's centre. only > 0 keeps the
/// contour around that label alone. Lifted off the surface by lift.
vtkSmartPointer<vtkPolyData> contourLines(vtkPolyData* surface,
                                          const SurfaceMesh& mesh,
                                          bool flat,
                                          const std::vector<std::int32_t>& labels,
                                          int only,
                                          double lift)
{
  vtkNew<vtkPoints> points;
  vtkNew<vtkCellArray> lines;
  const auto addSegment = [&](const double a[3], const double b[3])
  {
    const vtkIdType ids[2] = { points->InsertNextPoint(a), points->InsertNextPoint(b) };
    lines->InsertNextCell(2, ids);
  };
  for (std::size_t t = 0; t + 2 < mesh.triangles.size(); t += 3)
  {
    const std::int32_t corner[3] = { mesh.triangles[t],
                                     mesh.triangles[t + 1],
                                     mesh.triangles[t + 2] };
    std::int32_t label[3];
    for (int i = 0; i < 3; ++i)
    {
      label[i] = labels[static_cast<std::size_t>(corner[i])];
    }
    if (label[0] == label[1] && label[1] == label[2])
    {
      continue;
    }
    if (only > 0 && label[0] != only && label[1] != only && label[2] != only)
    {
      continue;
    }
    double lifted[3][3];
    for (int i = 0; i < 3; ++i)
    {
      liftedPoint(surface, flat, corner[i], lift, lifted[i]);
    }
    // Midpoints of the edges that cross labels (edge i joins corners i and i + 1).
    double middle[3][3];
    bool crossing[3];
    for (int i = 0; i < 3; ++i)
    {
      const int j = (i + 1) % 3;
      crossing[i] = label[i] != label[j] && (only <= 0 || label[i] == only || label[j] == only);
      for (int axis = 0; axis < 3; ++axis)
      {
        middle[i][axis] = 0.5 * (lifted[i][axis] + lifted[j][axis]);
      }
    }
    const bool threeLabels = label[0] != label[1] && label[1] != label[2] && label[0] != label[2];
    if (!threeLabels)
    {
      int first = -1;
      for (int i = 0; i < 3; ++i)
      {
        if (crossing[i])
        {
          if (first < 0)
          {
            first = i;
          }
          else
          {
            addSegment(middle[first], middle[i]);
          }
        }
      }
      continue;
    }
    double centre[3];
    for (int axis = 0; axis < 3; ++axis)
    {
      centre[axis] = (lifted[0][axis] + lifted[1][axis] + lifted[2][axis]) / 3.0;
    }
    for (int i = 0; i < 3; ++i)
    {
      if (crossing[i])
      {
        addSegment(middle[i], centre);
      }
    }
  }
  auto result = vtkSmartPointer<vtkPolyData>::New();
  result->SetPoints(points);
  result->SetLines(lines);
  return result;
}

void styleLines(vtkActor* actor, vtkPolyDataMapper* mapper, const double colour[3], float width)
{
  mapper->ScalarVisibilityOff();
  actor->SetMapper(mapper);
  actor->PickableOff();
  actor->GetProperty()->SetColor(colour[0], colour[1], colour[2]);
  actor->GetProperty()->SetLineWidth(width);
  actor->GetProperty()->LightingOff();
  actor->VisibilityOff();
}

} // namespace

void CortexView::setUpRoiLayer()
{
  Roi = std::make_unique<RoiLayer>();
  static const double kBorderColour[3] = { 0.08, 0.08, 0.08 };
  static const double kHighlightColour[3] = { 1.0, 0.85, 0.0 };
  static const double kMarkerColour[3] = { 0.0, 0.85, 0.35 };
  for (std::size_t side = 0; side < 2; ++side)
  {
    CortexRoiSide& roi = Roi->sides[side];
    styleLines(roi.borders, roi.bordersMapper, kBorderColour, 2.0F);
    styleLines(roi.highlight, roi.highlightMapper, kHighlightColour, 5.0F);
    styleLines(roi.marker, roi.markerMapper, kMarkerColour, 1.0F);
    roi.marker->GetProperty()->SetRenderPointsAsSpheres(true);
    roi.marker->GetProperty()->SetPointSize(12.0F);
    roi.marker->GetProperty()->LightingOn();
    hemisphereRenderer(side)->AddActor(roi.borders);
    hemisphereRenderer(side)->AddActor(roi.highlight);
    hemisphereRenderer(side)->AddActor(roi.marker);
  }
  Roi->picker->PickFromListOn();
  Roi->picker->SetTolerance(0.0);
  Roi->sinceHover.start();
  Roi->hoverTimer.setSingleShot(true);
  connect(&Roi->hoverTimer, &QTimer::timeout, this, [this]() { hoverAt(Roi->hoverPosition); });
  renderWidget()->installEventFilter(this);
}

void CortexView::updateRoiLayer()
{
  for (CortexRoiSide& roi : Roi->sides)
  {
    roi.locator = nullptr;
  }
  if (Roi->labels &&
      (!Surface || !overlayFitsTemplate(Roi->labels->templateName, Surface->templateName)))
  {
    Roi->labels.reset(); // labels of another template have no meaning on this one
  }
  markVertex(std::nullopt);
  try
  {
    setRoiLabels(Roi->labels);
  }
  catch (const std::invalid_argument&)
  {
    setRoiLabels(nullptr); // same template name, another mesh: the borders cannot be drawn
  }
}

void CortexView::setRoiLabels(std::shared_ptr<const TemplateLabels> labels)
{
  if (labels && Surface && !overlayFitsTemplate(labels->templateName, Surface->templateName))
  {
    throw std::invalid_argument("ROI labels of " + labels->source + " lie on " +
                                labels->templateName + ", not on the shown " +
                                Surface->templateName);
  }
  for (std::size_t side = 0; side < 2; ++side)
  {
    CortexRoiSide& roi = Roi->sides[side];
    vtkPolyData* surface = shownPolyData(hemisphereActor(side));
    if (!labels || !Surface || !surface)
    {
      roi.labels.clear();
      roi.borders->VisibilityOff();
      continue;
    }
    const SurfaceMesh& mesh = hemisphereOf(*Surface, side).mesh;
    roi.labels = labelsOnMesh(labels->of(hemisphereAt(side)), labels->nestedCount, mesh);
    roi.bordersMapper->SetInputData(contourLines(
      surface, mesh, Surface->kind == SurfaceKind::Flat, roi.labels, 0, liftDistance(surface)));
    roi.borders->VisibilityOn();
  }
  Roi->labels = std::move(labels);
  highlightRoi(Roi->highlightHemisphere, Roi->labels ? Roi->highlightLabel : 0);
}

const TemplateLabels* CortexView::roiLabels() const
{
  return Roi->labels.get();
}

void CortexView::highlightRoi(Hemisphere hemisphere, int label)
{
  Roi->highlightHemisphere = hemisphere;
  Roi->highlightLabel = label;
  for (std::size_t side = 0; side < 2; ++side)
  {
    CortexRoiSide& roi = Roi->sides[side];
    vtkPolyData* surface = shownPolyData(hemisphereActor(side));
    if (label <= 0 || hemisphereAt(side) != hemisphere || !surface || roi.labels.empty())
    {
      roi.highlight->VisibilityOff();
      continue;
    }
    vtkSmartPointer<vtkPolyData> contour = contourLines(surface,
                                                        hemisphereOf(*Surface, side).mesh,
                                                        Surface->kind == SurfaceKind::Flat,
                                                        roi.labels,
                                                        label,
                                                        1.5 * liftDistance(surface));
    roi.highlightMapper->SetInputData(contour);
    roi.highlight->SetVisibility(contour->GetNumberOfLines() > 0);
  }
  renderWidget()->update();
}

void CortexView::frameRoi(Hemisphere hemisphere, int label)
{
  const std::size_t side = sideOf(hemisphere);
  const CortexRoiSide& roi = Roi->sides[side];
  vtkPolyData* surface = shownPolyData(hemisphereActor(side));
  if (!surface || label <= 0 || roi.labels.empty())
  {
    return;
  }
  const bool flat = Surface->kind == SurfaceKind::Flat;
  double centre[3] = { 0.0, 0.0, 0.0 };
  double normal[3] = { 0.0, 0.0, 0.0 };
  double low[3] = { 1e30, 1e30, 1e30 };
  double high[3] = { -1e30, -1e30, -1e30 };
  std::size_t count = 0;
  vtkDataArray* normals = surface->GetPointData()->GetNormals();
  for (std::size_t v = 0; v < roi.labels.size(); ++v)
  {
    if (roi.labels[v] != label)
    {
      continue;
    }
    double point[3];
    surface->GetPoint(static_cast<vtkIdType>(v), point);
    if (flat && point[2] != 0.0)
    {
      continue; // a vertex cut away from the flat patch
    }
    double n[3] = { 0.0, 0.0, 1.0 };
    if (!flat && normals)
    {
      normals->GetTuple(static_cast<vtkIdType>(v), n);
    }
    for (int axis = 0; axis < 3; ++axis)
    {
      centre[axis] += point[axis];
      normal[axis] += n[axis];
      low[axis] = std::min(low[axis], point[axis]);
      high[axis] = std::max(high[axis], point[axis]);
    }
    ++count;
  }
  const double length =
    std::sqrt(normal[0] * normal[0] + normal[1] * normal[1] + normal[2] * normal[2]);
  if (count == 0 || length == 0.0)
  {
    return;
  }
  double extent = 0.0;
  for (int axis = 0; axis < 3; ++axis)
  {
    centre[axis] /= static_cast<double>(count);
    normal[axis] /= length;
    extent = std::max(extent, high[axis] - low[axis]);
  }
  // The ROI fills about half of the viewport, with its surroundings around it.
  vtkCamera* camera = hemisphereRenderer(side)->GetActiveCamera();
  camera->SetViewAngle(30.0);
  const double distance = std::max(extent, 10.0) / std::tan(vtkMath::RadiansFromDegrees(15.0));
  camera->SetFocalPoint(centre);
  camera->SetPosition(centre[0] + distance * normal[0],
                      centre[1] + distance * normal[1],
                      centre[2] + distance * normal[2]);
  if (std::abs(normal[2]) > 0.9)
  {
    camera->SetViewUp(0.0, 1.0, 0.0);
  }
  else
  {
    camera->SetViewUp(0.0, 0.0, 1.0);
  }
  hemisphereRenderer(side)->ResetCameraClippingRange();
  CameraAtPreset = false;
  renderWidget()->update();
}

std::optional<CortexView::PickedVertex> CortexView::pickVertex(const QPointF& position)
{
  if (!Surface)
  {
    return std::nullopt;
  }
  const QWidget* widget = renderWidget();
  const double scale = widget->devicePixelRatioF();
  const double x = position.x() * scale;
  const double y = (widget->height() - position.y() - 1.0) * scale;
  for (std::size_t side = 0; side < 2; ++side)
  {
    vtkRenderer* renderer = hemisphereRenderer(side);
    vtkActor* actor = hemisphereActor(side);
    vtkPolyData* surface = shownPolyData(actor);
    if (!surface || !actor->GetVisibility() ||
        !renderer->IsInViewport(static_cast<int>(x), static_cast<int>(y)))
    {
      continue;
    }
    CortexRoiSide& roi = Roi->sides[side];
    if (!roi.locator)
    {
      roi.locator = vtkSmartPointer<vtkStaticCellLocator>::New();
      roi.locator->SetDataSet(surface);
      roi.locator->BuildLocator();
    }
    Roi->picker->InitializePickList();
    Roi->picker->AddPickList(actor);
    Roi->picker->RemoveAllLocators();
    Roi->picker->AddLocator(roi.locator);
    if (Roi->picker->Pick(x, y, 0.0, renderer) == 0 || Roi->picker->GetCellId() < 0)
    {
      return std::nullopt;
    }
    double hit[3];
    Roi->picker->GetPickPosition(hit);
    vtkIdType cornerCount = 0;
    const vtkIdType* corners = nullptr;
    surface->GetCellPoints(Roi->picker->GetCellId(), cornerCount, corners);
    PickedVertex picked;
    picked.hemisphere = hemisphereAt(side);
    double best = 1e300;
    for (vtkIdType i = 0; i < cornerCount; ++i)
    {
      double point[3];
      surface->GetPoint(corners[i], point);
      const double distance = vtkMath::Distance2BetweenPoints(point, hit);
      if (distance < best)
      {
        best = distance;
        picked.vertex = static_cast<int>(corners[i]);
        picked.position = { point[0], point[1], point[2] };
      }
    }
    if (picked.vertex < 0)
    {
      return std::nullopt;
    }
    return picked;
  }
  return std::nullopt;
}

void CortexView::markVertex(const std::optional<PickedVertex>& vertex)
{
  Roi->marked = vertex;
  for (std::size_t side = 0; side < 2; ++side)
  {
    CortexRoiSide& roi = Roi->sides[side];
    vtkPolyData* surface = shownPolyData(hemisphereActor(side));
    if (!vertex || !surface || hemisphereAt(side) != vertex->hemisphere ||
        vertex->vertex >= surface->GetNumberOfPoints())
    {
      roi.marker->VisibilityOff();
      continue;
    }
    double point[3];
    liftedPoint(surface,
                Surface->kind == SurfaceKind::Flat,
                vertex->vertex,
                2.0 * liftDistance(surface),
                point);
    vtkNew<vtkPoints> points;
    points->InsertNextPoint(point);
    vtkNew<vtkCellArray> cells;
    const vtkIdType id = 0;
    cells->InsertNextCell(1, &id);
    vtkNew<vtkPolyData> mark;
    mark->SetPoints(points);
    mark->SetVerts(cells);
    roi.markerMapper->SetInputData(mark);
    roi.marker->VisibilityOn();
  }
  renderWidget()->update();
}

const std::optional<CortexView::PickedVertex>& CortexView::markedVertex() const
{
  return Roi->marked;
}

bool CortexView::eventFilter(QObject* watched, QEvent* event)
{
  if (watched != renderWidget())
  {
    return QWidget::eventFilter(watched, event);
  }
  switch (event->type())
  {
    case QEvent::MouseButtonPress:
    {
      const auto* mouse = static_cast<QMouseEvent*>(event);
      Roi->leftPressed = mouse->button() == Qt::LeftButton && mouse->modifiers() == Qt::NoModifier;
      Roi->pressPosition = mouse->position();
      Roi->cameraAtPresetOnPress = CameraAtPreset;
      break;
    }
    case QEvent::MouseButtonRelease:
    {
      const auto* mouse = static_cast<QMouseEvent*>(event);
      const QPointF moved = mouse->position() - Roi->pressPosition;
      if (mouse->button() == Qt::LeftButton && Roi->leftPressed &&
          std::abs(moved.x()) + std::abs(moved.y()) <= kClickSlop)
      {
        CameraAtPreset = Roi->cameraAtPresetOnPress;
        const std::optional<PickedVertex> picked = pickVertex(mouse->position());
        if (picked)
        {
          markVertex(picked);
          emit vertexClicked(*picked);
        }
      }
      Roi->leftPressed = false;
      break;
    }
    case QEvent::MouseMove:
    {
      const auto* mouse = static_cast<QMouseEvent*>(event);
      if (mouse->buttons() != Qt::NoButton)
      {
        break;
      }
      Roi->hoverPosition = mouse->position();
      const qint64 since = Roi->sinceHover.elapsed();
      if (since >= kHoverIntervalMs)
      {
        hoverAt(Roi->hoverPosition);
      }
      else if (!Roi->hoverTimer.isActive())
      {
        Roi->hoverTimer.start(static_cast<int>(kHoverIntervalMs - since));
      }
      break;
    }
    case QEvent::Leave:
      Roi->hoverTimer.stop();
      emit vertexHovered(PickedVertex(), QPoint());
      break;
    default:
      break;
  }
  return QWidget::eventFilter(watched, event);
}

void CortexView::hoverAt(const QPointF& position)
{
  Roi->sinceHover.restart();
  const std::optional<PickedVertex> picked = pickVertex(position);
  emit vertexHovered(picked.value_or(PickedVertex()),
                     renderWidget()->mapToGlobal(position.toPoint()));
}

} // namespace bmfl
