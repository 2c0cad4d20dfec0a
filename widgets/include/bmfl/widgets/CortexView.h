#pragma once

#include <QWidget>

#include <memory>

namespace bmfl
{

struct CorticalSurface;
struct SurfaceOverlay;
class VtkOpenGLWidget;

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

  /// The preset's name as the command line and session files spell it ("lateral", ...).
  static const char* presetKey(ViewPreset preset);
  /// The preset's name in the user's language.
  static QString presetName(ViewPreset preset);

signals:
  void frameRendered();

protected:
  void resizeEvent(QResizeEvent* event) override;
  void changeEvent(QEvent* event) override;

private:
  struct Pipeline;
  std::unique_ptr<Pipeline> Scene;
  void updateColours();
  void updateCaptions();

  std::shared_ptr<const CorticalSurface> Surface;
  std::shared_ptr<const SurfaceOverlay> Overlay;
  ViewPreset Preset = ViewPreset::Lateral;
  bool CameraAtPreset = true; ///< false once the user rotates, pans or zooms
};

} // namespace bmfl
