#pragma once

#include "bmfl/Fsaverage.h"
#include "bmfl/widgets/CortexView.h"

#include <QFutureWatcher>
#include <QMainWindow>

#include <memory>

class QActionGroup;
class QLabel;

namespace bmfl
{

/// The workbench window: the cortex in the centre, menus that the model, data and figure
/// features fill, and a status bar that says what is shown and on what runtime.
class MainWindow : public QMainWindow
{
  Q_OBJECT

public:
  explicit MainWindow(QWidget* parent = nullptr);

  /// Shows a template surface. The window keeps the folder so other surface kinds can be
  /// loaded from it (empty folder: the bundled fsaverage5).
  void showSurface(std::shared_ptr<const CorticalSurface> surface, const QString& folder);

  CortexView* cortexView() const { return Cortex; }

  /// Sets the camera preset and keeps the View menu in step.
  void setViewPreset(CortexView::ViewPreset preset);

  /// Writes the window as it is now to a PNG, atomically. Returns an error line or empty.
  QString saveScreenshot(const QString& path);

private:
  void buildMenus();
  void loadSurfaceInBackground(const QString& folder, SurfaceKind kind);
  void onSurfaceLoaded();
  void openTemplateFolder();
  void exportScreenshot();
  void updateStatus();
  void showAbout();

  CortexView* Cortex = nullptr;
  QLabel* SurfaceStatus = nullptr;
  QLabel* RuntimeStatus = nullptr;
  QActionGroup* SurfaceKinds = nullptr;
  QActionGroup* ViewPresets = nullptr;
  std::shared_ptr<const CorticalSurface> Surface; ///< the window owns the data; views observe it
  QString TemplateFolder;
  struct LoadResult
  {
    std::shared_ptr<const CorticalSurface> surface;
    QString folder;
    QString error;
  };
  QFutureWatcher<LoadResult> SurfaceLoad;
};

} // namespace bmfl
