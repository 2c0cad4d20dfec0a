#pragma once

#include "bmfl/Evaluation.h"
#include "bmfl/ImageDataset.h"

#include <QWidget>

#include <memory>
#include <vector>

class QCheckBox;
class QComboBox;
class QListView;
class QLabel;

namespace bmfl
{

class DatasetThumbnailModel;

/// Which images of a dataset the browser shows.
struct BrowserFilter
{
  enum class Verdict
  {
    Any,
    Right,
    Wrong
  };
  int trueClass = -1; ///< a label of the dataset; -1: every class
  Verdict baseline = Verdict::Any;
  Verdict bmfl = Verdict::Any;
  bool headsDisagree = false; ///< the two heads predict different classes

  /// Whether the filter needs the evaluation's per-image verdicts.
  bool byVerdict() const
  {
    return baseline != Verdict::Any || bmfl != Verdict::Any || headsDisagree;
  }
  bool operator==(const BrowserFilter& other) const
  {
    return trueClass == other.trueClass && baseline == other.baseline && bmfl == other.bmfl &&
           headsDisagree == other.headsDisagree;
  }
};

/// The items of a dataset that a filter keeps, in index order: one pass over the labels, or over
/// the verdicts (an evaluation's, in index order) when it filters by them; with no verdicts such
/// a filter keeps nothing.
std::vector<std::size_t> filterItems(const ImageDataset& dataset,
                                     const std::vector<ImageVerdict>* verdicts,
                                     const BrowserFilter& filter);

/// The opened datasets, one at a time as a grid of thumbnails (decoded lazily, on worker
/// threads, only for the items shown), filtered by true class and by the heads' verdicts once
/// the dataset is evaluated. Selecting an item asks for its analysis.
class DatasetBrowser : public QWidget
{
  Q_OBJECT

public:
  explicit DatasetBrowser(QWidget* parent = nullptr);
  ~DatasetBrowser() override;

  void setDatasets(std::vector<std::shared_ptr<const ImageDataset>> datasets);
  /// A dataset's per-image verdicts (from an evaluation that kept them), for the filters.
  void setVerdicts(int datasetIndex, std::shared_ptr<const std::vector<ImageVerdict>> verdicts);
  int currentDataset() const;
  /// Shows a dataset with a filter (the accuracy table's cells open their images so).
  void showFiltered(int datasetIndex, const BrowserFilter& filter);
  void setFilter(const BrowserFilter& filter);
  const BrowserFilter& filter() const { return Filter; }
  /// The images shown after filtering, and the dataset item of each row.
  std::size_t shownCount() const;
  std::size_t shownItem(std::size_t row) const;
  /// Thumbnails of the visible items still being decoded, after laying out and painting the
  /// grid now (screenshots wait for none).
  int pendingThumbnails();
  /// Selects an item (and emits itemActivated), e.g. the first image at start-up; a filter that
  /// hides it is cleared.
  void selectItem(int datasetIndex, std::size_t itemIndex);

signals:
  void itemActivated(int datasetIndex, qulonglong itemIndex);
  /// "Pin as A" chosen in an item's context menu.
  void pinRequested(int datasetIndex, qulonglong itemIndex);

protected:
  void changeEvent(QEvent* event) override;

private:
  void showDataset(int index);
  void fillClassChooser();
  void readFilterRow();
  void showFilterRow();
  void applyFilter();
  void updateSummary();
  void retranslate();
  void showContextMenu(const QPoint& position);

  std::vector<std::shared_ptr<const ImageDataset>> Datasets;
  std::vector<std::shared_ptr<const std::vector<ImageVerdict>>> Verdicts; ///< per dataset
  BrowserFilter Filter;
  QComboBox* Chooser = nullptr;
  QComboBox* ClassFilter = nullptr;
  QComboBox* BaselineFilter = nullptr;
  QComboBox* BmflFilter = nullptr;
  QCheckBox* DisagreeFilter = nullptr;
  QListView* Grid = nullptr;
  QLabel* Summary = nullptr;
  DatasetThumbnailModel* Model = nullptr;
};

} // namespace bmfl
