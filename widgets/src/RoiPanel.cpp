#include "bmfl/widgets/RoiPanel.h"

#include <QEvent>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QPainter>
#include <QPixmap>
#include <QStyledItemDelegate>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <utility>

namespace bmfl
{

namespace
{

constexpr int kSortRole = Qt::UserRole + 1;
constexpr int kLabelRole = Qt::UserRole + 2;
constexpr int kHemisphereRole = Qt::UserRole + 3;
constexpr int kValueRole = Qt::UserRole + 4; ///< the mean, for the bar
constexpr int kShortNameRole = Qt::UserRole + 5;

/// A cell that sorts by its sort key (numbers as numbers), not by its text.
class SortItem : public QTableWidgetItem
{
public:
  SortItem(const QString& text, const QVariant& key)
    : QTableWidgetItem(text)
  {
    setData(kSortRole, key);
    setFlags(Qt::ItemIsSelectable | Qt::ItemIsEnabled);
  }

  bool operator<(const QTableWidgetItem& other) const override
  {
    const QVariant a = data(kSortRole);
    const QVariant b = other.data(kSortRole);
    if (a.typeId() == QMetaType::Double && b.typeId() == QMetaType::Double)
    {
      return a.toDouble() < b.toDouble();
    }
    return a.toString().compare(b.toString(), Qt::CaseInsensitive) < 0;
  }
};

QString hemisphereName(Hemisphere hemisphere)
{
  return hemisphere == Hemisphere::Left ? RoiPanel::tr("left") : RoiPanel::tr("right");
}

QString number(double value)
{
  return std::isfinite(value) ? QLocale().toString(value, 'g', 3) : QStringLiteral("\u2013");
}

/// NaN sorts below every number.
double sortKey(double value)
{
  return std::isfinite(value) ? value : -std::numeric_limits<double>::infinity();
}

QIcon swatch(const AtlasColour& colour)
{
  QPixmap pixmap(12, 12);
  pixmap.fill(QColor(colour.red, colour.green, colour.blue));
  QPainter painter(&pixmap);
  painter.setPen(QColor(80, 80, 80));
  painter.drawRect(0, 0, 11, 11);
  return QIcon(pixmap);
}

} // namespace

/// Draws the mean as a bar from zero, red for positive and blue for negative, beside its text.
class RoiBarDelegate : public QStyledItemDelegate
{
public:
  using QStyledItemDelegate::QStyledItemDelegate;
  double largest = 0.0; ///< |mean| that fills half the cell

