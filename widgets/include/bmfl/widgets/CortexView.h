#pragma once

#include <QWidget>

#include <array>
#include <memory>
#include <optional>

class vtkActor;
class vtkRenderer;

namespace bmfl
{

struct CorticalSurface;
struct SurfaceOverlay;
struct TemplateLabels;
class VtkOpenGLWidget;
enum class Hemisphere;

/// Both hemispheres of a cortical surface, side by side, each in its own viewport and camera,
/// shaded by sulcal depth. The view observes the surface it is given; it never owns or edits it.
class CortexView : public QWidget
{
  Q_OBJECT

public:
  /// Camera presets, named as neuroimaging viewers name them.
  enum class ViewPreset
  {
    Lateral,
    Medial,
    Dorsal,
    Ventral,
    Anterior,
    Posterior
  };
  Q_ENUM(ViewPreset)

  explicit CortexView(QWidget* parent = nullptr);
  ~CortexView() override;

  void setSurface(std::shared_ptr<const CorticalSurface> surface);

  /// A surface made ready to draw (meshes with normals, sulcal shading, the nesting of a full
  /// fsaverage onto fsaverage5): the slow part of showing a large template. Prepare it on a
  /// worker thread, then show it here; one prepared surface serves one view.
  struct PreparedSurface;
  static std::shared_ptr<PreparedSurface> prepareSurface(
    std::shared_ptr<const CorticalSurface> surface);
  void showPreparedSurface(std::shared_ptr<PreparedSurface> prepared);
  const CorticalSurface* surface() const;

  /// Paints per-vertex values over the anatomy, with a colour bar; nullptr clears it. Throws
  /// std::invalid_argument when the overlay's vertex space does not fit the shown template or
  /// its value count differs from the space's vertex count.
  void setOverlay(std::shared_ptr<const SurfaceOverlay> overlay);
  const SurfaceOverlay* overlay() const;
  /// The colour bar's title as shown: the overlay's, with a note for a constant or empty map.
  QString colourBarTitle() const;

  void setViewPreset(ViewPreset preset);
  ViewPreset viewPreset() const;

  /// Back to the current preset's camera (also the R key in the view).
  void resetView();

  VtkOpenGLWidget* renderWidget() const;

  /// A vertex of the shown surface: its hemisphere, its index on the shown template and its
  /// position (mm) on the shown surface kind.
  struct PickedVertex
  {
    Hemisphere hemisphere{};
    int vertex = -1;
    std::array<double, 3> position{};
  };

  /// Draws the borders between the ROIs of labels (dark lines on both hemispheres); nullptr
  /// removes them. Labels of a coarser fsaverage (nestedCount > 0) are carried onto the shown mesh
  /// by the nesting. Throws std::invalid_argument when they are on another template.
  void setRoiLabels(std::shared_ptr<const TemplateLabels> labels);
  const TemplateLabels* roiLabels() const;
  /// Draws one ROI's border thick and bright (label 0: none).
  void highlightRoi(Hemisphere hemisphere, int label);
  /// Turns the hemisphere's camera to look at one ROI from outside, filling its viewport.
  void frameRoi(Hemisphere hemisphere, int label);
  /// The surface vertex under a point of the view (widget coordinates): the nearest corner of the
  /// triangle hit; none off the cortex.
  std::optional<PickedVertex> pickVertex(const QPointF& position);
  /// Marks a vertex with a small dot (none: no mark).
  void markVertex(const std::optional<PickedVertex>& vertex);
  const std::optional<PickedVertex>& markedVertex() const;

  /// The preset's name as the command line and session files spell it ("lateral", ...).
  static const char* presetKey(ViewPreset preset);
  /// The preset's name in the user's language.
  static QString presetName(ViewPreset preset);

signals:
  void frameRendered();
  /// A left click (not a drag) on the cortex; the vertex is marked.
  void vertexClicked(const bmfl::CortexView::PickedVertex& vertex);
  /// The pointer rests over a vertex (at most about 20 picks a second); vertex -1: off the cortex.
  void vertexHovered(const bmfl::CortexView::PickedVertex& vertex, const QPoint& globalPosition);

protected:
  void resizeEvent(QResizeEvent* event) override;
  void changeEvent(QEvent* event) override;
  bool eventFilter(QObject* watched, QEvent* event) override;

private:
  struct Pipeline;
  std::unique_ptr<Pipeline> Scene;
  struct RoiLayer; ///< borders, highlight, marked vertex, picking (CortexViewRoi.cpp)
  std::unique_ptr<RoiLayer> Roi;
  void setUpRoiLayer();
  void updateRoiLayer(); ///< after the surface changed
  void hoverAt(const QPointF& position);
  /// The renderer and the surface actor of a hemisphere (0 left, 1 right).
  vtkRenderer* hemisphereRenderer(std::size_t side) const;
  vtkActor* hemisphereActor(std::size_t side) const;
  void updateColours();
  void updateCaptions();

  std::shared_ptr<const CorticalSurface> Surface;
  std::shared_ptr<const SurfaceOverlay> Overlay;
  ViewPreset Preset = ViewPreset::Lateral;
  bool CameraAtPreset = true; ///< false once the user rotates, pans or zooms
};

} // namespace bmfl
