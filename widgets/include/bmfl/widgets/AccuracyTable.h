#pragma once

#include "bmfl/Evaluation.h"

#include <QWidget>

class QTableWidget;

namespace bmfl
{

/// Baseline versus BMFL accuracy per dataset, updated live while an evaluation runs: images
/// done, both accuracies with 95% Wilson intervals, the difference and McNemar's p.
class AccuracyTable : public QWidget
{
  Q_OBJECT

public:
  /// Which of a row's images a cell leads to.
  enum class ImageSelection
  {
    All,           ///< the dataset and images columns
    BaselineWrong, ///< the baseline's column
    BmflWrong,     ///< BMFL's column
    HeadsDisagree  ///< the difference and McNemar columns: the discordant images
  };
  Q_ENUM(ImageSelection)

  explicit AccuracyTable(QWidget* parent = nullptr);

  void setDatasetNames(const QStringList& names);
  void updateRow(int row, std::size_t done, std::size_t total, const DatasetAccuracy& accuracy);
  /// Marks a row's evaluation as failed: "failed" where the numbers would be (counts so far are
  /// not a result), the reason (naming the file) in every cell's tooltip.
  void markFailed(int row, const QString& oneLineReason);
  /// The tooltip of one cell, for tests.
  QString cellToolTip(int row, int column) const;
  /// The table as tab-separated text (copy-paste into a spreadsheet or a paper's table).
  QString toTsv() const;
  /// The text of one cell, for tests.
  QString cell(int row, int column) const;
  /// What a double-click (or Enter) on a cell does: emits imagesRequested for its row.
  void openCell(int row, int column);

signals:
  /// The images of a row (a dataset) that a cell stands for, to be shown in the browser.
  void imagesRequested(int row, bmfl::AccuracyTable::ImageSelection selection);

protected:
  void changeEvent(QEvent* event) override;

private:
  void setHeaderLabels();

  QTableWidget* Table = nullptr;
};

} // namespace bmfl
