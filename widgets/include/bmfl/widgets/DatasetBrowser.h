#pragma once

#include "bmfl/ImageDataset.h"

#include <QWidget>

#include <memory>
#include <vector>

class QComboBox;
class QListView;
class QLabel;

namespace bmfl
{

class DatasetThumbnailModel;

/// The opened datasets, one at a time as a grid of thumbnails (decoded lazily, on worker
/// threads, only for the items shown). Selecting an item asks for its analysis.
class DatasetBrowser : public QWidget
{
  Q_OBJECT

public:
  explicit DatasetBrowser(QWidget* parent = nullptr);
  ~DatasetBrowser() override;

  void setDatasets(std::vector<std::shared_ptr<const ImageDataset>> datasets);
  int currentDataset() const;
  /// Thumbnails of the visible items still being decoded, after laying out and painting the
  /// grid now (screenshots wait for none).
  int pendingThumbnails();
  /// Selects an item (and emits itemActivated), e.g. the first image at start-up.
  void selectItem(int datasetIndex, std::size_t itemIndex);

signals:
  void itemActivated(int datasetIndex, qulonglong itemIndex);

protected:
  void changeEvent(QEvent* event) override;

private:
  void showDataset(int index);
  void updateSummary();

  std::vector<std::shared_ptr<const ImageDataset>> Datasets;
  QComboBox* Chooser = nullptr;
  QListView* Grid = nullptr;
  QLabel* Summary = nullptr;
  DatasetThumbnailModel* Model = nullptr;
};

} // namespace bmfl
