#pragma once

#include "bmfl/ImageTransform.h"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace bmfl
{

/// An image dataset whose items are decoded on demand: listing a dataset reads names, never
/// pixels. Every const member is safe to call from several threads at once.
class ImageDataset
{
public:
  virtual ~ImageDataset() = default;

  /// A short name for reports, e.g. "fashion-mnist:test" or "imagenet-v2:/data/v2".
  virtual std::string name() const = 0;
  virtual std::size_t size() const = 0;
  /// The label space: label l of an item names classNames()[l].
  virtual const std::vector<std::string>& classNames() const = 0;
  /// For datasets over a subset of a model's classes (ImageNet-A/R: 200 of 1000): the model
  /// output column of each class, so evaluation restricts the logits to these columns before the
  /// argmax. Empty when labels index the model's outputs directly.
  virtual std::vector<int> outputIndices() const { return {}; }
  /// A stable identifier of the item (its relative path, or "<split>/<index>" for IDX).
  virtual std::string itemId(std::size_t index) const = 0;
  /// The item's label, or -1 when the dataset has none for it.
  virtual int label(std::size_t index) const = 0;
  /// The part of the dataset the item belongs to, e.g. "gaussian_noise/3" for ImageNet-C;
  /// empty for datasets with no parts.
  virtual std::string subset(std::size_t /*index*/) const { return {}; }
  /// The folder name to file an item of this class under when the dataset is written out (the
  /// source's own folder name where there is one).
  virtual std::string classFolderName(int label) const;
  /// Decodes one item. Throws FileError naming the file when it cannot be read or decoded.
  virtual Image loadImage(std::size_t index) const = 0;
  /// For a dataset stored at a model's input size already (ImageNet-C: 224 x 224, made by
  /// Resize 256 + CenterCrop 224): that size. Its images are then centre-cropped to the model's
  /// crop size as they are, with no resize, as Hendrycks & Dietterich's ImageNet-C/test.py does
  /// (CenterCrop(224), ToTensor, Normalize); see datasetPreprocess. 0 (the default): the model's
  /// own transform (resize the short side, then crop).
  virtual int storedCropSize() const { return 0; }
  /// For one part of a dataset (made by selectSubset or splitIntoParts): the whole dataset's
  /// name and the part, e.g. "imagenet-c:/data/c" and "gaussian_noise/3".
  struct Part
  {
    std::string whole;
    std::string part;
  };
  virtual std::optional<Part> partOf() const { return std::nullopt; }
};

struct DatasetOptions
{
  /// A model's class list (e.g. the 1000 ImageNet wnids in output order). When given, class
  /// folders, label-file classes and ImageNet-A/R wnids are mapped onto its positions, and a
  /// folder that is not in it is an error. Empty: sorted folder order.
  std::vector<std::string> classNames;
  /// Where the Fashion-MNIST .gz files are; empty: $BMFL_FASHION_MNIST_DIR, else
  /// /usr/share/datasets/fashion-mnist.
  std::string fashionMnistDirectory;
};

/// Opens a dataset named by a spec (see docs/DATASETS.md): fashion-mnist:train|test,
/// fashion-mnist-ood:SET, idx:IMAGES[,LABELS], folder:PATH, imagenet-val:PATH[,LABELS],
/// imagenet-v2:PATH, imagenet-a:PATH, imagenet-r:PATH, imagenet-sketch:PATH,
/// imagenet-c:PATH[,CORRUPTION[,SEVERITY]], or a bare path whose kind is detected. Throws
/// FileError naming the path and the problem; std::invalid_argument for a malformed spec.
std::shared_ptr<const ImageDataset> openImageDataset(const std::string& spec,
                                                     const DatasetOptions& options = {});

/// One line per spec form, for --help texts.
std::string datasetSpecHelp();

/// The items of base whose subset() is subsetName (e.g. "gaussian_noise/3"), or whose subset
/// starts with "subsetName/" (e.g. "gaussian_noise" for all its severities). Throws
/// std::invalid_argument when no item matches.
std::shared_ptr<const ImageDataset> selectSubset(std::shared_ptr<const ImageDataset> base,
                                                 const std::string& subsetName);

/// The distinct subset() values of a dataset, in order of first appearance.
std::vector<std::string> listSubsets(const ImageDataset& dataset);

/// One dataset per subset() value, in order of first appearance (ImageNet-C: one per corruption
/// and severity, each named "imagenet-c:PATH,CORRUPTION/SEVERITY"), in one pass over the items;
/// the dataset itself when its items have no subsets.
std::vector<std::shared_ptr<const ImageDataset>> splitIntoParts(
  std::shared_ptr<const ImageDataset> dataset);

/// A model's evaluation transform as a dataset's items get it: unchanged, or for a dataset with a
/// storedCropSize() (ImageNet-C) the same with no resize (resizeShortSide 0: centre crop of the
/// image as it is). Throws std::invalid_argument, one line naming the dataset, when the model
/// crops more than that size (a 256 px crop of 224 px ImageNet-C images would be mostly padding).
PreprocessConfig datasetPreprocess(const ImageDataset& dataset, const PreprocessConfig& model);

/// An IDX file's contents, checked: magic, type 0x08 (unsigned bytes), dimensions, and the size
/// the dimensions imply against the bytes present, before anything is allocated.
struct IdxArray
{
  std::vector<std::size_t> dimensions;
  std::vector<std::uint8_t> values;
};

/// Reads an IDX file, gzipped or not. Throws FileError naming the file and the problem.
IdxArray readIdxFile(const std::string& path);

/// The ten Fashion-MNIST classes in label order.
const std::vector<std::string>& fashionMnistClassNames();

/// What to do with an image that cannot be decoded.
enum class BadImagePolicy
{
  Stop, ///< next() throws the FileError (the default: evaluation must not silently shrink)
  Skip  ///< the item is left out, counted, and its one-line message kept
};

struct StreamOptions
{
  /// The transform applied on the workers; unset: items carry the decoded image instead.
  std::optional<PreprocessConfig> transform = PreprocessConfig{};
  /// A second transform of the same decoded image (a bundle's brainPreprocess), with transform.
  std::optional<PreprocessConfig> brainTransform;
  /// The channel count every image is converted to first (a model's inChannels: a colour photo
  /// for a greyscale model, a grey one for a colour model; see convertChannels); 0: as decoded.
  int channels = 0;
  /// Decoding threads; 0: one per core.
  int workers = 0;
  /// At most this many items are decoded ahead of the consumer (0: 2 per worker). Memory stays
  /// bounded by this times the size of one item.
  std::size_t prefetch = 0;
  BadImagePolicy onBadImage = BadImagePolicy::Stop;
  /// The index range streamed: [begin, min(end, size)).
  std::size_t begin = 0;
  std::size_t end = std::numeric_limits<std::size_t>::max();
  /// Set from any thread to stop; next() then returns false promptly.
  const std::atomic<bool>* cancel = nullptr;
};

struct DatasetItem
{
  std::size_t index = 0;
  std::string id;
  int label = -1;
  std::string subset;
  int originalWidth = 0;
  int originalHeight = 0;
  ImageTensor tensor;      ///< the transformed item (when StreamOptions::transform is set)
  ImageTensor brainTensor; ///< by StreamOptions::brainTransform (when that is set too)
  Image image;             ///< the decoded item (when it is not)
};

/// Streams a dataset's items in index order, decoded and transformed on worker threads, at most
/// StreamOptions::prefetch items ahead of the consumer. Destroying it stops and joins the workers.
class DatasetStream
{
public:
  DatasetStream(std::shared_ptr<const ImageDataset> dataset, StreamOptions options);
  ~DatasetStream();
  DatasetStream(const DatasetStream&) = delete;
  DatasetStream& operator=(const DatasetStream&) = delete;

  /// The next item in index order; false at the end or once cancelled. Under
  /// BadImagePolicy::Stop, throws the FileError of an item that could not be decoded.
  bool next(DatasetItem& item);
  /// Stops the workers; next() returns false from now on.
  void cancel();

  /// Items in the streamed range.
  std::size_t total() const;
  /// Items skipped under BadImagePolicy::Skip so far, and their one-line messages.
  std::size_t skipped() const;
  std::vector<std::string> warnings() const;
  /// The largest number of items that were decoded and not yet delivered at one time.
  std::size_t peakBuffered() const;

private:
  struct State;
  std::unique_ptr<State> Shared;
};

} // namespace bmfl
