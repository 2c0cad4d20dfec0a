#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <optional>

namespace bmfl
{

/// How the cortex overlay is painted. The range is automatic (symmetric, robust to a few extreme
/// vertices) unless fixed; the colormap follows the overlay unless chosen.
struct OverlaySettings
{
  QString mode = QStringLiteral("predicted-fmri"); ///< "predicted-fmri", "attention" or "none"
  QString colormap = QStringLiteral("auto");       ///< "auto", "diverging" or "sequential"
  double threshold = 0.0;                          ///< |value| below it shows the anatomy
  std::optional<double> rangeMinimum;              ///< both set: a fixed colour range
  std::optional<double> rangeMaximum;
  bool symmetric = false; ///< the fixed range was chosen symmetric about 0 (minimum = -maximum)
  double opacity = 1.0;   ///< of the colours over the anatomy, in [0, 1]

  bool operator==(const OverlaySettings& other) const;
};

/// The image on screen: an item of an opened dataset, or an image file.
struct SessionSelection
{
  int dataset = -1; ///< index into the session's datasets; -1: none
  qulonglong item = 0;
  QString file; ///< an image file analysed on its own (used when dataset is -1)

  bool operator==(const SessionSelection& other) const;
};

/// Everything a workbench session restores: what was open, what was selected, how it was shown.
/// Kept free of widgets so it can be written, read and tested on its own. Paths are as the user
/// gave them (absolute when chosen in a dialog).
struct WorkbenchSession
{
  static constexpr int kFormatVersion = 1;

  QString modelDir;     ///< empty: no model
  QStringList datasets; ///< dataset specs, as --dataset takes them
  SessionSelection selection;
  QString templateFolder;                           ///< empty: the bundled fsaverage5
  QString surfaceKind = QStringLiteral("inflated"); ///< as --surface spells it
  QString viewPreset = QStringLiteral("lateral");   ///< as --view spells it
  QString
    roiBorders; ///< the ROI label source whose borders are drawn (see roiLabelSources); empty: none
  OverlaySettings overlay;
  QString language;          ///< e.g. "zh_CN"; empty: the system's
  QByteArray windowGeometry; ///< QWidget::saveGeometry
  QByteArray windowState;    ///< QMainWindow::saveState (docks)

  bool operator==(const WorkbenchSession& other) const;
};

/// The session as readable, indented JSON (binary window layout as base64).
std::string sessionToJson(const WorkbenchSession& session);

/// Reads a session from JSON text. Throws FileError(sourceName, problem) in one line for bad
/// JSON, a newer format version, or a field of the wrong type or value.
WorkbenchSession sessionFromJson(const std::string& text, const std::string& sourceName);

/// Reads a session file (a regular file, at most 1 MiB). Throws FileError.
WorkbenchSession readSessionFile(const QString& path);

/// Writes a session file atomically. Throws FileError.
void writeSessionFile(const QString& path, const WorkbenchSession& session);

} // namespace bmfl