  void paint(QPainter* painter,
             const QStyleOptionViewItem& option,
             const QModelIndex& index) const override
  {
    QStyledItemDelegate::paint(painter, option, index);
    const double value = index.data(kValueRole).toDouble();
    if (!(largest > 0.0) || !std::isfinite(value))
    {
      return;
    }
    // The bar in the cell's left part, the number right-aligned beside it.
    QRect cell = option.rect.adjusted(3, 4, -3, -4);
    cell.setWidth(cell.width() * 55 / 100);
    const double half = cell.width() / 2.0;
    const double length = std::clamp(value / largest, -1.0, 1.0) * half;
    const double centre = cell.left() + half;
    const QRectF bar(
      std::min(centre, centre + length), cell.top(), std::abs(length), cell.height());
    painter->save();
    painter->setPen(Qt::NoPen);
    painter->setBrush(value >= 0 ? QColor(200, 60, 50, 90) : QColor(50, 90, 200, 90));
    painter->drawRect(bar);
    painter->setPen(QColor(150, 150, 150));
    painter->drawLine(QPointF(centre, cell.top()), QPointF(centre, cell.bottom()));
    painter->restore();
  }
};

RoiPanel::RoiPanel(QWidget* parent)
  : QWidget(parent)
{
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  Caption = new QLabel(this);
  Caption->setWordWrap(true);
  layout->addWidget(Caption);
  Table = new QTableWidget(0, ColumnCount, this);
  Table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  Table->setSelectionBehavior(QAbstractItemView::SelectRows);
  Table->setSelectionMode(QAbstractItemView::SingleSelection);
  Table->verticalHeader()->hide();
  Table->setWordWrap(false);
  Table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  Table->horizontalHeader()->setSectionResizeMode(NameColumn, QHeaderView::Stretch);
  Table->horizontalHeader()->setSectionResizeMode(MeanColumn, QHeaderView::Fixed);
  Table->horizontalHeader()->resizeSection(MeanColumn, 120);
  Table->horizontalHeader()->setSortIndicator(MeanColumn, Qt::DescendingOrder);
  Table->setSortingEnabled(true);
  Bars = new RoiBarDelegate(Table);
  Table->setItemDelegateForColumn(MeanColumn, Bars);
  layout->addWidget(Table);
  connect(Table,
          &QTableWidget::cellClicked,
          this,
          [this](int row, int)
          {
            const RoiResponse roi = roiAt(row);
            if (roi.label > 0)
            {
              emit roiSelected(roi.hemisphere, roi.label);
            }
          });
  connect(Table,
          &QTableWidget::cellDoubleClicked,
          this,
          [this](int row, int)
          {
            const RoiResponse roi = roiAt(row);
            if (roi.label > 0)
            {
              emit roiActivated(roi.hemisphere, roi.label);
            }
          });
  retranslate();
}

void RoiPanel::setRois(std::shared_ptr<const TemplateLabels> labels,
                       std::vector<RoiResponse> responses)
{
  Labels = std::move(labels);
  Responses = std::move(responses);
  fill();
}

RoiResponse RoiPanel::roiAt(int row) const
{
  RoiResponse roi;
  const QTableWidgetItem* name = Table->item(row, NameColumn);
  if (!name)
  {
    return roi;
  }
  roi.label = name->data(kLabelRole).toInt();
  roi.hemisphere = name->data(kHemisphereRole).toInt() == 0 ? Hemisphere::Left : Hemisphere::Right;
  roi.name = name->data(kShortNameRole).toString().toStdString();
  roi.vertices = Table->item(row, VerticesColumn)->data(kSortRole).toULongLong();
  roi.mean = Table->item(row, MeanColumn)->data(kValueRole).toDouble();
  roi.sd = Table->item(row, SdColumn)->data(kSortRole).toDouble();
  return roi;
}

void RoiPanel::fill()
{
  const int sortColumn = Table->horizontalHeader()->sortIndicatorSection();
  const Qt::SortOrder order = Table->horizontalHeader()->sortIndicatorOrder();
  Table->setSortingEnabled(false);
  Table->clearContents();
  Table->setRowCount(0);
  std::vector<RoiResponse> rows = Responses;
  const bool withValues = !rows.empty();
  if (!withValues && Labels)
  {
    // A legend: every area of the source present on each hemisphere of the template.
    for (const Hemisphere hemisphere : { Hemisphere::Left, Hemisphere::Right })
    {
      std::vector<std::size_t> counts(Labels->names.size(), 0);
      for (const std::int32_t label : Labels->of(hemisphere))
      {
        if (label > 0 && static_cast<std::size_t>(label) < counts.size())
        {
          ++counts[static_cast<std::size_t>(label)];
        }
      }
      for (std::size_t label = 1; label < counts.size(); ++label)
      {
        if (counts[label] > 0)
        {
          RoiResponse roi;
          roi.label = static_cast<int>(label);
          roi.name = Labels->names[label];
          roi.hemisphere = hemisphere;
          roi.vertices = counts[label];
          roi.mean = std::numeric_limits<double>::quiet_NaN();
          roi.sd = std::numeric_limits<double>::quiet_NaN();
          rows.push_back(std::move(roi));
        }
      }
    }
  }
  double largest = 0.0;
  Table->setRowCount(static_cast<int>(rows.size()));
  for (std::size_t i = 0; i < rows.size(); ++i)
  {
    const RoiResponse& roi = rows[i];
    const int row = static_cast<int>(i);
    const QString shortName = QString::fromStdString(roi.name);
    auto* name = new SortItem(QString::fromStdString(fullAreaName(roi.name)),
                              QString::fromStdString(fullAreaName(roi.name)));
    name->setData(kShortNameRole, shortName);
    name->setToolTip(QStringLiteral("%1 (%2)").arg(name->text(), shortName));
    name->setData(kLabelRole, roi.label);
    name->setData(kHemisphereRole, roi.hemisphere == Hemisphere::Left ? 0 : 1);
    if (Labels && static_cast<std::size_t>(roi.label) < Labels->colours.size())
    {
      name->setIcon(swatch(Labels->colours[static_cast<std::size_t>(roi.label)]));
    }
    Table->setItem(row, NameColumn, name);
    Table->setItem(
      row,
      HemisphereColumn,
      new SortItem(hemisphereName(roi.hemisphere), roi.hemisphere == Hemisphere::Left ? 0.0 : 1.0));
    auto* vertices = new SortItem(QLocale().toString(static_cast<qulonglong>(roi.vertices)),
                                  static_cast<double>(roi.vertices));
    vertices->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    Table->setItem(row, VerticesColumn, vertices);
    auto* mean = new SortItem(number(roi.mean), sortKey(roi.mean));
    mean->setData(kValueRole, roi.mean);
    mean->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    Table->setItem(row, MeanColumn, mean);
    auto* sd = new SortItem(number(roi.sd), sortKey(roi.sd));
    sd->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    Table->setItem(row, SdColumn, sd);
    if (std::isfinite(roi.mean))
    {
      largest = std::max(largest, std::abs(roi.mean));
    }
  }
  Bars->largest = largest;
  Table->setSortingEnabled(true);
  Table->sortItems(sortColumn, order);
  retranslate();
}

void RoiPanel::changeEvent(QEvent* event)
{
  QWidget::changeEvent(event);
  if (event->type() == QEvent::LanguageChange)
  {
    fill();
  }
}

void RoiPanel::retranslate()
{
  Table->setHorizontalHeaderLabels(
    { tr("ROI"), tr("Hemisphere"), tr("Vertices"), tr("Mean"), tr("SD") });
  if (!Labels)
  {
    Caption->setText(tr("No ROI labels: choose View > ROI Borders."));
  }
  else if (Responses.empty())
  {
    Caption->setText(tr("%1: the areas (no predicted response yet)")
                       .arg(QString::fromStdString(roiLabelSourceTitle(Labels->source))));
  }
  else
  {
    Caption->setText(tr("%1: predicted response per ROI, mean and SD over its vertices")
                       .arg(QString::fromStdString(roiLabelSourceTitle(Labels->source))));
  }
}

} // namespace bmfl
