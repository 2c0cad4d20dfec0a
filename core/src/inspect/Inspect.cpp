#include "bmfl/Inspect.h"

#include "bmfl/Algonauts.h"
#include "bmfl/Annot.h"
#include "bmfl/FileError.h"
#include "bmfl/ImageDataset.h"
#include "bmfl/ImageInfo.h"
#include "bmfl/ImageTransform.h"
#include "bmfl/ModelBundle.h"
#include "bmfl/Npy.h"
#include "bmfl/Surface.h"
#include "io/GzipFile.h"

#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <set>
#include <sstream>

namespace bmfl
{

namespace
{

namespace fs = std::filesystem;

/// Rows of an .npy array are scanned in batches of about this many values, so that the range of
/// a large fMRI file is found in bounded memory.
constexpr std::uint64_t ScanBatchValues = std::uint64_t{ 1 } << 22;
/// Enough of a file's (gunzipped) start to tell every kind apart.
constexpr std::size_t MagicBytes = 12;

/// Minimum, maximum and count of non-finite values of a stream of numbers.
struct ValueRange
{
  double low = std::numeric_limits<double>::max();
  double high = std::numeric_limits<double>::lowest();
  std::size_t nonFinite = 0;
  std::size_t finite = 0;

  void add(double value)
  {
    if (!std::isfinite(value))
    {
      ++nonFinite;
      return;
    }
    ++finite;
    low = std::min(low, value);
    high = std::max(high, value);
  }

