#include "bmfl/widgets/DatasetBrowser.h"
#include "bmfl/widgets/QtImage.h"

#include <QAbstractListModel>
#include <QCheckBox>
#include <QComboBox>
#include <QContextMenuEvent>
#include <QEvent>
#include <QHBoxLayout>
#include <QHash>
#include <QImage>
#include <QLabel>
#include <QListView>
#include <QMenu>
#include <QPixmap>
#include <QPointer>
#include <QSet>
#include <QThreadPool>
#include <QVBoxLayout>

#include <algorithm>
#include <numeric>

namespace bmfl
{

namespace
{
constexpr int kThumbnailSize = 56;
constexpr int kCachedThumbnails = 2000;

QImage thumbnailOf(const Image& image)
{
  return toQImage(image).scaled(
    kThumbnailSize, kThumbnailSize, Qt::KeepAspectRatio, Qt::SmoothTransformation);
}

bool matches(BrowserFilter::Verdict wanted, bool right)
{
  return wanted == BrowserFilter::Verdict::Any ||
         (wanted == BrowserFilter::Verdict::Right) == right;
}

bool headsDisagree(const ImageVerdict& verdict)
{
  return verdict.baselineLabel >= 0 && verdict.bmflLabel >= 0
           ? verdict.baselineLabel != verdict.bmflLabel
           : verdict.baselineRight != verdict.bmflRight;
}
} // namespace

std::vector<std::size_t> filterItems(const ImageDataset& dataset,
                                     const std::vector<ImageVerdict>* verdicts,
                                     const BrowserFilter& filter)
{
  std::vector<std::size_t> items;
  const std::size_t size = dataset.size();
  if (!filter.byVerdict())
  {
    if (filter.trueClass < 0)
    {
      items.resize(size);
      std::iota(items.begin(), items.end(), std::size_t{ 0 });
      return items;
    }
    for (std::size_t i = 0; i < size; ++i)
    {
      if (dataset.label(i) == filter.trueClass)
      {
        items.push_back(i);
      }
    }
    return items;
  }
  if (verdicts == nullptr)
  {
    return items;
  }
  for (const ImageVerdict& verdict : *verdicts)
  {
    if (verdict.index >= size)
    {
      continue;
    }
    if (filter.trueClass >= 0)
    {
      const int label = verdict.trueLabel >= 0 ? verdict.trueLabel : dataset.label(verdict.index);
      if (label != filter.trueClass)
      {
        continue;
      }
    }
    if (matches(filter.baseline, verdict.baselineRight) &&
        matches(filter.bmfl, verdict.bmflRight) &&
        (!filter.headsDisagree || headsDisagree(verdict)))
    {
      items.push_back(verdict.index);
    }
  }
  if (!std::is_sorted(items.begin(), items.end()))
  {
    std::sort(items.begin(), items.end());
  }
  return items;
}

/// The shown items of one dataset (all, or the filter's: a vector of item indices, so a filter
/// over 100,000 images is one pass and the view asks nothing per hidden row); thumbnails are
/// decoded on a private thread pool the first time a row is painted, then cached (bounded, by
/// item, so changing the filter keeps them), so a 60,000-image dataset opens at once.
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
    Items.clear();
    Filtered = false;
    Thumbnails.clear();
    Requested.clear();
    ++Generation;
    endResetModel();
  }

  /// Shows only these items (sorted); all of them after showAll.
  void setItems(std::vector<std::size_t> items)
  {
    beginResetModel();
    Items = std::move(items);
    Filtered = true;
    endResetModel();
  }
  void showAll()
  {
    beginResetModel();
    Items.clear();
    Filtered = false;
    endResetModel();
  }

  std::size_t itemOf(int row) const
  {
    return Filtered ? Items.at(static_cast<std::size_t>(row)) : static_cast<std::size_t>(row);
  }
  /// The row showing an item, or -1 when the filter hides it.
  int rowOf(std::size_t item) const
  {
    if (!Filtered)
    {
      return Dataset && item < Dataset->size() ? static_cast<int>(item) : -1;
    }
    const auto found = std::lower_bound(Items.begin(), Items.end(), item);
    return found != Items.end() && *found == item ? static_cast<int>(found - Items.begin()) : -1;
  }

  /// Thumbnails requested and not yet stored.
  int pending() const
  {
    return static_cast<int>(Requested.size()) - static_cast<int>(Thumbnails.size());
  }

  int rowCount(const QModelIndex& parent = {}) const override
  {
    if (parent.isValid() || !Dataset)
    {
      return 0;
    }
    return static_cast<int>(Filtered ? Items.size() : Dataset->size());
  }

  QVariant data(const QModelIndex& index, int role) const override
  {
    if (!Dataset || !index.isValid())
    {
      return {};
    }
    const std::size_t row = itemOf(index.row());
    switch (role)
    {
      case Qt::DecorationRole:
      {
        const auto cached = Thumbnails.constFind(row);
        if (cached != Thumbnails.constEnd())
        {
          return cached.value();
        }
        requestThumbnail(row);
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
  void requestThumbnail(std::size_t row) const
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
          thumbnail = thumbnailOf(dataset->loadImage(row));
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

  void storeThumbnail(std::size_t item, const QPixmap& pixmap)
  {
    if (Thumbnails.size() >= kCachedThumbnails)
    {
      Thumbnails.clear(); // rows still visible are requested again when repainted
      Requested.clear();
    }
    Thumbnails.insert(item, pixmap);
    const int row = rowOf(item);
    if (row >= 0)
    {
      const QModelIndex changed = index(row);
      emit dataChanged(changed, changed, { Qt::DecorationRole });
    }
  }

  std::shared_ptr<const ImageDataset> Dataset;
  std::vector<std::size_t> Items; ///< the shown items when Filtered
  bool Filtered = false;
  QHash<std::size_t, QPixmap> Thumbnails; ///< by item
  mutable QSet<std::size_t> Requested;
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
  Summary->setObjectName(QStringLiteral("browserSummary"));
  ClassFilter = new QComboBox(this);
  ClassFilter->setObjectName(QStringLiteral("classFilter"));
  BaselineFilter = new QComboBox(this);
  BaselineFilter->setObjectName(QStringLiteral("baselineFilter"));
  BmflFilter = new QComboBox(this);
  BmflFilter->setObjectName(QStringLiteral("bmflFilter"));
  for (QComboBox* verdict : { BaselineFilter, BmflFilter })
  {
    for (BrowserFilter::Verdict value : { BrowserFilter::Verdict::Any,
                                          BrowserFilter::Verdict::Right,
                                          BrowserFilter::Verdict::Wrong })
    {
      verdict->addItem(QString(), static_cast<int>(value));
    }
  }
  DisagreeFilter = new QCheckBox(this);
  DisagreeFilter->setObjectName(QStringLiteral("disagreeFilter"));
  Grid = new QListView(this);
  Grid->setViewMode(QListView::IconMode);
  Grid->setUniformItemSizes(true);
  Grid->setIconSize(QSize(kThumbnailSize, kThumbnailSize));
  Grid->setGridSize(QSize(kThumbnailSize + 8, kThumbnailSize + 8));
  Grid->setResizeMode(QListView::Adjust);
  Grid->setMovement(QListView::Static);
  // Uniform item sizes make a single layout pass cheap even for 60,000 items.
  Grid->setLayoutMode(QListView::SinglePass);
  Grid->setContextMenuPolicy(Qt::CustomContextMenu);
  Model = new DatasetThumbnailModel(this);
  Grid->setModel(Model);
  layout->addWidget(Chooser);
  auto* verdictRow = new QHBoxLayout;
  verdictRow->addWidget(BaselineFilter, 1);
  verdictRow->addWidget(BmflFilter, 1);
  layout->addWidget(ClassFilter);
  layout->addLayout(verdictRow);
  layout->addWidget(DisagreeFilter);
  layout->addWidget(Summary);
  layout->addWidget(Grid, 1);
  retranslate();

  connect(Chooser, &QComboBox::currentIndexChanged, this, &DatasetBrowser::showDataset);
  for (QComboBox* box : { ClassFilter, BaselineFilter, BmflFilter })
  {
    connect(box, &QComboBox::currentIndexChanged, this, &DatasetBrowser::readFilterRow);
  }
  connect(DisagreeFilter, &QCheckBox::toggled, this, &DatasetBrowser::readFilterRow);
  connect(Grid, &QWidget::customContextMenuRequested, this, &DatasetBrowser::showContextMenu);
  connect(Grid->selectionModel(),
          &QItemSelectionModel::currentChanged,
          this,
          [this](const QModelIndex& current)
          {
            if (current.isValid())
            {
              emit itemActivated(currentDataset(),
                                 static_cast<qulonglong>(Model->itemOf(current.row())));
            }
          });
}

DatasetBrowser::~DatasetBrowser() = default;

void DatasetBrowser::retranslate()
{
  BaselineFilter->setItemText(0, tr("Baseline: any"));
  BaselineFilter->setItemText(1, tr("Baseline right"));
  BaselineFilter->setItemText(2, tr("Baseline wrong"));
  BmflFilter->setItemText(0, tr("BMFL: any"));
  BmflFilter->setItemText(1, tr("BMFL right"));
  BmflFilter->setItemText(2, tr("BMFL wrong"));
  DisagreeFilter->setText(tr("Heads disagree"));
  if (ClassFilter->count() > 0)
  {
    ClassFilter->setItemText(0, tr("All classes"));
  }
  updateSummary();
}

void DatasetBrowser::setDatasets(std::vector<std::shared_ptr<const ImageDataset>> datasets)
{
  Datasets = std::move(datasets);
  Verdicts.assign(Datasets.size(), nullptr);
  const QSignalBlocker blocker(Chooser);
  Chooser->clear();
  for (const auto& dataset : Datasets)
  {
    Chooser->addItem(QString::fromStdString(dataset->name()));
  }
  showDataset(Datasets.empty() ? -1 : 0);
}

void DatasetBrowser::setVerdicts(int datasetIndex,
                                 std::shared_ptr<const std::vector<ImageVerdict>> verdicts)
{
  if (datasetIndex < 0 || static_cast<std::size_t>(datasetIndex) >= Verdicts.size())
  {
    return;
  }
  Verdicts[static_cast<std::size_t>(datasetIndex)] = std::move(verdicts);
  if (datasetIndex == currentDataset())
  {
    showFilterRow();
    applyFilter();
  }
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

std::size_t DatasetBrowser::shownCount() const
{
  return static_cast<std::size_t>(Model->rowCount());
}

std::size_t DatasetBrowser::shownItem(std::size_t row) const
{
  return Model->itemOf(static_cast<int>(row));
}

void DatasetBrowser::showDataset(int index)
{
  Filter = BrowserFilter();
  if (index < 0 || static_cast<std::size_t>(index) >= Datasets.size())
  {
    Model->setDataset(nullptr);
  }
  else
  {
    Model->setDataset(Datasets[static_cast<std::size_t>(index)]);
  }
  fillClassChooser();
  showFilterRow();
  updateSummary();
}

void DatasetBrowser::fillClassChooser()
{
  const QSignalBlocker blocker(ClassFilter);
  ClassFilter->clear();
  ClassFilter->addItem(tr("All classes"), -1);
  const int index = currentDataset();
  if (index < 0 || static_cast<std::size_t>(index) >= Datasets.size())
  {
    return;
  }
  const std::vector<std::string>& names = Datasets[static_cast<std::size_t>(index)]->classNames();
  for (std::size_t c = 0; c < names.size(); ++c)
  {
    ClassFilter->addItem(QString::fromStdString(names[c]), static_cast<int>(c));
  }
}

// The filter row as the filter is; the verdict filters need the dataset's verdicts.
void DatasetBrowser::showFilterRow()
{
  const QSignalBlocker blockClass(ClassFilter);
  const QSignalBlocker blockBaseline(BaselineFilter);
  const QSignalBlocker blockBmfl(BmflFilter);
  const QSignalBlocker blockDisagree(DisagreeFilter);
  ClassFilter->setCurrentIndex(std::max(0, ClassFilter->findData(Filter.trueClass)));
  BaselineFilter->setCurrentIndex(static_cast<int>(Filter.baseline));
  BmflFilter->setCurrentIndex(static_cast<int>(Filter.bmfl));
  DisagreeFilter->setChecked(Filter.headsDisagree);
  const int index = currentDataset();
  const bool evaluated = index >= 0 && static_cast<std::size_t>(index) < Verdicts.size() &&
                         Verdicts[static_cast<std::size_t>(index)] != nullptr;
  const QString why = evaluated ? QString() : tr("Evaluate the dataset to filter by verdicts");
  for (QWidget* widget :
       std::initializer_list<QWidget*>{ BaselineFilter, BmflFilter, DisagreeFilter })
  {
    widget->setToolTip(why);
  }
}

void DatasetBrowser::readFilterRow()
{
  BrowserFilter filter;
  filter.trueClass = ClassFilter->currentData().toInt();
  filter.baseline = static_cast<BrowserFilter::Verdict>(BaselineFilter->currentData().toInt());
  filter.bmfl = static_cast<BrowserFilter::Verdict>(BmflFilter->currentData().toInt());
  filter.headsDisagree = DisagreeFilter->isChecked();
  setFilter(filter);
}

void DatasetBrowser::setFilter(const BrowserFilter& filter)
{
  Filter = filter;
  showFilterRow();
  applyFilter();
}

void DatasetBrowser::showFiltered(int datasetIndex, const BrowserFilter& filter)
{
  if (datasetIndex < 0 || static_cast<std::size_t>(datasetIndex) >= Datasets.size())
  {
    return;
  }
  if (datasetIndex != Chooser->currentIndex())
  {
    Chooser->setCurrentIndex(datasetIndex);
  }
  setFilter(filter);
}

void DatasetBrowser::applyFilter()
{
  const int index = currentDataset();
  if (index < 0 || static_cast<std::size_t>(index) >= Datasets.size())
  {
    return;
  }
  if (Filter == BrowserFilter())
  {
    Model->showAll();
  }
  else
  {
    Model->setItems(filterItems(*Datasets[static_cast<std::size_t>(index)],
                                Verdicts[static_cast<std::size_t>(index)].get(),
                                Filter));
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
  const auto classes = static_cast<qulonglong>(dataset.classNames().size());
  if (Filter == BrowserFilter())
  {
    Summary->setText(tr("%1 images \u00b7 %2 classes")
                       .arg(QLocale().toString(static_cast<qulonglong>(dataset.size())))
                       .arg(classes));
    return;
  }
  if (Filter.byVerdict())
  {
    // Verdicts cover the evaluated images only (the workbench evaluates the first N at start).
    const std::shared_ptr<const std::vector<ImageVerdict>>& verdicts =
      Verdicts[static_cast<std::size_t>(index)];
    Summary->setText(verdicts == nullptr
                       ? tr("Not evaluated yet: evaluate the dataset to filter by verdicts")
                       : tr("%1 of %2 evaluated images \u00b7 %3 classes")
                           .arg(QLocale().toString(static_cast<qulonglong>(shownCount())),
                                QLocale().toString(static_cast<qulonglong>(verdicts->size())))
                           .arg(classes));
    return;
  }
  Summary->setText(tr("%1 of %2 images \u00b7 %3 classes")
                     .arg(QLocale().toString(static_cast<qulonglong>(shownCount())),
                          QLocale().toString(static_cast<qulonglong>(dataset.size())))
                     .arg(classes));
}

void DatasetBrowser::changeEvent(QEvent* event)
{
  QWidget::changeEvent(event);
  if (event->type() == QEvent::LanguageChange)
  {
    retranslate();
  }
}

void DatasetBrowser::selectItem(int datasetIndex, std::size_t itemIndex)
{
  if (datasetIndex != Chooser->currentIndex())
  {
    Chooser->setCurrentIndex(datasetIndex);
  }
  if (Model->rowOf(itemIndex) < 0 && !(Filter == BrowserFilter()))
  {
    setFilter(BrowserFilter());
  }
  const QModelIndex index = Model->index(Model->rowOf(itemIndex));
  if (index.isValid())
  {
    Grid->setCurrentIndex(index);
    Grid->scrollTo(index);
  }
}

void DatasetBrowser::showContextMenu(const QPoint& position)
{
  const QModelIndex index = Grid->indexAt(position);
  if (!index.isValid())
  {
    return;
  }
  const int dataset = currentDataset();
  const auto item = static_cast<qulonglong>(Model->itemOf(index.row()));
  QMenu menu(this);
  connect(menu.addAction(tr("Pin as A (compare with the next image)")),
          &QAction::triggered,
          this,
          [this, dataset, item]() { emit pinRequested(dataset, item); });
  menu.exec(Grid->viewport()->mapToGlobal(position));
}

} // namespace bmfl
