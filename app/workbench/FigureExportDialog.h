#pragma once

#include "bmfl/widgets/Figures.h"

#include <QDialog>
#include <QString>

class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QSpinBox;
class QDoubleSpinBox;

namespace bmfl
{

/// What File > Export Figure... writes, and where.
struct FigureExportRequest
{
  enum class Content
  {
    CortexView,   ///< the cortex in the current view preset, both hemispheres, colour bar
    Composite,    ///< lateral and medial 2 x 2, colour bar, borders, image attention, top-k
    AccuracyChart ///< baseline vs BMFL per dataset with intervals
  };
  Content content = Content::Composite;
  QString path; ///< its extension chooses the format: .png, .tif, .tiff, .svg, .pdf
  FigureSize size;
};

/// The figure export dialog: what to export, the file (its format from its extension), the size
/// in pixels or millimetres with the DPI, and a line that previews the result's size.
class FigureExportDialog : public QDialog
{
  Q_OBJECT

public:
  explicit FigureExportDialog(QWidget* parent = nullptr);

  void setRequest(const FigureExportRequest& request);
  FigureExportRequest request() const;
  /// The preview line: pixels, millimetres at the DPI, and the format (or why there is none).
  QString preview() const;

private:
  void browse();
  void unitChanged();
  void updatePreview();

  QComboBox* Content = nullptr;
  QLineEdit* Path = nullptr;
  QDoubleSpinBox* Width = nullptr;
  QDoubleSpinBox* Height = nullptr;
  QComboBox* Unit = nullptr;
  QSpinBox* Dpi = nullptr;
  QLabel* Preview = nullptr;
  QDialogButtonBox* Buttons = nullptr;
  bool Millimetres = false;
};

} // namespace bmfl
