#pragma once

#include "bmfl/widgets/CortexView.h"

#include <QElapsedTimer>
#include <QPointF>
#include <QTimer>

#include <vtkActor.h>
#include <vtkCellPicker.h>
#include <vtkNew.h>
#include <vtkPolyDataMapper.h>
#include <vtkSmartPointer.h>
#include <vtkStaticCellLocator.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace bmfl
{

/// One hemisphere's part of CortexView's ROI layer.
struct CortexRoiSide
{
  vtkNew<vtkPolyDataMapper> bordersMapper;
  vtkNew<vtkActor> borders;
  vtkNew<vtkPolyDataMapper> highlightMapper;
  vtkNew<vtkActor> highlight;
  vtkNew<vtkPolyDataMapper> markerMapper;
  vtkNew<vtkActor> marker;
  vtkSmartPointer<vtkStaticCellLocator> locator; ///< built at the first pick on a surface
  std::vector<std::int32_t> labels;              ///< one ROI label per vertex of the shown mesh
};

/// What CortexView draws over the cortex for ROIs and vertices: borders between labels, one
/// highlighted ROI, the marked vertex; and how it picks vertices under the pointer.
struct CortexView::RoiLayer
{
  std::array<CortexRoiSide, 2> sides; ///< left, right
  std::shared_ptr<const TemplateLabels> labels;
  Hemisphere highlightHemisphere{};
  int highlightLabel = 0;
  std::optional<PickedVertex> marked;
  vtkNew<vtkCellPicker> picker;

  QPointF pressPosition;
  bool leftPressed = false;
  bool cameraAtPresetOnPress = true; ///< a click is no camera move: restored on release
  QElapsedTimer sinceHover;
  QTimer hoverTimer; ///< picks the pointer's last position once the throttle allows
  QPointF hoverPosition;
};

} // namespace bmfl
