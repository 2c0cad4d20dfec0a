#include "Commands.h"

#include "bmfl/Algonauts.h"
#include "bmfl/Annot.h"
#include "bmfl/FileError.h"
#include "bmfl/ImageInfo.h"
#include "bmfl/Npy.h"
#include "bmfl/Surface.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <set>
#include <sstream>

namespace bmfl::cli
{

namespace
{

namespace fs = std::filesystem;

/// Rows of an .npy array are scanned in batches of about this many values, so that the range of
/// a large fMRI file is found in bounded memory.
constexpr std::uint64_t ScanBatchValues = std::uint64_t{ 1 } << 22;
/// Only the start of a manifest is needed for its format and version.
constexpr std::size_t ManifestPrefixBytes = 64 * 1024;

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

std::string shapeText(const std::vector<std::uint64_t>& shape)
{
  if (shape.empty())
  {
    return "scalar";
  }
  std::string text;
  for (const std::uint64_t length : shape)
  {
    text += (text.empty() ? "" : " x ") + std::to_string(length);
  }
  return text;
}

void describeMesh(const std::string& path, const char* format)
{
  const SurfaceMesh mesh = readSurface(path);
  ValueRange axes[3];
  for (std::size_t i = 0; i < mesh.points.size(); ++i)
  {
    axes[i % 3].add(mesh.points[i]);
  }
  std::cout << path << ": mesh (" << format << "), " << mesh.vertexCount() << " vertices, "
            << mesh.triangleCount() << " triangles";
  if (mesh.vertexCount() > 0)
  {
    std::cout << ", bounds x [" << axes[0].low << ", " << axes[0].high << "] y [" << axes[1].low
              << ", " << axes[1].high << "] z [" << axes[2].low << ", " << axes[2].high << "] mm";
  }
  std::cout << "\n";
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

void describeMap(const std::string& path, const char* format)
{
  const VertexMap map = readVertexMap(path);
  ValueRange range;
  for (const float value : map.values)
  {
    range.add(value);
  }
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
    std::cout << path << ": label map (" << format << "), " << map.vertexCount << " vertices, "
              << labels.size() << " distinct labels" << range.text() << "\n";
    return;
  }
  std::cout << path << ": per-vertex map (" << format << "), " << map.vertexCount << " vertices, "
            << map.frameCount << " frame(s)" << range.text() << "\n";
}

void describeAnnot(const std::string& path)
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
  std::cout << path << ": FreeSurfer annotation, " << annotation.vertexCount() << " vertices, "
            << annotation.names.size() << " labels in the colour table (" << used.size()
            << " used), " << unlabelled << " vertices unlabelled\n";
}

void describeNpy(const std::string& path)
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
  std::cout << path << ": NumPy array (.npy " << header.majorVersion << ".0), "
            << npyElementTypeName(header.type) << (header.bigEndian ? " big-endian" : "")
            << ", shape " << shapeText(header.shape)
            << (header.fortranOrder ? ", Fortran order" : "") << range.text() << "\n";
}

void describeImage(const std::string& path)
{
  const ImageInfo info = readImageInfo(path);
  std::cout << path << ": image (" << info.format << "), " << info.width << " x " << info.height
            << ", " << info.channels << " channel(s), " << info.bitDepth << " bits per sample\n";
}

/// The value of a top-level "key": value pair in JSON text, as written (string quotes kept off).
std::string jsonField(const std::string& text, const std::string& key)
{
  const std::size_t keyAt = text.find("\"" + key + "\"");
  if (keyAt == std::string::npos)
  {
    return "";
  }
  std::size_t at = text.find_first_not_of(" \t\r\n", keyAt + key.size() + 2);
  if (at == std::string::npos || text[at] != ':')
  {
    return "";
  }
  at = text.find_first_not_of(" \t\r\n", at + 1);
  if (at == std::string::npos)
  {
    return "";
  }
  if (text[at] == '"')
  {
    const std::size_t end = text.find('"', at + 1);
    return end == std::string::npos ? ""
                                    : text.substr(at + 1, std::min<std::size_t>(end - at - 1, 80));
  }
  const std::size_t end = text.find_first_of(",}\r\n", at);
  return text.substr(
    at, std::min<std::size_t>(end == std::string::npos ? text.size() - at : end - at, 80));
}

void describeBundle(const std::string& folder, const fs::path& manifest)
{
  std::ifstream file(manifest, std::ios::binary);
  if (!file)
  {
    throw FileError(manifest.string(), "cannot open");
  }
  std::string text(ManifestPrefixBytes, '\0');
  file.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(file.gcount()));
  const std::string format = jsonField(text, "format");
  const std::string version = jsonField(text, "version");
  if (format.empty() || version.empty())
  {
    throw FileError(manifest.string(),
                    "has no \"format\" and \"version\": not a BMFL bundle manifest");
  }
  std::cout << folder << ": BMFL model bundle, format " << format << ", version " << version
            << " (bmfl info shows its details)\n";
}

