#include "bmfl/widgets/CorruptionExplorer.h"

#include <QEvent>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPixmap>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace bmfl
{

namespace
{
constexpr int kThumbnailSize = 32;
constexpr int kColumns = 5; ///< severities 1..5; a corruption without severities takes the first

QString headLine(const QString& head, const QString& name, int label, int trueLabel)
{
  if (trueLabel < 0)
  {
    return QStringLiteral("%1: %2").arg(head, name.toHtmlEscaped());
  }
  const bool right = label == trueLabel;
  return QStringLiteral("<span style=\"color:%1\">%2: %3 %4</span>")
    .arg(right ? QStringLiteral("#2e8b57") : QStringLiteral("#b22222"),
         head,
         name.toHtmlEscaped(),
         right ? QStringLiteral("\u2713") : QStringLiteral("\u2717"));
}

// White to red with the change relative to the largest.
QColor heat(double fraction)
{
  const double f = std::clamp(fraction, 0.0, 1.0);
  return QColor(255, static_cast<int>(255 - 155 * f), static_cast<int>(255 - 155 * f));
}
} // namespace

CorruptionExplorer::CorruptionExplorer(QWidget* parent)
  : QWidget(parent)
{
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(2, 2, 2, 2);
  auto* top = new QHBoxLayout;
  Heading = new QLabel(this);
  Heading->setWordWrap(true);
  RunButton = new QPushButton(this);
  RunButton->setObjectName(QStringLiteral("runCorruptions"));
  CancelButton = new QPushButton(this);
  CancelButton->setEnabled(false);
  Progress = new QProgressBar(this);
  Progress->setMaximumWidth(140);
  Progress->hide();
  top->addWidget(Heading, 1);
  top->addWidget(Progress);
  top->addWidget(RunButton);
  top->addWidget(CancelButton);
  auto* split = new QSplitter(Qt::Horizontal, this);
  Grid = new QTableWidget(0, kColumns, split);
  Grid->setEditTriggers(QAbstractItemView::NoEditTriggers);
  Grid->setSelectionMode(QAbstractItemView::SingleSelection);
  Grid->setIconSize(QSize(kThumbnailSize, kThumbnailSize));
  Grid->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  Grid->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  auto* roiPanel = new QWidget(split);
  auto* roiLayout = new QVBoxLayout(roiPanel);
  roiLayout->setContentsMargins(0, 0, 0, 0);
  RoiHeading = new QLabel(roiPanel);
  RoiHeading->setWordWrap(true);
  RoiTable = new QTableWidget(0, 2, roiPanel);
  RoiTable->setEditTriggers(QAbstractItemView::NoEditTriggers);
  RoiTable->verticalHeader()->hide();
  RoiTable->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
  RoiTable->horizontalHeader()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
  RoiTable->setSortingEnabled(true);
  roiLayout->addWidget(RoiHeading);
  roiLayout->addWidget(RoiTable, 1);
  split->addWidget(Grid);
  split->addWidget(roiPanel);
  split->setStretchFactor(0, 3);
  split->setStretchFactor(1, 1);
  layout->addLayout(top);
  layout->addWidget(split, 1);
  retranslate();

  connect(RunButton, &QPushButton::clicked, this, &CorruptionExplorer::runRequested);
  connect(CancelButton, &QPushButton::clicked, this, &CorruptionExplorer::cancelRequested);
  connect(Grid,
          &QTableWidget::currentCellChanged,
          this,
          [this](int row, int column)
          {
            const QTableWidgetItem* item = Grid->item(row, column);
            showRoiChange(item != nullptr ? item->data(Qt::UserRole).toInt() : -1);
          });
}

void CorruptionExplorer::retranslate()
{
  RunButton->setText(tr("Run for this image"));
  CancelButton->setText(tr("Cancel"));
  QStringList severities;
  for (int s = 1; s <= kColumns; ++s)
  {
    severities << tr("severity %1").arg(s);
  }
  Grid->setHorizontalHeaderLabels(severities);
  RoiTable->setHorizontalHeaderLabels({ tr("ROI"), tr("mean |\u0394 response|") });
  if (ImageId.isEmpty())
  {
    Heading->setText(tr("The selected image under each corruption of the suite: both heads' "
                        "top-1 and the change of the predicted response per ROI."));
  }
  else
  {
    Heading->setText(
      tr("%1 under %n corruption(s)", nullptr, static_cast<int>(Corruptions.size())).arg(ImageId));
  }
  RoiHeading->setText(tr("Select a cell: the change of the predicted response per ROI against "
                         "the clean image"));
}

void CorruptionExplorer::start(const QString& imageId,
                               int trueLabel,
                               const std::vector<std::string>& corruptions,
                               const std::vector<std::string>& roiNames)
{
  ImageId = imageId;
  TrueLabel = trueLabel;
  Corruptions = corruptions;
  RoiNames = roiNames;
  Cells.clear();
  Grid->clearContents();
  Grid->setRowCount(static_cast<int>(corruptions.size()));
  QStringList names;
  for (const std::string& name : corruptions)
  {
    names << QString::fromStdString(name);
  }
  Grid->setVerticalHeaderLabels(names);
  RoiTable->setRowCount(0);
  Progress->setValue(0);
  Progress->show();
  RunButton->setEnabled(false);
  CancelButton->setEnabled(true);
  retranslate();
}

void CorruptionExplorer::addCell(const CorruptionCell& cell)
{
  const auto found = std::find(Corruptions.begin(), Corruptions.end(), cell.corruption);
  if (found == Corruptions.end())
  {
    return;
  }
  const int row = static_cast<int>(found - Corruptions.begin());
  const int column = std::clamp(cell.severity - 1, 0, kColumns - 1);
  Cells.push_back(cell);
  auto* item = new QTableWidgetItem;
  item->setData(Qt::UserRole, static_cast<int>(Cells.size() - 1));
  item->setToolTip(tr("baseline: %1\nBMFL: %2").arg(cell.baselineName, cell.bmflName));
  Grid->setItem(row, column, item);
  auto* shown = new QWidget;
  auto* layout = new QHBoxLayout(shown);
  layout->setContentsMargins(2, 1, 2, 1);
  auto* image = new QLabel(shown);
  image->setPixmap(QPixmap::fromImage(cell.image.scaled(
    kThumbnailSize, kThumbnailSize, Qt::KeepAspectRatio, Qt::SmoothTransformation)));
  auto* text = new QLabel(shown);
  text->setTextFormat(Qt::RichText);
  text->setText(headLine(tr("baseline"), cell.baselineName, cell.baselineLabel, TrueLabel) +
                QStringLiteral("<br>") +
                headLine(tr("BMFL"), cell.bmflName, cell.bmflLabel, TrueLabel));
  layout->addWidget(image);
  layout->addWidget(text, 1);
  Grid->setCellWidget(row, column, shown);
}

void CorruptionExplorer::setProgress(int done, int total)
{
  Progress->setMaximum(std::max(total, 1));
  Progress->setValue(done);
}

void CorruptionExplorer::finish(bool cancelled, const QString& error)
{
  Progress->hide();
  RunButton->setEnabled(true);
  CancelButton->setEnabled(false);
  if (!error.isEmpty())
  {
    Heading->setText(error);
  }
  else if (cancelled)
  {
    Heading->setText(
      tr("%1: cancelled after %n cell(s)", nullptr, static_cast<int>(Cells.size())).arg(ImageId));
  }
}

bool CorruptionExplorer::selectCell(const std::string& corruption, int severity)
{
  for (std::size_t c = 0; c < Cells.size(); ++c)
  {
    if (Cells[c].corruption == corruption && Cells[c].severity == severity)
    {
      showRoiChange(static_cast<int>(c));
      return true;
    }
  }
  return false;
}

int CorruptionExplorer::roiRows() const
{
  return RoiTable->rowCount();
}

void CorruptionExplorer::showRoiChange(int cellIndex)
{
  RoiTable->setSortingEnabled(false);
  RoiTable->setRowCount(0);
  if (cellIndex < 0 || static_cast<std::size_t>(cellIndex) >= Cells.size())
  {
    return;
  }
  const CorruptionCell& cell = Cells[static_cast<std::size_t>(cellIndex)];
  const std::size_t rows = std::min(cell.roiChange.size(), RoiNames.size());
  double largest = 0.0;
  for (std::size_t r = 0; r < rows; ++r)
  {
    if (std::isfinite(cell.roiChange[r]))
    {
      largest = std::max(largest, cell.roiChange[r]);
    }
  }
  RoiTable->setRowCount(static_cast<int>(rows));
  for (std::size_t r = 0; r < rows; ++r)
  {
    const double change = cell.roiChange[r];
    RoiTable->setItem(
      static_cast<int>(r), 0, new QTableWidgetItem(QString::fromStdString(RoiNames[r])));
    auto* value = new QTableWidgetItem;
    value->setData(Qt::DisplayRole, change);
    value->setBackground(heat(largest > 0.0 && std::isfinite(change) ? change / largest : 0.0));
    value->setForeground(QColor(Qt::black));
    RoiTable->setItem(static_cast<int>(r), 1, value);
  }
  RoiTable->setSortingEnabled(true);
  RoiTable->sortItems(1, Qt::DescendingOrder);
  RoiHeading->setText(
    tr("%1, severity %2: change of the predicted response per ROI against the clean image")
      .arg(QString::fromStdString(cell.corruption))
      .arg(cell.severity));
}

void CorruptionExplorer::changeEvent(QEvent* event)
{
  QWidget::changeEvent(event);
  if (event->type() == QEvent::LanguageChange)
  {
    retranslate();
  }
}

} // namespace bmfl
