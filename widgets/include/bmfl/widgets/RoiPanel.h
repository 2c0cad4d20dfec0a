#pragma once

#include "bmfl/RoiLabels.h"

#include <QWidget>

#include <memory>
#include <vector>

class QLabel;
class QTableWidget;

namespace bmfl
{

class RoiBarDelegate;

/// The predicted response per ROI of one label source: one row per ROI and hemisphere with the
/// area's colour and full name, hemisphere, vertex count, mean (with an inline bar) and SD over
/// its vertices; sortable by any column. Without responses (no image yet) it lists the source's
/// areas as a legend. A view: it observes the labels it is given, never edits them.
class RoiPanel : public QWidget
{
  Q_OBJECT

public:
  /// The table's columns.
  enum Column
  {
    NameColumn,
    HemisphereColumn,
    VerticesColumn,
    MeanColumn,
    SdColumn,
    ColumnCount
  };

  explicit RoiPanel(QWidget* parent = nullptr);

  /// Shows the ROIs of labels with their responses (from roiResponses over the same labels);
  /// empty responses: the areas present on the template, without values. nullptr clears.
  void setRois(std::shared_ptr<const TemplateLabels> labels, std::vector<RoiResponse> responses);
  const TemplateLabels* labels() const { return Labels.get(); }

  QTableWidget* table() const { return Table; }
  /// The ROI a row shows now (after sorting): its hemisphere and label; label 0 for no such row.
  RoiResponse roiAt(int row) const;

signals:
  /// A row was clicked: highlight this ROI.
  void roiSelected(bmfl::Hemisphere hemisphere, int label);
  /// A row was double-clicked: frame this ROI.
  void roiActivated(bmfl::Hemisphere hemisphere, int label);

protected:
  void changeEvent(QEvent* event) override;

private:
  void fill();
  void retranslate();

  std::shared_ptr<const TemplateLabels> Labels;
  std::vector<RoiResponse> Responses;
  QLabel* Caption = nullptr;
  QTableWidget* Table = nullptr;
  RoiBarDelegate* Bars = nullptr;
};

} // namespace bmfl