void describeAlgonauts(const std::string& folder)
{
  const AlgonautsSubject subject = openAlgonautsSubject(folder);
  std::cout << folder << ": Algonauts 2023 subject " << subject.subject << ", "
            << subject.imageCount() << " training images, " << subject.testImages.size()
            << " test images, " << subject.space.left.size() << " + " << subject.space.right.size()
            << " fsaverage vertices (left + right), ROI classes:";
  for (const VertexLabels& labels : subject.space.labelSets)
  {
    std::cout << " " << labels.name;
  }
  std::cout << (subject.space.labelSets.empty() ? " none\n" : "\n");
}

bool hasImageExtension(const fs::path& path)
{
  std::string extension = path.extension().string();
  std::transform(extension.begin(),
                 extension.end(),
                 extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return extension == ".png" || extension == ".jpg" || extension == ".jpeg" || extension == ".bmp";
}

void describeFolder(const std::string& folder)
{
  const fs::path root(folder);
  std::error_code error;
  if (fs::is_regular_file(root / "manifest.json", error))
  {
    describeBundle(folder, root / "manifest.json");
    return;
  }
  if (isAlgonautsSubjectFolder(folder))
  {
    describeAlgonauts(folder);
    return;
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
    else if (hasImageExtension(entry.path()))
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
    std::cout << folder << ": image dataset (class folders), " << classes << " classes, " << images
              << " images\n";
    return;
  }
  if (looseImages > 0)
  {
    std::cout << folder << ": image folder, " << looseImages << " images, no class folders\n";
    return;
  }
  throw FileError(folder,
                  "a folder bmfl does not recognise (not a model bundle, an Algonauts subject or "
                  "an image dataset)");
}

std::vector<unsigned char> fileStart(const std::string& path, std::size_t count)
{
  std::ifstream file(path, std::ios::binary);
  if (!file)
  {
    throw FileError(path, "cannot open");
  }
  std::vector<unsigned char> bytes(count);
  file.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(count));
  bytes.resize(static_cast<std::size_t>(file.gcount()));
  return bytes;
}

bool endsWith(const std::string& text, const std::string& suffix)
{
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

void describe(const std::string& path)
{
  std::error_code error;
  if (!fs::exists(path, error))
  {
    throw FileError(path, "no such file or folder");
  }
  if (fs::is_directory(path, error))
  {
    describeFolder(path);
    return;
  }
  const std::vector<unsigned char> start = fileStart(path, 8);
  if (start.size() >= 6 && std::memcmp(start.data(), "\x93NUMPY", 6) == 0)
  {
    describeNpy(path);
    return;
  }
  if (looksLikeImage(start))
  {
    describeImage(path);
    return;
  }
  // .annot files have no magic number; only their name says what they are.
  if (endsWith(path, ".annot"))
  {
    describeAnnot(path);
    return;
  }
  switch (detectSurfaceFileFormat(path))
  {
    case SurfaceFileFormat::FreeSurferSurface:
      describeMesh(path, "FreeSurfer surface");
      return;
    case SurfaceFileFormat::FreeSurferCurv:
      describeMap(path, "FreeSurfer curv");
      return;
    case SurfaceFileFormat::Mgh:
      describeMap(path, "MGH/MGZ");
      return;
    case SurfaceFileFormat::Gifti:
      // A GIFTI file holds a mesh or per-vertex data; the mesh reader says which.
      try
      {
        describeMesh(path, "GIFTI");
      }
      catch (const FileError&)
      {
        describeMap(path, "GIFTI");
      }
      return;
    case SurfaceFileFormat::Unknown:
      break;
  }
  throw FileError(path, "not a file type bmfl recognises");
}

// Returns false after printing the one-line error.
bool inspectOne(const std::string& path)
{
  try
  {
    describe(path);
    return true;
  }
  catch (const FileError& error)
  {
    std::cerr << "bmfl inspect: " << error.what() << "\n";
  }
  catch (const std::bad_alloc&)
  {
    std::cerr << "bmfl inspect: " << path << ": not enough memory to read it\n";
  }
  catch (const std::exception& error)
  {
    // Any other failure still ends in one line that names the file.
    std::string message = error.what();
    std::replace(message.begin(), message.end(), '\n', ' ');
    std::cerr << "bmfl inspect: " << path << ": " << message << "\n";
  }
  return false;
}

int runInspect(const std::vector<std::string>& arguments)
{
  if (arguments.empty())
  {
    std::cerr << "usage: bmfl inspect FILE [FILE ...]\n";
    return 2;
  }
  bool allRead = true;
  for (const std::string& path : arguments)
  {
    allRead = inspectOne(path) && allRead;
  }
  return allRead ? 0 : 1;
}

} // namespace

BMFL_REGISTER_COMMAND(inspect,
                      "inspect",
                      "report what each file or folder is, with its key numbers",
                      "bmfl inspect FILE|FOLDER [...]  (meshes, per-vertex and label maps, .annot, "
                      ".npy, PNG/JPEG, Algonauts subjects, image datasets, model bundles)",
                      runInspect);

} // namespace bmfl::cli
