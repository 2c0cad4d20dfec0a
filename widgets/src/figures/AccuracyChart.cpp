#include "bmfl/widgets/AccuracyChart.h"

#include "bmfl/widgets/FigureWriter.h"

#include <QFont>
#include <QFontMetricsF>
#include <QPainter>
#include <QPainterPath>
#include <QString>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <stdexcept>

namespace bmfl
{

namespace
{

const QColor kBaselineColour(110, 130, 160); // as the workbench's prediction panel
const QColor kBmflColour(196, 78, 52);
const QColor kInk(30, 30, 30);
const QColor kGrid(225, 225, 225);

QFont fontOf(const FigureSize& size, double points, bool bold = false)
{
  QFont font(QStringLiteral("DejaVu Sans"));
  font.setPixelSize(std::max(1, static_cast<int>(std::lround(figurePoints(size, points)))));
  font.setBold(bold);
  return font;
}

void drawErrorBar(QPainter& painter, double x, double top, double bottom, double cap)
{
  painter.drawLine(QPointF(x, top), QPointF(x, bottom));
  painter.drawLine(QPointF(x - cap, top), QPointF(x + cap, top));
  painter.drawLine(QPointF(x - cap, bottom), QPointF(x + cap, bottom));
}

void drawChart(QPainter& painter, const std::vector<DatasetAccuracy>& rows, const FigureSize& size)
{
  painter.setRenderHint(QPainter::Antialiasing);
  const double pt = figurePoints(size, 1.0);
  const QFont title = fontOf(size, 10, true);
  const QFont label = fontOf(size, 8);
  const QFont small = fontOf(size, 7);
  const QFontMetricsF labelMetrics(label);
  const QFontMetricsF smallMetrics(small);
  const double width = size.width;
  const double height = size.height;

  // Dataset names under their groups: turned by 30 degrees when they do not fit a group.
  double longestName = 0;
  for (const DatasetAccuracy& row : rows)
  {
    longestName =
      std::max(longestName, labelMetrics.horizontalAdvance(QString::fromStdString(row.dataset)));
  }
  const double left = labelMetrics.height() * 2 + labelMetrics.horizontalAdvance("100") + 6 * pt;
  const double right = width - 8 * pt;
  const double groupWidth = (right - left) / static_cast<double>(rows.size());
  const bool turned = longestName > groupWidth * 0.95;
  const double nameSpace = turned
                             ? std::min(longestName * 0.5 + labelMetrics.height(), height * 0.35)
                             : labelMetrics.height();
  const double top = 18 * pt + labelMetrics.height() * 1.6;
  const double bottom = height - 6 * pt - nameSpace - smallMetrics.height() * 1.4;
  auto yOf = [&](double fraction) { return bottom - (bottom - top) * fraction; };

  painter.setPen(kInk);
  painter.setFont(title);
  painter.drawText(QRectF(left, 2 * pt, right - left, 14 * pt),
                   Qt::AlignLeft | Qt::AlignVCenter,
                   QStringLiteral("Top-1 accuracy: baseline vs BMFL"));

  // Axis, grid and ticks (0-100%).
  painter.setFont(label);
  for (int tick = 0; tick <= 100; tick += 20)
  {
    const double y = yOf(tick / 100.0);
    painter.setPen(QPen(kGrid, 0.5 * pt));
    painter.drawLine(QPointF(left, y), QPointF(right, y));
    painter.setPen(QPen(kInk, 0.75 * pt));
    painter.drawLine(QPointF(left - 3 * pt, y), QPointF(left, y));
    painter.drawText(QRectF(0, y - labelMetrics.height() / 2, left - 5 * pt, labelMetrics.height()),
                     Qt::AlignRight | Qt::AlignVCenter,
                     QString::number(tick));
  }
  painter.drawLine(QPointF(left, top), QPointF(left, bottom));
  painter.drawLine(QPointF(left, bottom), QPointF(right, bottom));
  painter.save();
  painter.translate(labelMetrics.height() * 0.9, (top + bottom) / 2);
  painter.rotate(-90);
  painter.drawText(
    QRectF(-(bottom - top) / 2, -labelMetrics.height(), bottom - top, labelMetrics.height() * 1.2),
    Qt::AlignCenter,
    QStringLiteral("Top-1 accuracy (%)"));
  painter.restore();

  // Legend, top right.
  const double swatch = labelMetrics.height() * 0.7;
  const QString legend[] = { QStringLiteral("Baseline (linear probe)"), QStringLiteral("BMFL") };
  const QColor colours[] = { kBaselineColour, kBmflColour };
  const QString note = QStringLiteral("error bars: Wilson 95% CI");
  double x = right - smallMetrics.horizontalAdvance(note);
  painter.setFont(small);
  painter.drawText(QPointF(x, top - labelMetrics.height() * 0.5), note);
  painter.setFont(label);
  for (int i = 1; i >= 0; --i)
  {
    x -= labelMetrics.horizontalAdvance(legend[i]) + swatch + 14 * pt;
    painter.fillRect(QRectF(x, top - labelMetrics.height() * 0.5 - swatch, swatch, swatch),
                     colours[i]);
    painter.setPen(kInk);
    painter.drawText(QPointF(x + swatch + 3 * pt, top - labelMetrics.height() * 0.5), legend[i]);
  }

  // Two bars per dataset, each with its interval.
  const double barWidth = std::min(groupWidth * 0.32, 40 * pt);
  for (std::size_t r = 0; r < rows.size(); ++r)
  {
    const DatasetAccuracy& row = rows[r];
    const double centre = left + groupWidth * (static_cast<double>(r) + 0.5);
    const double accuracies[] = { row.baselineAccuracy(), row.bmflAccuracy() };
    const Interval intervals[] = { row.baselineInterval(), row.bmflInterval() };
    for (int head = 0; head < 2; ++head)
    {
      const double barLeft = centre + (head == 0 ? -barWidth - 1 * pt : 1 * pt);
      painter.fillRect(
        QRectF(barLeft, yOf(accuracies[head]), barWidth, bottom - yOf(accuracies[head])),
        colours[head]);
      painter.setPen(QPen(kInk, 0.9 * pt));
      drawErrorBar(painter,
                   barLeft + barWidth / 2,
                   yOf(intervals[head].high),
                   yOf(intervals[head].low),
                   barWidth * 0.2);
    }
    painter.setPen(kInk);
    painter.setFont(small);
    painter.drawText(
      QRectF(centre - groupWidth / 2, bottom + 2 * pt, groupWidth, smallMetrics.height()),
      Qt::AlignHCenter | Qt::AlignTop,
      QStringLiteral("n = %1").arg(row.images));
    painter.setFont(label);
    const QString name = QString::fromStdString(row.dataset);
    const double nameTop = bottom + 4 * pt + smallMetrics.height();
    if (turned)
    {
      painter.save();
      painter.translate(centre, nameTop);
      painter.rotate(-30);
      const QString shown = labelMetrics.elidedText(name, Qt::ElideMiddle, nameSpace * 2);
      painter.drawText(QPointF(-labelMetrics.horizontalAdvance(shown), labelMetrics.ascent()),
                       shown);
      painter.restore();
    }
    else
    {
      painter.drawText(QRectF(centre - groupWidth / 2, nameTop, groupWidth, labelMetrics.height()),
                       Qt::AlignHCenter | Qt::AlignTop,
                       name);
    }
  }
}

} // namespace

void writeAccuracyChart(const std::string& path,
                        const std::vector<DatasetAccuracy>& rows,
                        const FigureSize& size,
                        const FigureProvenance& provenance)
{
  std::vector<DatasetAccuracy> measured;
  std::copy_if(rows.begin(),
               rows.end(),
               std::back_inserter(measured),
               [](const DatasetAccuracy& row) { return row.images > 0; });
  if (measured.empty())
  {
    throw std::invalid_argument("accuracy chart: no dataset has been evaluated yet");
  }
  writeFigure(
    path, size, provenance, [&](QPainter& painter) { drawChart(painter, measured, size); });
}

} // namespace bmfl
