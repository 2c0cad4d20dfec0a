#include "bmfl/widgets/DatasetBrowser.h"

#include <QAbstractListModel>
#include <QComboBox>
#include <QEvent>
#include <QHash>
#include <QImage>
#include <QLabel>
#include <QListView>
#include <QPixmap>
#include <QPointer>
#include <QSet>
#include <QThreadPool>
#include <QVBoxLayout>

namespace bmfl
{

namespace
{
constexpr int kThumbnailSize = 56;
constexpr int kCachedThumbnails = 2000;

QImage thumbnailOf(const Image& image)
{
  const QImage::Format format =
    image.channels == 1 ? QImage::Format_Grayscale8 : QImage::Format_RGB888;
  const QImage view(
    image.pixels.data(), image.width, image.height, image.width * image.channels, format);
  return view.scaled(kThumbnailSize, kThumbnailSize, Qt::KeepAspectRatio, Qt::SmoothTransformation);
}
} // namespace

/// Items of one dataset; thumbnails are decoded on a private thread pool the first time a row
/// is painted, then cached (bounded), so a 60,000-image dataset opens at once.
class DatasetThumbnailModel : public QAbstractListModel
{
public:
  explicit DatasetThumbnailModel(QObject* parent)
    : QAbstractListModel(parent)
  {
    Pool.setMaxThreadCount(2);
  }
  ~DatasetThumbnailModel() override
  {
    Pool.clear();
    Pool.waitForDone();
  }

  void setDataset(std::shared_ptr<const ImageDataset> dataset)
  {
    beginResetModel();
    Pool.clear();
    Pool.waitForDone();
    Dataset = std::move(dataset);
    Thumbnails.clear();
    Requested.clear();
    ++Generation;
    endResetModel();
  }

  /// Thumbnails requested and not yet stored.
  int pending() const
  {
    return static_cast<int>(Requested.size()) - static_cast<int>(Thumbnails.size());
  }

  int rowCount(const QModelIndex& parent = {}) const override
  {
    return parent.isValid() || !Dataset ? 0 : static_cast<int>(Dataset->size());
  }

  QVariant data(const QModelIndex& index, int role) const override
  {
    if (!Dataset || !index.isValid())
    {
      return {};
    }
    const auto row = static_cast<std::size_t>(index.row());
    switch (role)
    {
      case Qt::DecorationRole:
      {
        const auto cached = Thumbnails.constFind(index.row());
        if (cached != Thumbnails.constEnd())
        {
          return cached.value();
        }
        requestThumbnail(index.row());
        return {};
      }
      case Qt::ToolTipRole:
      {
        const int label = Dataset->label(row);
        QString text = QString::fromStdString(Dataset->itemId(row));
        if (label >= 0 && static_cast<std::size_t>(label) < Dataset->classNames().size())
        {
          text += QStringLiteral("\n") +
                  QString::fromStdString(Dataset->classNames()[static_cast<std::size_t>(label)]);
        }
        return text;
      }
      default:
        return {};
    }
  }

private:
  void requestThumbnail(int row) const
  {
    if (Requested.contains(row))
    {
      return;
    }
    Requested.insert(row);
    auto* self = const_cast<DatasetThumbnailModel*>(this);
    QPointer<DatasetThumbnailModel> guard(self);
    const std::shared_ptr<const ImageDataset> dataset = Dataset;
    const int generation = Generation;
    Pool.start(
      [guard, dataset, row, generation]()
      {
        QImage thumbnail;
        try
        {
          thumbnail = thumbnailOf(dataset->loadImage(static_cast<std::size_t>(row)));
        }
        catch (const std::exception&)
        {
          // An unreadable item keeps an empty icon; analysing it reports the error.
        }
        QMetaObject::invokeMethod(
          guard,
          [guard, row, generation, thumbnail]()
          {
            if (guard && guard->Generation == generation)
            {
              guard->storeThumbnail(row, QPixmap::fromImage(thumbnail));
            }
          },
          Qt::QueuedConnection);
      });
  }

