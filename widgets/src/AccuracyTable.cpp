#include "bmfl/widgets/AccuracyTable.h"

#include <QEvent>
#include <QHeaderView>
#include <QTableWidget>
#include <QVBoxLayout>

namespace bmfl
{

namespace
{
enum Column
{
  DatasetColumn,
  ImagesColumn,
  BaselineColumn,
  BmflColumn,
  DeltaColumn,
  PColumn,
  ColumnCount
};

QString accuracyText(double accuracy, const Interval& interval)
{
  return QStringLiteral("%1% [%2, %3]")
    .arg(100.0 * accuracy, 0, 'f', 1)
    .arg(100.0 * interval.low, 0, 'f', 1)
    .arg(100.0 * interval.high, 0, 'f', 1);
}
} // namespace

AccuracyTable::AccuracyTable(QWidget* parent)
  : QWidget(parent)
{
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  Table = new QTableWidget(0, ColumnCount, this);
  setHeaderLabels();
  Table->horizontalHeader()->setSectionResizeMode(DatasetColumn, QHeaderView::Stretch);
  for (int column = ImagesColumn; column < ColumnCount; ++column)
  {
    Table->horizontalHeader()->setSectionResizeMode(column, QHeaderView::ResizeToContents);
  }
  Table->verticalHeader()->hide();
  Table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  Table->setSelectionBehavior(QAbstractItemView::SelectRows);
  layout->addWidget(Table);
  // Double-click or Enter (the view's activation) opens the cell's images.
  connect(Table, &QTableWidget::cellActivated, this, &AccuracyTable::openCell);
}

void AccuracyTable::openCell(int row, int column)
{
  if (row < 0 || row >= Table->rowCount())
  {
    return;
  }
  switch (column)
  {
    case BaselineColumn:
      emit imagesRequested(row, ImageSelection::BaselineWrong);
      break;
    case BmflColumn:
      emit imagesRequested(row, ImageSelection::BmflWrong);
      break;
    case DeltaColumn:
    case PColumn:
      emit imagesRequested(row, ImageSelection::HeadsDisagree);
      break;
    default:
      emit imagesRequested(row, ImageSelection::All);
      break;
  }
}

void AccuracyTable::setHeaderLabels()
{
  Table->setHorizontalHeaderLabels({ tr("Dataset"),
                                     tr("Images"),
                                     tr("Baseline [95% CI]"),
                                     tr("BMFL [95% CI]"),
                                     tr("\u0394 (points)"),
                                     tr("McNemar p") });
  Table->setToolTip(tr("Double-click a cell to show its images in the dataset browser: a "
                       "head's wrong images, or where the heads disagree"));
}

void AccuracyTable::changeEvent(QEvent* event)
{
  QWidget::changeEvent(event);
  if (event->type() == QEvent::LanguageChange)
  {
    setHeaderLabels();
  }
}

void AccuracyTable::setDatasetNames(const QStringList& names)
{
  Table->setRowCount(static_cast<int>(names.size()));
  for (int row = 0; row < names.size(); ++row)
  {
    Table->setItem(row, DatasetColumn, new QTableWidgetItem(names[row]));
    for (int column = ImagesColumn; column < ColumnCount; ++column)
    {
      auto* item = new QTableWidgetItem(QStringLiteral("\u2013"));
      item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
      Table->setItem(row, column, item);
    }
  }
}

void AccuracyTable::updateRow(int row,
                              std::size_t done,
                              std::size_t total,
                              const DatasetAccuracy& accuracy)
{
  if (row < 0 || row >= Table->rowCount())
  {
    return;
  }
  for (int column = DatasetColumn; column < ColumnCount; ++column)
  {
    // A new evaluation replaces an earlier failure.
    Table->item(row, column)->setToolTip(QString());
    Table->item(row, column)->setForeground(palette().color(QPalette::Text));
  }
  const double delta = 100.0 * (accuracy.bmflAccuracy() - accuracy.baselineAccuracy());
  Table->item(row, ImagesColumn)
    ->setText(done < total ? QStringLiteral("%1 / %2").arg(done).arg(total)
                           : QString::number(done));
  Table->item(row, BaselineColumn)
    ->setText(accuracyText(accuracy.baselineAccuracy(), accuracy.baselineInterval()));
  Table->item(row, BmflColumn)
    ->setText(accuracyText(accuracy.bmflAccuracy(), accuracy.bmflInterval()));
  Table->item(row, DeltaColumn)
    ->setText(QStringLiteral("%1%2").arg(delta >= 0 ? "+" : "").arg(delta, 0, 'f', 1));
  Table->item(row, PColumn)->setText(QString::number(accuracy.mcNemarP(), 'g', 3));
  // Colour the difference only when McNemar's test finds it (p < 0.05).
  const bool significant = accuracy.mcNemarP() < 0.05;
  Table->item(row, DeltaColumn)
    ->setForeground(!significant ? palette().color(QPalette::Text)
                    : delta > 0  ? QColor(46, 139, 87)
                                 : QColor(178, 34, 34));
}

void AccuracyTable::markFailed(int row, const QString& oneLineReason)
{
  if (row < 0 || row >= Table->rowCount())
  {
    return;
  }
  for (int column = DatasetColumn; column < ColumnCount; ++column)
  {
    QTableWidgetItem* item = Table->item(row, column);
    if (column != DatasetColumn)
    {
      item->setText(column == ImagesColumn ? tr("failed") : QStringLiteral("\u2013"));
      item->setForeground(QColor(178, 34, 34));
    }
    item->setToolTip(oneLineReason);
  }
}

QString AccuracyTable::cellToolTip(int row, int column) const
{
  const QTableWidgetItem* item = Table->item(row, column);
  return item != nullptr ? item->toolTip() : QString();
}

QString AccuracyTable::toTsv() const
{
  QStringList lines;
  QStringList header;
  for (int column = 0; column < ColumnCount; ++column)
  {
    header << Table->horizontalHeaderItem(column)->text();
  }
  lines << header.join(QLatin1Char('\t'));
  for (int row = 0; row < Table->rowCount(); ++row)
  {
    QStringList cells;
    for (int column = 0; column < ColumnCount; ++column)
    {
      cells << cell(row, column);
    }
    lines << cells.join(QLatin1Char('\t'));
  }
  return lines.join(QLatin1Char('\n')) + QLatin1Char('\n');
}

QString AccuracyTable::cell(int row, int column) const
{
  const QTableWidgetItem* item = Table->item(row, column);
  return item != nullptr ? item->text() : QString();
}

} // namespace bmfl
