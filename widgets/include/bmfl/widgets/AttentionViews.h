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

/// The fusion's image [CLS] -> brain token attention as bars, one per brain token (an ROI, or
/// a slice of vertices), with the uniform level 1/T marked.
class BrainTokenAttentionChart : public QWidget
{
  Q_OBJECT

public:
  explicit BrainTokenAttentionChart(QWidget* parent = nullptr);

  void setAttention(std::vector<float> weights, std::vector<BrainToken> tokens);
  void clear();

  /// The index of the most attended token, or -1.
  int strongestToken() const;
  /// The token whose row is at a point of the widget, or -1: its tooltip gives the full name,
  /// which the row's label may elide.
  int tokenAt(const QPoint& point) const;

  QSize sizeHint() const override;

protected:
  bool event(QEvent* event) override;
  void paintEvent(QPaintEvent* event) override;

private:
  int rowHeight() const;

  std::vector<float> Weights;
  std::vector<BrainToken> Tokens;
};

} // namespace bmfl