  void storeThumbnail(int row, const QPixmap& pixmap)
  {
    if (Thumbnails.size() >= kCachedThumbnails)
    {
      Thumbnails.clear(); // rows still visible are requested again when repainted
      Requested.clear();
    }
    Thumbnails.insert(row, pixmap);
    const QModelIndex changed = index(row);
    emit dataChanged(changed, changed, { Qt::DecorationRole });
  }

  std::shared_ptr<const ImageDataset> Dataset;
  QHash<int, QPixmap> Thumbnails;
  mutable QSet<int> Requested;
  mutable QThreadPool Pool;
  int Generation = 0;
};

DatasetBrowser::DatasetBrowser(QWidget* parent)
  : QWidget(parent)
{
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  Chooser = new QComboBox(this);
  Summary = new QLabel(this);
  Grid = new QListView(this);
  Grid->setViewMode(QListView::IconMode);
  Grid->setUniformItemSizes(true);
  Grid->setIconSize(QSize(kThumbnailSize, kThumbnailSize));
  Grid->setGridSize(QSize(kThumbnailSize + 8, kThumbnailSize + 8));
  Grid->setResizeMode(QListView::Adjust);
  Grid->setMovement(QListView::Static);
  // Uniform item sizes make a single layout pass cheap even for 60,000 items.
  Grid->setLayoutMode(QListView::SinglePass);
  Model = new DatasetThumbnailModel(this);
  Grid->setModel(Model);
  layout->addWidget(Chooser);
  layout->addWidget(Summary);
  layout->addWidget(Grid, 1);

  connect(Chooser, &QComboBox::currentIndexChanged, this, &DatasetBrowser::showDataset);
  connect(Grid->selectionModel(),
          &QItemSelectionModel::currentChanged,
          this,
          [this](const QModelIndex& current)
          {
            if (current.isValid())
            {
              emit itemActivated(currentDataset(), static_cast<qulonglong>(current.row()));
            }
          });
}

DatasetBrowser::~DatasetBrowser() = default;

void DatasetBrowser::setDatasets(std::vector<std::shared_ptr<const ImageDataset>> datasets)
{
  Datasets = std::move(datasets);
  const QSignalBlocker blocker(Chooser);
  Chooser->clear();
  for (const auto& dataset : Datasets)
  {
    Chooser->addItem(QString::fromStdString(dataset->name()));
  }
  showDataset(Datasets.empty() ? -1 : 0);
}

int DatasetBrowser::pendingThumbnails()
{
  // The view lays items out and requests the visible thumbnails lazily; do both now so that
  // what is pending is everything the user will see.
  Grid->doItemsLayout();
  Grid->viewport()->repaint();
  return Model->pending();
}

int DatasetBrowser::currentDataset() const
{
  return Chooser->currentIndex();
}

void DatasetBrowser::showDataset(int index)
{
  if (index < 0 || static_cast<std::size_t>(index) >= Datasets.size())
  {
    Model->setDataset(nullptr);
  }
  else
  {
    Model->setDataset(Datasets[static_cast<std::size_t>(index)]);
  }
  updateSummary();
}

void DatasetBrowser::updateSummary()
{
  const int index = Chooser->currentIndex();
  if (index < 0 || static_cast<std::size_t>(index) >= Datasets.size())
  {
    Summary->setText(tr("No dataset"));
    return;
  }
  const ImageDataset& dataset = *Datasets[static_cast<std::size_t>(index)];
  Summary->setText(tr("%1 images \u00b7 %2 classes")
                     .arg(QLocale().toString(static_cast<qulonglong>(dataset.size())))
                     .arg(dataset.classNames().size()));
}

void DatasetBrowser::changeEvent(QEvent* event)
{
  QWidget::changeEvent(event);
  if (event->type() == QEvent::LanguageChange)
  {
    updateSummary();
  }
}

void DatasetBrowser::selectItem(int datasetIndex, std::size_t itemIndex)
{
  if (datasetIndex != Chooser->currentIndex())
  {
    Chooser->setCurrentIndex(datasetIndex);
  }
  const QModelIndex index = Model->index(static_cast<int>(itemIndex));
  if (index.isValid())
  {
    Grid->setCurrentIndex(index);
    Grid->scrollTo(index);
  }
}

} // namespace bmfl
