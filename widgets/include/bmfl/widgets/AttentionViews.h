#pragma once

#include "bmfl/ImageResult.h"

#include <QImage>
#include <QWidget>

#include <vector>

namespace bmfl
{

/// The image the model saw (its centre crop) under the fusion's brain [CLS] -> image patch
/// attention, drawn as a heat map over the patch grid.
class ImageAttentionView : public QWidget
{
  Q_OBJECT

public:
  explicit ImageAttentionView(QWidget* parent = nullptr);

  void setImage(const QImage& modelInput);
  /// Row-major weights over gridHeight x gridWidth patches; empty clears the heat map.
  void setAttention(std::vector<float> weights, int gridHeight, int gridWidth);
  void setOpacity(double opacity); ///< 0 (image only) .. 1
  double opacity() const { return Opacity; }
  void clear();

  /// The heat map alone as an image of gridWidth x gridHeight (for export and tests).
  QImage heatMap() const;

  QSize sizeHint() const override { return { 280, 300 }; }

protected:
  void paintEvent(QPaintEvent* event) override;

private:
  QImage Image;
  std::vector<float> Weights;
  int GridHeight = 0;
  int GridWidth = 0;
  double Opacity = 0.6;
};

/// The fusion's image [CLS] -> brain token attention as a ranked horizontal bar chart: one bar per
/// brain token (an ROI, named in full, or a slice of vertices), the largest weight on top, each
/// weight as a percentage of the whole, with the uniform level 1/T marked. Tokens that do not fit
/// the widget's height are summed in a last row.
class BrainTokenAttentionChart : public QWidget
{
  Q_OBJECT

public:
  explicit BrainTokenAttentionChart(QWidget* parent = nullptr);

  void setAttention(std::vector<float> weights, std::vector<BrainToken> tokens);
  void clear();

  /// The index of the most attended token, or -1.
  int strongestToken() const;
  /// The tokens in the order of their rows: largest weight first (ties in token order).
  const std::vector<int>& ranking() const { return Ranking; }
  /// The name a token's row shows: an ROI token's area in full ("V1v (left)" -> "V1v, V1
  /// ventral (left)"), a slice's own name.
  QString tokenLabel(int token) const;
  /// The token whose row is at a point of the widget, or -1: its tooltip gives the full name,
  /// which the row's label may elide.
  int tokenAt(const QPoint& point) const;
  /// How many rows show a token of their own (the rest are summed in a last row).
  int shownRows() const;

  QSize sizeHint() const override;

protected:
  bool event(QEvent* event) override;
  void paintEvent(QPaintEvent* event) override;

private:
  int rowHeight() const;
  int rowsTop() const;

  std::vector<float> Weights;
  std::vector<BrainToken> Tokens;
  std::vector<int> Ranking;
};

} // namespace bmfl