  std::string text() const
  {
    std::ostringstream out;
    if (finite > 0)
    {
      out << ", range [" << low << ", " << high << "]";
    }
    if (nonFinite > 0)
    {
      out << ", " << nonFinite << " non-finite";
    }
    return out.str();
  }
};

template<typename Numbers>
std::string dimensionsText(const Numbers& shape)
{
  if (shape.empty())
  {
    return "scalar";
  }
  std::string text;
  for (const auto length : shape)
  {
    text += (text.empty() ? "" : " x ") + std::to_string(length);
  }
  return text;
}

std::string describeMesh(const std::string& path, const char* format)
{
  const SurfaceMesh mesh = readSurface(path);
  ValueRange axes[3];
  for (std::size_t i = 0; i < mesh.points.size(); ++i)
  {
    axes[i % 3].add(mesh.points[i]);
  }
  std::ostringstream out;
  out << path << ": mesh (" << format << "), " << mesh.vertexCount() << " vertices, "
      << mesh.triangleCount() << " triangles";
  if (mesh.vertexCount() > 0)
  {
    out << ", bounds x [" << axes[0].low << ", " << axes[0].high << "] y [" << axes[1].low << ", "
        << axes[1].high << "] z [" << axes[2].low << ", " << axes[2].high << "] mm";
  }
  return out.str();
}

/// A single-frame map of whole numbers (NaN counting as "none") is a label map: an atlas or ROI
/// file rather than a measurement.
bool isLabelMap(const VertexMap& map)
{
  return map.frameCount == 1 && !map.values.empty() &&
         std::all_of(map.values.begin(),
                     map.values.end(),
                     [](float value) { return std::isnan(value) || value == std::floor(value); }) &&
         std::any_of(
           map.values.begin(), map.values.end(), [](float value) { return !std::isnan(value); });
}

std::string describeMap(const std::string& path, const char* format)
{
  const VertexMap map = readVertexMap(path);
  ValueRange range;
  for (const float value : map.values)
  {
    range.add(value);
  }
  std::ostringstream out;
  if (isLabelMap(map))
  {
    std::set<float> labels;
    for (const float value : map.values)
    {
      if (!std::isnan(value))
      {
        labels.insert(value);
      }
    }
    out << path << ": label map (" << format << "), " << map.vertexCount << " vertices, "
        << labels.size() << " distinct labels" << range.text();
    return out.str();
  }
  out << path << ": per-vertex map (" << format << "), " << map.vertexCount << " vertices, "
      << map.frameCount << " frame(s)" << range.text();
  return out.str();
}

std::string describeAnnot(const std::string& path)
{
  const Annotation annotation = readAnnot(path);
  std::set<std::int32_t> used;
  std::size_t unlabelled = 0;
  for (const std::int32_t entry : annotation.vertexEntries)
  {
    if (entry < 0)
    {
      ++unlabelled;
    }
    else
    {
      used.insert(entry);
    }
  }
  std::ostringstream out;
  out << path << ": FreeSurfer annotation, " << annotation.vertexCount() << " vertices, "
      << annotation.names.size() << " labels in the colour table (" << used.size() << " used), "
      << unlabelled << " vertices unlabelled";
  return out.str();
}

std::string describeNpy(const std::string& path)
{
  const NpyHeader header = readNpyHeader(path);
  ValueRange range;
  const std::uint64_t rowLength = std::max<std::uint64_t>(header.rowLength(), 1);
  const std::uint64_t batchRows = std::max<std::uint64_t>(ScanBatchValues / rowLength, 1);
  if (header.elementCount() > 0)
  {
    for (std::uint64_t row = 0; row < header.rowCount(); row += batchRows)
    {
      const std::uint64_t count = std::min(batchRows, header.rowCount() - row);
      for (const float value : readNpyRows(path, header, row, count))
      {
        range.add(value);
      }
    }
  }
  std::ostringstream out;
  out << path << ": NumPy array (.npy " << header.majorVersion << ".0), "
      << npyElementTypeName(header.type) << (header.bigEndian ? " big-endian" : "") << ", shape "
      << dimensionsText(header.shape) << (header.fortranOrder ? ", Fortran order" : "")
      << range.text();
  return out.str();
}

std::uint32_t bigEndian32(const unsigned char* at)
{
  return (std::uint32_t{ at[0] } << 24) | (std::uint32_t{ at[1] } << 16) |
         (std::uint32_t{ at[2] } << 8) | std::uint32_t{ at[3] };
}

/// Walks a PNG's chunks and checks each one's length and CRC, so that a corrupt file is refused
/// in one line of ours (libpng would print its own besides).
void checkPngChunks(const std::string& path)
{
  const io::FileContent content = io::readFileContent(path, MaxImageFileBytes);
  const std::vector<unsigned char>& bytes = content.bytes;
  std::size_t at = 8; // the signature
  while (at + 12 <= bytes.size())
  {
    const std::uint32_t length = bigEndian32(bytes.data() + at);
    const std::string kind(bytes.begin() + static_cast<std::ptrdiff_t>(at + 4),
                           bytes.begin() + static_cast<std::ptrdiff_t>(at + 8));
    if (length > bytes.size() - at - 12)
    {
      throw FileError(path,
                      "truncated PNG: the " + kind + " chunk at byte " + std::to_string(at) +
                        " is cut short");
    }
    const auto computed = static_cast<std::uint32_t>(
      crc32(crc32(0L, Z_NULL, 0), bytes.data() + at + 4, static_cast<uInt>(length + 4)));
    if (computed != bigEndian32(bytes.data() + at + 8 + length))
    {
      throw FileError(
        path, "corrupt PNG: bad CRC in the " + kind + " chunk at byte " + std::to_string(at));
    }
    if (kind == "IEND")
    {
      return;
    }
    at += 12 + length;
  }
  throw FileError(path, "truncated PNG (no IEND chunk)");
}

/// The header says what the file claims; decoding it whole, as inference does, says whether the
/// claim holds (a truncated file or a corrupt chunk is refused here, not at evaluation time).
std::string describeImage(const std::string& path)
{
  const ImageInfo info = readImageInfo(path);
  if (info.format == "PNG")
  {
    checkPngChunks(path);
  }
  const Image image = decodeImageFile(path);
  if (static_cast<std::uint32_t>(image.width) != info.width ||
      static_cast<std::uint32_t>(image.height) != info.height)
  {
    throw FileError(path,
                    "the " + info.format + " header says " + std::to_string(info.width) + " x " +
                      std::to_string(info.height) + " but the image decodes to " +
                      std::to_string(image.width) + " x " + std::to_string(image.height));
  }
  std::ostringstream out;
  out << path << ": image (" << info.format << "), " << info.width << " x " << info.height << ", "
      << info.channels << " channel(s), " << info.bitDepth << " bits per sample";
  return out.str();
}

std::string describeIdx(const std::string& path, bool gzipped)
{
  const IdxArray array = readIdxFile(path);
  ValueRange range;
  if (!array.values.empty())
  {
    const auto [low, high] = std::minmax_element(array.values.begin(), array.values.end());
    range.add(*low);
    range.add(*high);
  }
  std::ostringstream out;
  out << path << ": IDX array" << (gzipped ? " (gzip-compressed)" : "") << ", unsigned byte, shape "
      << dimensionsText(array.dimensions) << range.text();
  return out.str();
}

/// A bundle is reported only once it loads as inference loads it: every manifest field, the
/// vertex space and each weights file's checksum checked.
std::string describeBundle(const std::string& folder)
{
  const BundleManifest manifest = readBundleManifest(folder);
  std::ostringstream out;
  out << folder << ": BMFL model bundle, format " << BundleFormatName << ", version "
      << BundleFormatVersion << ", " << manifest.classNames.size() << " classes, "
      << manifest.preprocess.cropSize << " x " << manifest.preprocess.cropSize << " input, "
      << manifest.vertexSpace.size() << " vertices (" << manifest.vertexSpace.name << "), "
      << manifest.weights.size() << " weights files checked (bmfl info shows its details)";
  return out.str();
}

std::string describeAlgonauts(const std::string& folder)
{
  const AlgonautsSubject subject = openAlgonautsSubject(folder);
  std::ostringstream out;
  out << folder << ": Algonauts 2023 subject " << subject.subject << ", " << subject.imageCount()
      << " training images, " << subject.testImages.size() << " test images, "
      << subject.space.left.size() << " + " << subject.space.right.size()
      << " fsaverage vertices (left + right), ROI classes:";
  for (const VertexLabels& labels : subject.space.labelSets)
  {
    out << " " << labels.name;
  }
  out << (subject.space.labelSets.empty() ? " none" : "");
  return out.str();
}

bool hasImageExtension(const fs::path& path)
{
  std::string extension = path.extension().string();
  std::transform(extension.begin(),
                 extension.end(),
                 extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const char* known : { ".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp" })
  {
    if (extension == known)
    {
      return true;
    }
  }
  return false;
}

std::string describeFolder(const std::string& folder)
{
  const fs::path root(folder);
  std::error_code error;
  if (fs::is_regular_file(root / BundleManifestFile, error))
  {
    return describeBundle(folder);
  }
  if (isAlgonautsSubjectFolder(folder))
  {
    return describeAlgonauts(folder);
  }
  // An image classification set: one sub-folder of images per class (ImageFolder layout).
  std::size_t classes = 0;
  std::size_t images = 0;
  std::size_t looseImages = 0;
  for (const fs::directory_entry& entry : fs::directory_iterator(root, error))
  {
    if (entry.is_directory(error))
    {
      std::size_t inClass = 0;
      for (const fs::directory_entry& item : fs::directory_iterator(entry.path(), error))
      {
        inClass += item.is_regular_file(error) && hasImageExtension(item.path()) ? 1 : 0;
      }
      classes += inClass > 0 ? 1 : 0;
      images += inClass;
    }
    else if (entry.is_regular_file(error) && hasImageExtension(entry.path()))
    {
      ++looseImages;
    }
  }
  if (error)
  {
    throw FileError(folder, "cannot list: " + error.message());
  }
  if (classes > 0)
  {
    return folder + ": image dataset (class folders), " + std::to_string(classes) + " classes, " +
           std::to_string(images) + " images";
  }
  if (looseImages > 0)
  {
    return folder + ": image folder, " + std::to_string(looseImages) + " images, no class folders";
  }
  throw FileError(folder,
                  "a folder bmfl does not recognise (not a model bundle, an Algonauts subject or "
                  "an image dataset)");
}

/// IDX files start with two zero bytes, an element type code and a dimension count (1 to 8).
/// (MGH's start, the version number 1 as a big-endian int, has a zero where the type goes.)
bool looksLikeIdx(const std::vector<unsigned char>& bytes)
{
  static const unsigned char types[] = { 0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E };
  return bytes.size() >= 4 && bytes[0] == 0 && bytes[1] == 0 &&
         std::find(std::begin(types), std::end(types), bytes[2]) != std::end(types) &&
         bytes[3] >= 1 && bytes[3] <= 8;
}

bool endsWith(const std::string& text, const std::string& suffix)
{
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string describeFile(const std::string& path)
{
  const io::FileContent start = io::readFileStart(path, MagicBytes);
  const std::vector<unsigned char>& bytes = start.bytes;
  if (!start.gzipped && bytes.size() >= 6 && std::memcmp(bytes.data(), "\x93NUMPY", 6) == 0)
  {
    return describeNpy(path);
  }
  if (!start.gzipped && looksLikeImage(bytes))
  {
    return describeImage(path);
  }
  if (looksLikeIdx(bytes))
  {
    return describeIdx(path, start.gzipped);
  }
  // .annot files have no magic number; only their name says what they are.
  if (!start.gzipped && endsWith(path, ".annot"))
  {
    return describeAnnot(path);
  }
  switch (detectSurfaceFileFormat(path))
  {
    case SurfaceFileFormat::FreeSurferSurface:
      return describeMesh(path, "FreeSurfer surface");
    case SurfaceFileFormat::FreeSurferCurv:
      return describeMap(path, "FreeSurfer curv");
    case SurfaceFileFormat::Mgh:
      return describeMap(path, "MGH/MGZ");
    case SurfaceFileFormat::Gifti:
      // A GIFTI file holds a mesh or per-vertex data; the mesh reader says which.
      try
      {
        return describeMesh(path, "GIFTI");
      }
      catch (const FileError&)
      {
        return describeMap(path, "GIFTI");
      }
    case SurfaceFileFormat::Unknown:
      break;
  }
  throw FileError(path, "not a file type bmfl recognises");
}

} // namespace

std::string describePath(const std::string& path)
{
  std::error_code error;
  const fs::file_status status = fs::status(path, error);
  if (status.type() == fs::file_type::not_found)
  {
    throw FileError(path, "no such file or folder");
  }
  if (error)
  {
    throw FileError(path, "cannot read: " + error.message());
  }
  if (status.type() == fs::file_type::directory)
  {
    return describeFolder(path);
  }
  if (status.type() != fs::file_type::regular)
  {
    // Opening a FIFO would block until a writer comes; a device may never end.
    throw FileError(path, "is neither a regular file nor a folder (a FIFO, device or socket)");
  }
  return describeFile(path);
}

} // namespace bmfl
