#pragma once

#include <QImage>
#include <QWidget>

#include <string>
#include <vector>

class QLabel;
class QProgressBar;
class QPushButton;
class QTableWidget;

namespace bmfl
{

/// One image under one corruption and severity: what both heads say, and how far the predicted
/// response moved from the clean image's, per ROI.
struct CorruptionCell
{
  std::string corruption;
  int severity = 0; ///< 1..5; 0 for a corruption without severities (the sketch rendering)
  QImage image;     ///< the corrupted image
  int baselineLabel = -1;
  int bmflLabel = -1;
  QString baselineName;
  QString bmflName;
  /// Mean |corrupted - clean| predicted response per ROI, in the order of the explorer's ROIs.
  std::vector<double> roiChange;
};

/// The selected image under each corruption and severity of a suite: a grid corruption x
/// severity (thumbnail, baseline and BMFL top-1, green when right and red when wrong where the
/// true class is known), and for the selected cell the change of the predicted response per ROI.
/// The cells are computed elsewhere (on worker threads) and arrive one by one.
class CorruptionExplorer : public QWidget
{
  Q_OBJECT

public:
  explicit CorruptionExplorer(QWidget* parent = nullptr);

  /// Starts an empty grid: the image, its true class (-1 unknown), the suite's corruptions in
  /// order with the highest severity, and the names of the ROIs each cell's change is given for.
  void start(const QString& imageId,
             int trueLabel,
             const std::vector<std::string>& corruptions,
             const std::vector<std::string>& roiNames);
  void addCell(const CorruptionCell& cell);
  void setProgress(int done, int total);
  /// The run ended (all cells, cancelled, or failed with a one-line reason).
  void finish(bool cancelled, const QString& error = {});

  const std::vector<CorruptionCell>& cells() const { return Cells; }
  /// Shows the ROI table of a cell (as clicking it does); false when there is none.
  bool selectCell(const std::string& corruption, int severity);
  /// The ROI table's rows as shown (tests): name and change.
  int roiRows() const;

signals:
  void runRequested();
  void cancelRequested();

protected:
  void changeEvent(QEvent* event) override;

private:
  void retranslate();
  void showRoiChange(int cellIndex);

  QLabel* Heading = nullptr;
  QPushButton* RunButton = nullptr;
  QPushButton* CancelButton = nullptr;
  QProgressBar* Progress = nullptr;
  QTableWidget* Grid = nullptr;
  QLabel* RoiHeading = nullptr;
  QTableWidget* RoiTable = nullptr;
  QString ImageId;
  int TrueLabel = -1;
  std::vector<std::string> Corruptions;
  std::vector<std::string> RoiNames;
  std::vector<CorruptionCell> Cells;
};

} // namespace bmfl
