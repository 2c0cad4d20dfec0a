#include "bmfl/widgets/FigureWriter.h"
#include "bmfl/widgets/Figures.h"
#include "bmfl/widgets/QtImage.h"

#include <QFont>
#include <QFontMetricsF>
#include <QImage>
#include <QLinearGradient>
#include <QPainter>
#include <QPainterPath>
#include <QString>

#include <algorithm>
#include <cmath>
#include <set>
#include <stdexcept>

namespace bmfl
{

namespace
{

const QColor kInk(30, 30, 30);
const QColor kMuted(95, 95, 95);
const QColor kBorderInk(20, 20, 20);
const QColor kBaselineColour(110, 130, 160); // as the accuracy chart and the prediction panel
const QColor kBmflColour(196, 78, 52);

/// Sizes in points turned into the figure's pixels.
class Style
{
public:
  explicit Style(const FigureSize& size)
    : Size(size)
  {
  }

  double pt(double points) const { return figurePoints(Size, points); }

  QFont font(double points, bool bold = false) const
  {
    QFont font(QStringLiteral("DejaVu Sans"));
    font.setPixelSize(std::max(1, static_cast<int>(std::lround(pt(points)))));
    font.setBold(bold);
    return font;
  }

  void text(QPainter& painter,
            const QRectF& rect,
            int flags,
            const QString& text,
            double points,
            const QColor& colour = kInk,
            bool bold = false) const
  {
    painter.setFont(font(points, bold));
    painter.setPen(colour);
    painter.drawText(rect, flags, text);
  }

private:
  FigureSize Size;
};

QString qs(const std::string& text)
{
  return QString::fromStdString(text);
}

QString number(double value)
{
  return QString::number(value, 'g', 3);
}

QString capitalised(const char* key)
{
  QString text = QString::fromLatin1(key);
  if (!text.isEmpty())
  {
    text[0] = text[0].toUpper();
  }
  return text;
}

/// One hemisphere's colours and labels, ready to render in any view.
struct PreparedHemisphere
{
  const HemisphereSurface* surface = nullptr;
  std::vector<std::uint8_t> colours;
  std::vector<std::int32_t> labels; ///< empty: no borders
};

std::vector<PreparedHemisphere> prepareHemispheres(const CortexFigureContent& content)
{
  if (!content.surface)
  {
    throw std::invalid_argument("a cortex figure needs a surface");
  }
  std::vector<PreparedHemisphere> sides;
  for (const HemisphereSurface* surface : { &content.surface->left, &content.surface->right })
  {
    PreparedHemisphere side;
    side.surface = surface;
    HemisphereColouring colouring = prepareHemisphereColouring(*surface);
    side.colours = hemisphereColours(*surface, content.overlay, colouring);
    if (content.borders)
    {
      TemplateLabels labels = *content.borders;
      if (labels.nestedCount > 0)
      {
        spreadOverFinerMesh(
          labels, surface->hemisphere, nearestNestedVertices(surface->mesh, labels.nestedCount));
      }
      side.labels = labels.of(surface->hemisphere);
      if (side.labels.size() != surface->mesh.vertexCount())
      {
        throw std::invalid_argument("the borders' labels (" + content.borders->templateName +
                                    ") do not fit the surface (" + content.surface->templateName +
                                    ")");
      }
    }
    sides.push_back(std::move(side));
  }
  return sides;
}

/// Renders one hemisphere into a cell: the surface as an embedded raster at the figure's
/// resolution, its borders as vector polylines. Returns the bordered labels.
std::vector<std::int32_t> drawHemisphere(QPainter& painter,
                                         const Style& style,
                                         const QRectF& cell,
                                         const PreparedHemisphere& side,
                                         SurfaceView view)
{
  SurfaceRenderOptions options;
  options.width = std::max(1, static_cast<int>(std::lround(cell.width())));
  options.height = std::max(1, static_cast<int>(std::lround(cell.height())));
  options.margin = 0.02F;
  const SurfaceImage rendered = renderSurface(side.surface->mesh,
                                              side.colours,
                                              surfaceCamera(view, side.surface->hemisphere),
                                              options,
                                              side.labels);
  const QImage image(rendered.rgba.data(),
                     rendered.width,
                     rendered.height,
                     4 * rendered.width,
                     QImage::Format_RGBA8888);
  painter.drawImage(QRectF(cell.topLeft(), QSizeF(rendered.width, rendered.height)), image.copy());
  if (!rendered.borders.empty())
  {
    QPainterPath path;
    for (const BorderPolyline& line : rendered.borders)
    {
      path.moveTo(cell.left() + line.points[0], cell.top() + line.points[1]);
      for (std::size_t i = 1; i < line.pointCount(); ++i)
      {
        path.lineTo(cell.left() + line.points[2 * i], cell.top() + line.points[2 * i + 1]);
      }
    }
    QPen pen(kBorderInk);
    pen.setWidthF(style.pt(0.6));
    pen.setJoinStyle(Qt::RoundJoin);
    pen.setCapStyle(Qt::RoundCap);
    painter.setPen(pen);
    painter.setBrush(Qt::NoBrush);
    painter.drawPath(path);
  }
  return rendered.borderedLabels;
}

/// Fills bar with a colormap running from start (its lowest value) to end, outlined in ink.
void drawColourRamp(QPainter& painter,
                    const Style& style,
                    const QRectF& bar,
                    const QPointF& start,
                    const QPointF& end,
                    OverlayColormap colormap)
{
  QLinearGradient gradient(start, end);
  constexpr int kStops = 32;
  for (int i = 0; i <= kStops; ++i)
  {
    const float t = static_cast<float>(i) / kStops;
    const auto rgb = overlayColour(colormap, t);
    gradient.setColorAt(t, QColor(rgb[0], rgb[1], rgb[2]));
  }
  painter.setPen(Qt::NoPen);
  painter.setBrush(gradient);
  painter.drawRect(bar);
  QPen outline(kInk);
  outline.setWidthF(style.pt(0.5));
  painter.setPen(outline);
  painter.setBrush(Qt::NoBrush);
  painter.drawRect(bar);
}

/// A horizontal colour bar: title above, gradient, ticks and labels below. Returns its height.
double drawColourBar(QPainter& painter,
                     const Style& style,
                     const QRectF& area,
                     OverlayColormap colormap,
                     double minimum,
                     double maximum,
                     const QString& title)
{
  const double titleHeight = style.pt(8) * 1.5;
  const double barHeight = style.pt(7);
  const QRectF bar(area.left(), area.top() + titleHeight, area.width(), barHeight);
  style.text(painter,
             QRectF(area.left(), area.top(), area.width(), titleHeight),
             Qt::AlignHCenter | Qt::AlignVCenter,
             title,
             8);
  drawColourRamp(painter, style, bar, bar.topLeft(), bar.topRight(), colormap);
  QPen outline(kInk);
  outline.setWidthF(style.pt(0.5));
  const double tick = style.pt(2.5);
  const double labelWidth = style.pt(40);
  for (int i = 0; i <= 4; ++i)
  {
    const double f = i / 4.0;
    const double x = bar.left() + f * bar.width();
    painter.setPen(outline);
    painter.drawLine(QPointF(x, bar.bottom()), QPointF(x, bar.bottom() + tick));
    const double value = minimum + f * (maximum - minimum);
    style.text(painter,
               QRectF(x - labelWidth / 2, bar.bottom() + tick, labelWidth, style.pt(7) * 1.5),
               Qt::AlignHCenter | Qt::AlignTop,
               number(std::abs(value) < 1e-9 * std::max(1.0, std::abs(maximum)) ? 0.0 : value),
               7);
  }
  return titleHeight + barHeight + tick + style.pt(7) * 1.5;
}

/// The legend of the bordered areas: "Borders (source): V1, V2 ..." wrapped to the width.
void drawLegend(QPainter& painter,
                const Style& style,
                const QRectF& area,
                const TemplateLabels& labels,
                const std::set<std::int32_t>& bordered)
{
  if (bordered.empty())
  {
    return;
  }
  QStringList names;
  constexpr std::size_t kMostNames = 40;
  for (std::int32_t label : bordered)
  {
    if (names.size() == static_cast<qsizetype>(kMostNames))
    {
      names << QStringLiteral("and %1 more").arg(bordered.size() - kMostNames);
      break;
    }
    if (label > 0 && static_cast<std::size_t>(label) < labels.names.size())
    {
      names << qs(labels.names[static_cast<std::size_t>(label)]);
    }
  }
  const QString text =
    QStringLiteral("%1 borders: %2")
      .arg(qs(roiLabelSourceTitle(labels.source)), names.join(QStringLiteral(", ")));
  style.text(painter, area, Qt::TextWordWrap | Qt::AlignHCenter | Qt::AlignTop, text, 7, kMuted);
}

/// The colour range and title of the overlay's bar.
QString barTitle(const CortexFigureContent& content)
{
  return qs(content.colourBarTitle.empty() ? content.overlay->title : content.colourBarTitle);
}

/// The cortex panel: a row per view, a column per hemisphere, the colour bar and the legend
/// under them.
void drawCortexPanel(QPainter& painter,
                     const Style& style,
                     const QRectF& area,
                     const CortexFigureContent& content)
{
  const std::vector<PreparedHemisphere> sides = prepareHemispheres(content);
  const std::vector<SurfaceView> views =
    content.views.empty() ? std::vector<SurfaceView>{ SurfaceView::Lateral } : content.views;
  const double headerHeight = style.pt(8) * 1.8;
  const double rowLabelWidth = views.size() > 1 ? style.pt(8) * 2.0 : 0.0;
  const double gap = style.pt(6);

  // What goes under the views, measured first: the colour bar and the legend.
  double barHeight = 0.0;
  if (content.overlay)
  {
    barHeight = style.pt(8) * 1.5 + style.pt(7) + style.pt(2.5) + style.pt(7) * 1.5;
  }
  // The legend: up to three lines of names.
  const double legendReserve = content.borders ? style.pt(7) * 1.4 * 3 : 0.0;
  const double gridTop = area.top() + headerHeight;
  const double gridHeight = area.height() - headerHeight - barHeight - legendReserve -
                            (barHeight > 0 ? gap : 0.0) - (legendReserve > 0 ? gap : 0.0);
  const double gridLeft = area.left() + rowLabelWidth;
  const double cellWidth = (area.width() - rowLabelWidth) / 2.0;
  const double cellHeight = gridHeight / static_cast<double>(views.size());
  if (cellWidth < 4.0 || cellHeight < 4.0)
  {
    throw std::invalid_argument(
      "the figure is too small for its cortex views at its DPI (a larger size or a lower DPI)");
  }

  const char* const sideNames[2] = { "Left hemisphere", "Right hemisphere" };
  for (int column = 0; column < 2; ++column)
  {
    style.text(painter,
               QRectF(gridLeft + column * cellWidth, area.top(), cellWidth, headerHeight),
               Qt::AlignHCenter | Qt::AlignVCenter,
               QString::fromLatin1(sideNames[column]),
               8,
               kInk,
               true);
  }
  std::set<std::int32_t> bordered;
  for (std::size_t row = 0; row < views.size(); ++row)
  {
    const double top = gridTop + static_cast<double>(row) * cellHeight;
    if (rowLabelWidth > 0.0)
    {
      painter.save();
      painter.translate(area.left() + rowLabelWidth / 2.0, top + cellHeight / 2.0);
      painter.rotate(-90.0);
      style.text(painter,
                 QRectF(-cellHeight / 2.0, -rowLabelWidth / 2.0, cellHeight, rowLabelWidth),
                 Qt::AlignCenter,
                 capitalised(surfaceViewKey(views[row])),
                 8,
                 kInk,
                 true);
      painter.restore();
    }
    for (int column = 0; column < 2; ++column)
    {
      const QRectF cell(gridLeft + column * cellWidth, top, cellWidth, cellHeight);
      for (std::int32_t label : drawHemisphere(
             painter, style, cell, sides[static_cast<std::size_t>(column)], views[row]))
      {
        bordered.insert(label);
      }
    }
  }
  double y = gridTop + gridHeight;
  if (content.overlay)
  {
    y += gap;
    const double barWidth = std::min(area.width() * 0.6, style.pt(200));
    const QRectF barArea(area.center().x() - barWidth / 2.0, y, barWidth, barHeight);
    y += drawColourBar(painter,
                       style,
                       barArea,
                       content.overlay->colormap,
                       content.overlay->rangeMinimum,
                       content.overlay->rangeMaximum,
                       barTitle(content));
  }
  if (content.borders)
  {
    y += gap;
    drawLegend(painter,
               style,
               QRectF(area.left(), y, area.width(), legendReserve),
               *content.borders,
               bordered);
  }
}

/// A panel's letter and title at its top left; returns the height used.
double drawPanelTitle(QPainter& painter,
                      const Style& style,
                      const QRectF& area,
                      const QString& letter,
                      const QString& title)
{
  const double height = style.pt(10) * 1.6;
  style.text(painter,
             QRectF(area.left(), area.top(), style.pt(14), height),
             Qt::AlignLeft | Qt::AlignVCenter,
             letter,
             11,
             kInk,
             true);
  style.text(painter,
             QRectF(area.left() + style.pt(14), area.top(), area.width(), height),
             Qt::AlignLeft | Qt::AlignVCenter,
             title,
             9,
             kInk,
             true);
  return height;
}

/// The attention grid bilinearly upsampled to the drawn size, coloured (sequential map from the
/// smallest to the largest weight) with an alpha that grows with the weight: low attention leaves
/// the image visible.
QImage attentionOverlay(const ImageResult& result,
                        int width,
                        int height,
                        float minimum,
                        float maximum)
{
  QImage overlay(width, height, QImage::Format_ARGB32);
  const int rows = result.gridHeight;
  const int columns = result.gridWidth;
  auto at = [&](int r, int c)
  {
    return result.brainToImageAttention[static_cast<std::size_t>(
      std::clamp(r, 0, rows - 1) * columns + std::clamp(c, 0, columns - 1))];
  };
  for (int y = 0; y < height; ++y)
  {
    const double gy = (y + 0.5) * rows / height - 0.5;
    const int r0 = static_cast<int>(std::floor(gy));
    const double fy = gy - r0;
    auto* line = reinterpret_cast<QRgb*>(overlay.scanLine(y));
    for (int x = 0; x < width; ++x)
    {
      const double gx = (x + 0.5) * columns / width - 0.5;
      const int c0 = static_cast<int>(std::floor(gx));
      const double fx = gx - c0;
      const double value = (1 - fy) * ((1 - fx) * at(r0, c0) + fx * at(r0, c0 + 1)) +
                           fy * ((1 - fx) * at(r0 + 1, c0) + fx * at(r0 + 1, c0 + 1));
      const float t =
        maximum > minimum ? (static_cast<float>(value) - minimum) / (maximum - minimum) : 0.0F;
      const auto rgb = overlayColour(OverlayColormap::Sequential, t);
      const int alpha =
        static_cast<int>(std::lround(255.0 * std::clamp(0.05 + 0.6 * t, 0.0, 0.65)));
      line[x] = qRgba(rgb[0], rgb[1], rgb[2], alpha);
    }
  }
  return overlay;
}

void drawAttentionPanel(QPainter& painter,
                        const Style& style,
                        const QRectF& area,
                        const Image& image,
                        const ImageResult* result)
{
  const bool withAttention = result && !result->brainToImageAttention.empty() &&
                             result->gridHeight > 0 && result->gridWidth > 0 &&
                             result->brainToImageAttention.size() ==
                               static_cast<std::size_t>(result->gridHeight * result->gridWidth);
  double top =
    area.top() + drawPanelTitle(painter,
                                style,
                                area,
                                QStringLiteral("B"),
                                withAttention ? QStringLiteral("Brain \u2192 image attention")
                                              : QStringLiteral("Image"));
  const double barSpace = withAttention ? style.pt(34) : 0.0;
  const double side = std::max(1.0, std::min(area.width() - barSpace, area.bottom() - top));
  const QRectF picture(area.left() + (area.width() - barSpace - side) / 2.0, top, side, side);
  const int pixels = std::max(1, static_cast<int>(std::lround(side)));
  const QImage shown = toQImage(image)
                         .convertToFormat(QImage::Format_RGB32)
                         .scaled(pixels, pixels, Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
  painter.drawImage(picture, shown);
  if (!withAttention)
  {
    return;
  }
  const auto [low, high] =
    std::minmax_element(result->brainToImageAttention.begin(), result->brainToImageAttention.end());
  const float minimum = *low;
  const float maximum = *high;
  painter.drawImage(picture, attentionOverlay(*result, pixels, pixels, minimum, maximum));
  // A vertical colour bar: the smallest weight at the bottom, the largest at the top.
  const QRectF bar(picture.right() + style.pt(6),
                   picture.top() + style.pt(4),
                   style.pt(5),
                   picture.height() - style.pt(8));
  drawColourRamp(painter, style, bar, bar.bottomLeft(), bar.topLeft(), OverlayColormap::Sequential);
  const double labelLeft = bar.right() + style.pt(2);
  const double labelHeight = style.pt(7) * 1.4;
  style.text(painter,
             QRectF(labelLeft, bar.top() - labelHeight / 2, style.pt(30), labelHeight),
             Qt::AlignLeft | Qt::AlignVCenter,
             number(maximum),
             6.5);
  style.text(painter,
             QRectF(labelLeft, bar.bottom() - labelHeight / 2, style.pt(30), labelHeight),
             Qt::AlignLeft | Qt::AlignVCenter,
             number(minimum),
             6.5);
  painter.save();
  painter.translate(labelLeft + style.pt(14), bar.center().y());
  painter.rotate(-90.0);
  style.text(painter,
             QRectF(-bar.height() / 2, -style.pt(5), bar.height(), style.pt(10)),
             Qt::AlignCenter,
             QStringLiteral("attention weight"),
             6.5,
             kMuted);
  painter.restore();
}

void drawTopK(QPainter& painter, const Style& style, const QRectF& area, const ImageResult& result)
{
  double top = area.top() +
               drawPanelTitle(painter,
                              style,
                              area,
                              QStringLiteral("C"),
                              QStringLiteral("Top-%1 predictions")
                                .arg(std::max(result.bmflTopK.size(), result.baselineTopK.size())));
  const std::pair<const char*, const std::vector<ClassScore>*> heads[2] = {
    { "BMFL head", &result.bmflTopK }, { "Baseline (linear probe)", &result.baselineTopK }
  };
  const QColor colours[2] = { kBmflColour, kBaselineColour };
  const std::size_t rows = result.bmflTopK.size() + result.baselineTopK.size();
  const double headHeight = style.pt(8) * 1.6;
  const double rowHeight = std::min(style.pt(8) * 1.5,
                                    (area.bottom() - top - 2 * headHeight) /
                                      static_cast<double>(std::max<std::size_t>(1, rows)));
  const double nameWidth = area.width() * 0.42;
  const double valueWidth = style.pt(24);
  const double barLeft = area.left() + nameWidth + style.pt(4);
  const double barWidth = std::max(1.0, area.right() - valueWidth - barLeft);
  const QFontMetricsF nameMetrics(style.font(7));
  for (int head = 0; head < 2; ++head)
  {
    style.text(painter,
               QRectF(area.left(), top, area.width(), headHeight),
               Qt::AlignLeft | Qt::AlignVCenter,
               QString::fromLatin1(heads[head].first),
               8,
               colours[head],
               true);
    top += headHeight;
    for (const ClassScore& score : *heads[head].second)
    {
      const QString name =
        nameMetrics.elidedText(qs(score.name), Qt::ElideRight, nameWidth - style.pt(2));
      style.text(painter,
                 QRectF(area.left(), top, nameWidth, rowHeight),
                 Qt::AlignRight | Qt::AlignVCenter,
                 name,
                 7);
      const double probability = std::clamp(static_cast<double>(score.probability), 0.0, 1.0);
      painter.setPen(Qt::NoPen);
      painter.setBrush(colours[head]);
      painter.drawRect(
        QRectF(barLeft, top + rowHeight * 0.18, barWidth * probability, rowHeight * 0.64));
      style.text(painter,
                 QRectF(barLeft + barWidth * probability + style.pt(2), top, valueWidth, rowHeight),
                 Qt::AlignLeft | Qt::AlignVCenter,
                 QString::number(probability, 'f', 2),
                 6.5);
      top += rowHeight;
    }
  }
  // The probability axis: 0 and 1 under the bars.
  QPen axis(kMuted);
  axis.setWidthF(style.pt(0.5));
  painter.setPen(axis);
  painter.drawLine(QPointF(barLeft, top + style.pt(1)),
                   QPointF(barLeft + barWidth, top + style.pt(1)));
  for (int i = 0; i <= 4; ++i)
  {
    const double x = barLeft + barWidth * i / 4.0;
    painter.setPen(axis);
    painter.drawLine(QPointF(x, top + style.pt(1)), QPointF(x, top + style.pt(3)));
    style.text(painter,
               QRectF(x - style.pt(12), top + style.pt(3), style.pt(24), style.pt(8)),
               Qt::AlignHCenter | Qt::AlignTop,
               QString::number(i / 4.0, 'g', 2),
               6,
               kMuted);
  }
  style.text(painter,
             QRectF(barLeft, top + style.pt(10), barWidth, style.pt(9)),
             Qt::AlignHCenter | Qt::AlignTop,
             QStringLiteral("probability"),
             6.5,
             kMuted);
}

} // namespace

void writeCompositeFigure(const std::string& path,
                          const CompositeFigureContent& content,
                          const FigureSize& size,
                          const FigureProvenance& provenance)
{
  figureFormatFor(path); // an unknown extension fails before any rendering
  writeFigure(
    path,
    size,
    provenance,
    [&](QPainter& painter)
    {
      const Style style(size);
      const double margin = style.pt(8);
      const double captionHeight = content.caption.empty() ? 0.0 : style.pt(8) * 1.8;
      const QRectF page(
        margin, margin, size.width - 2 * margin, size.height - 2 * margin - captionHeight);
      const bool side = content.image || content.result;
      const double gap = style.pt(12);
      const double cortexWidth = side ? (page.width() - gap) * 0.62 : page.width();
      const QRectF cortexArea(page.left(), page.top(), cortexWidth, page.height());
      const double titleHeight = drawPanelTitle(painter,
                                                style,
                                                cortexArea,
                                                QStringLiteral("A"),
                                                QStringLiteral("Predicted cortical response"));
      drawCortexPanel(painter, style, cortexArea.adjusted(0, titleHeight, 0, 0), content.cortex);
      if (side)
      {
        const QRectF right(page.left() + cortexWidth + gap,
                           page.top(),
                           page.width() - cortexWidth - gap,
                           page.height());
        double used = 0.0;
        if (content.image)
        {
          const double imageHeight = content.result ? right.height() * 0.52 : right.height();
          drawAttentionPanel(painter,
                             style,
                             QRectF(right.left(), right.top(), right.width(), imageHeight),
                             *content.image,
                             content.result);
          used = imageHeight + style.pt(8);
        }
        if (content.result)
        {
          drawTopK(painter, style, right.adjusted(0, used, 0, -style.pt(22)), *content.result);
        }
      }
      if (!content.caption.empty())
      {
        style.text(
          painter,
          QRectF(
            margin, size.height - margin - captionHeight, size.width - 2 * margin, captionHeight),
          Qt::AlignLeft | Qt::AlignVCenter,
          qs(content.caption),
          7,
          kMuted);
      }
    });
}

void writeCortexFigure(const std::string& path,
                       const CortexFigureContent& cortex,
                       const FigureSize& size,
                       const FigureProvenance& provenance)
{
  figureFormatFor(path);
  CortexFigureContent oneView = cortex;
  oneView.views = { cortex.views.empty() ? SurfaceView::Lateral : cortex.views.front() };
  writeFigure(path,
              size,
              provenance,
              [&](QPainter& painter)
              {
                const Style style(size);
                const double margin = style.pt(6);
                drawCortexPanel(
                  painter,
                  style,
                  QRectF(margin, margin, size.width - 2 * margin, size.height - 2 * margin),
                  oneView);
              });
}

} // namespace bmfl
