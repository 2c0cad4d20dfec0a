#include "bmfl/Corruptions.h"
#include "bmfl/FileError.h"
#include "bmfl/ImageDataset.h"
#include "bmfl/ImageNetC.h"
#include "bmfl/Resources.h"
#include "io/GzipFile.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <sys/stat.h>
#include <system_error>

namespace bmfl
{

namespace fs = std::filesystem;

namespace
{

constexpr std::uint64_t MaxLabelFileBytes = std::uint64_t{ 64 } << 20;

std::string zeroPadded(std::size_t value, std::size_t width)
{
  std::string text = std::to_string(value);
  return text.size() >= width ? text : std::string(width - text.size(), '0') + text;
}

std::string lowerCase(std::string text)
{
  std::transform(text.begin(),
                 text.end(),
                 text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

bool isHidden(const fs::path& path)
{
  const std::string name = path.filename().string();
  return !name.empty() && name[0] == '.';
}

bool hasImageExtension(const fs::path& path)
{
  static const std::set<std::string> extensions = { ".jpg", ".jpeg", ".png", ".bmp",  ".ppm",
                                                    ".pgm", ".pbm",  ".tif", ".tiff", ".webp" };
  return extensions.count(lowerCase(path.extension().string())) > 0;
}

bool isNumber(const std::string& text)
{
  return !text.empty() && text.size() <= 9 &&
         std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); });
}

void requireFolder(const std::string& path)
{
  std::error_code error;
  if (!fs::exists(path, error))
  {
    throw FileError(path, "no such file or folder");
  }
  if (!fs::is_directory(path, error))
  {
    throw FileError(path, "is a file, expected a dataset folder");
  }
}

/// Visible subfolders, sorted by name (byte order, as Python's sorted()).
std::vector<std::string> subfolders(const fs::path& folder)
{
  std::vector<std::string> names;
  std::error_code error;
  for (fs::directory_iterator it(folder, error), end; !error && it != end; it.increment(error))
  {
    std::error_code typeError;
    if (!isHidden(it->path()) && it->is_directory(typeError))
    {
      names.push_back(it->path().filename().string());
    }
  }
  if (error)
  {
    throw FileError(folder.string(), "cannot list folder: " + error.message());
  }
  std::sort(names.begin(), names.end());
  return names;
}

/// Walks a dataset's folders once: symbolic links are followed, but each real folder is entered
/// and each real file listed at most once (by device and inode), so links that form a loop or
/// point back into the dataset neither repeat nor relabel images.
class FolderWalk
{
public:
  /// Marks a folder as walked already (the dataset root, the class folders, before any walk) so
  /// that a link into it from elsewhere is not followed.
  void reserve(const fs::path& folder)
  {
    struct stat status
    {
    };
    if (::stat(folder.c_str(), &status) == 0)
    {
      Folders.emplace(status.st_dev, status.st_ino);
    }
  }

  /// Image files under folder (recursively, as torchvision's ImageFolder), as paths relative to
  /// root, sorted.
  std::vector<std::string> imageFilesUnder(const fs::path& folder, const fs::path& root)
  {
    std::vector<std::string> files;
    std::vector<fs::path> pending = { folder };
    while (!pending.empty())
    {
      const fs::path current = std::move(pending.back());
      pending.pop_back();
      std::error_code error;
      for (fs::directory_iterator it(current, error), end; !error && it != end; it.increment(error))
      {
        struct stat status
        {
        };
        if (isHidden(it->path()) || ::stat(it->path().c_str(), &status) != 0)
        {
          continue; // hidden, or a dangling link
        }
        const std::pair<dev_t, ino_t> id(status.st_dev, status.st_ino);
        if (S_ISDIR(status.st_mode))
        {
          if (Folders.insert(id).second)
          {
            pending.push_back(it->path());
          }
        }
        else if (S_ISREG(status.st_mode) && hasImageExtension(it->path()) &&
                 Files.insert(id).second)
        {
          files.push_back(it->path().lexically_relative(root).generic_string());
        }
      }
      if (error)
      {
        throw FileError(current.string(), "cannot list folder: " + error.message());
      }
    }
    std::sort(files.begin(), files.end());
    return files;
  }

private:
  std::set<std::pair<dev_t, ino_t>> Folders;
  std::set<std::pair<dev_t, ino_t>> Files;
};

/// A dataset of image files under a root folder, each with a label and a subset.
class FileListDataset final : public ImageDataset
{
public:
  struct Entry
  {
    std::string relativePath;
    int label = -1;
    std::string subset;
  };

  FileListDataset(std::string name,
                  fs::path root,
                  std::vector<std::string> classNames,
                  std::vector<std::string> classFolders,
                  std::vector<Entry> entries,
                  std::vector<int> outputIndices = {})
    : Name(std::move(name))
    , Root(std::move(root))
    , Classes(std::move(classNames))
    , ClassFolders(std::move(classFolders))
    , Entries(std::move(entries))
    , Outputs(std::move(outputIndices))
  {
  }

  std::string name() const override { return Name; }
  std::size_t size() const override { return Entries.size(); }
  const std::vector<std::string>& classNames() const override { return Classes; }
  std::vector<int> outputIndices() const override { return Outputs; }
  std::string itemId(std::size_t index) const override { return Entries.at(index).relativePath; }
  int label(std::size_t index) const override { return Entries.at(index).label; }
  std::string subset(std::size_t index) const override { return Entries.at(index).subset; }
  std::string classFolderName(int label) const override
  {
    if (label >= 0 && static_cast<std::size_t>(label) < ClassFolders.size() &&
        !ClassFolders[static_cast<std::size_t>(label)].empty())
    {
      return ClassFolders[static_cast<std::size_t>(label)];
    }
    return ImageDataset::classFolderName(label);
  }
  Image loadImage(std::size_t index) const override
  {
    return decodeImageFile((Root / Entries.at(index).relativePath).string());
  }
  int storedCropSize() const override { return StoredCropSize; }
  void setStoredCropSize(int size) { StoredCropSize = size; }

private:
  std::string Name;
  fs::path Root;
  std::vector<std::string> Classes;
  std::vector<std::string> ClassFolders; ///< per label, the folder it came from (may be empty)
  std::vector<Entry> Entries;
  std::vector<int> Outputs;
  int StoredCropSize = 0;
};

/// A class name as a folder name: '/', '\\', ':' and white space written as '_' (as
/// ImageDataset::classFolderName writes it).
std::string folderSafe(std::string name)
{
  for (char& c : name)
  {
    if (c == '/' || c == '\\' || std::isspace(static_cast<unsigned char>(c)) || c == ':')
    {
      c = '_';
    }
  }
  return name;
}

bool isWnid(const std::string& text)
{
  return text.size() == 9 && text[0] == 'n' && isNumber(text.substr(1));
}

/// The ImageNet wnid a class name carries ("n01440764", "n01440764 tench"), or "".
std::string wnidOf(const std::string& className)
{
  const std::string start = className.substr(0, 9);
  const bool alone =
    className.size() == 9 || !std::isalnum(static_cast<unsigned char>(className[9]));
  return isWnid(start) && alone ? start : std::string();
}

/// The classes a folder names: the class of that exact name alone when there is one; otherwise
/// every class whose name it is with '/' and spaces written as '_', as "<index>_<name>"
/// (make-ood's folders), as a bare index, or as the class's wnid.
std::set<int> classesNamedBy(const std::string& folder, const std::vector<std::string>& classes)
{
  const auto exact = std::find(classes.begin(), classes.end(), folder);
  if (exact != classes.end())
  {
    return { static_cast<int>(exact - classes.begin()) };
  }
  std::set<int> found;
  for (std::size_t i = 0; i < classes.size(); ++i)
  {
    if (folderSafe(classes[i]) == folder || (isWnid(folder) && wnidOf(classes[i]) == folder))
    {
      found.insert(static_cast<int>(i));
    }
  }
  const std::size_t underscore = folder.find('_');
  const std::string number = folder.substr(0, underscore);
  if (isNumber(number))
  {
    const std::size_t index = std::stoul(number);
    const std::string name =
      underscore == std::string::npos ? std::string() : folder.substr(underscore + 1);
    if (index < classes.size() && (underscore == std::string::npos || name == classes[index] ||
                                   name == folderSafe(classes[index])))
    {
      found.insert(static_cast<int>(index));
    }
  }
  return found;
}

/// Levenshtein distance, for suggesting the nearest class to a folder that names none.
std::size_t editDistance(const std::string& a, const std::string& b)
{
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j)
  {
    row[j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i)
  {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j)
    {
      const std::size_t above = row[j];
      row[j] = std::min({ row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1) });
      diagonal = above;
    }
  }
  return row[b.size()];
}

/// The folder names accepted for the class nearest to folder, e.g. "'T-shirt/top',
/// 'T-shirt_top', '0_T-shirt_top' or '0'".
std::string acceptedFormsNear(const std::string& folder, const std::vector<std::string>& classes)
{
  std::size_t nearest = 0;
  std::size_t best = std::string::npos;
  for (std::size_t i = 0; i < classes.size(); ++i)
  {
    const std::size_t distance = editDistance(lowerCase(folder), lowerCase(folderSafe(classes[i])));
    if (distance < best)
    {
      best = distance;
      nearest = i;
    }
  }
  const std::string& name = classes[nearest];
  const std::string index = std::to_string(nearest);
  std::string forms = "'" + name + "'";
  if (folderSafe(name) != name)
  {
    forms += ", '" + folderSafe(name) + "'";
  }
  forms += ", '" + index + "_" + folderSafe(name) + "'";
  if (!wnidOf(name).empty() && wnidOf(name) != name)
  {
    forms += ", '" + wnidOf(name) + "'";
  }
  return forms + " or '" + index + "'";
}

/// Maps class folder names to labels: their sorted order, or their place in a given class list
/// (see classesNamedBy). A folder naming no class or several, or two folders naming one class,
/// is an error naming the folder.
struct ClassMapping
{
  std::vector<std::string> classNames;
  std::vector<std::string> classFolders;
  std::map<std::string, int> labelOf;
};

ClassMapping mapClassFolders(const std::vector<std::string>& folders,
                             const DatasetOptions& options,
                             const fs::path& root)
{
  ClassMapping mapping;
  if (options.classNames.empty())
  {
    mapping.classNames = folders;
    mapping.classFolders = folders;
    for (std::size_t i = 0; i < folders.size(); ++i)
    {
      mapping.labelOf[folders[i]] = static_cast<int>(i);
    }
    return mapping;
  }
  const std::vector<std::string>& classes = options.classNames;
  mapping.classNames = classes;
  mapping.classFolders.assign(classes.size(), std::string());
  for (const std::string& folder : folders)
  {
    const std::set<int> named = classesNamedBy(folder, classes);
    const std::string where = (root / folder).string();
    if (named.empty())
    {
      throw FileError(where,
                      "class folder '" + folder + "' is not in the class list (" +
                        std::to_string(classes.size()) + " classes); the nearest class is named " +
                        acceptedFormsNear(folder, classes));
    }
    if (named.size() > 1)
    {
      std::string names;
      for (int label : named)
      {
        names += (names.empty() ? "'" : ", '") + classes[static_cast<std::size_t>(label)] + "'";
      }
      throw FileError(where,
                      "class folder '" + folder + "' is ambiguous: it names classes " + names);
    }
    const int label = *named.begin();
    std::string& taken = mapping.classFolders[static_cast<std::size_t>(label)];
    if (!taken.empty())
    {
      throw FileError(where,
                      "class folders '" + taken + "' and '" + folder + "' both name class '" +
                        classes[static_cast<std::size_t>(label)] + "'");
    }
    taken = folder;
    mapping.labelOf[folder] = label;
  }
  return mapping;
}

/// The images of each class folder under root (root and the folders are reserved in walk first).
std::vector<FileListDataset::Entry> entriesOfClassFolders(const fs::path& root,
                                                          const std::vector<std::string>& folders,
                                                          const std::map<std::string, int>& labelOf,
                                                          const std::string& subset,
                                                          const fs::path& relativeTo,
                                                          FolderWalk& walk)
{
  walk.reserve(root);
  for (const std::string& folder : folders)
  {
    walk.reserve(root / folder);
  }
  std::vector<FileListDataset::Entry> entries;
  for (const std::string& folder : folders)
  {
    for (std::string& file : walk.imageFilesUnder(root / folder, relativeTo))
    {
      entries.push_back({ std::move(file), labelOf.at(folder), subset });
    }
  }
  return entries;
}

std::shared_ptr<const ImageDataset> openClassFolders(const std::string& kind,
                                                     const std::string& path,
                                                     const DatasetOptions& options)
{
  requireFolder(path);
  const std::vector<std::string> folders = subfolders(path);
  if (folders.empty())
  {
    throw FileError(path, "no class folders in it");
  }
  ClassMapping mapping = mapClassFolders(folders, options, path);
  FolderWalk walk;
  std::vector<FileListDataset::Entry> entries =
    entriesOfClassFolders(path, folders, mapping.labelOf, "", path, walk);
  if (entries.empty())
  {
    throw FileError(path, "no image files in its class folders");
  }
  return std::make_shared<FileListDataset>(kind + ":" + path,
                                           path,
                                           std::move(mapping.classNames),
                                           std::move(mapping.classFolders),
                                           std::move(entries));
}

std::shared_ptr<const ImageDataset> openImageNetV2(const std::string& path,
                                                   const DatasetOptions& options)
{
  requireFolder(path);
  const std::vector<std::string> folders = subfolders(path);
  if (folders.empty())
  {
    throw FileError(path, "no class folders in it");
  }
  std::vector<std::pair<int, std::string>> numbered;
  for (const std::string& folder : folders)
  {
    if (!isNumber(folder))
    {
      throw FileError((fs::path(path) / folder).string(),
                      "ImageNet-V2 class folders are named by class index (0..999), not '" +
                        folder + "'");
    }
    numbered.emplace_back(std::stoi(folder), folder);
  }
  // Numeric order: folder "10" is class 10, not the third of "0", "1", "10".
  std::sort(numbered.begin(), numbered.end());
  const int largest = numbered.back().first;
  std::vector<std::string> classNames = options.classNames;
  if (classNames.empty())
  {
    for (int i = 0; i <= std::max(largest, 999); ++i)
    {
      classNames.push_back(std::to_string(i));
    }
  }
  else if (largest >= static_cast<int>(classNames.size()))
  {
    throw FileError((fs::path(path) / numbered.back().second).string(),
                    "class index " + std::to_string(largest) + " is beyond the " +
                      std::to_string(classNames.size()) + " classes of the class list");
  }
  std::vector<std::string> classFolders(classNames.size());
  std::vector<std::string> numericOrder;
  std::map<std::string, int> labelOf;
  for (const auto& [label, folder] : numbered)
  {
    classFolders[static_cast<std::size_t>(label)] = folder;
    numericOrder.push_back(folder);
    labelOf[folder] = label;
  }
  FolderWalk walk;
  std::vector<FileListDataset::Entry> entries =
    entriesOfClassFolders(path, numericOrder, labelOf, "", path, walk);
  if (entries.empty())
  {
    throw FileError(path, "no image files in its class folders");
  }
  return std::make_shared<FileListDataset>("imagenet-v2:" + path,
                                           path,
                                           std::move(classNames),
                                           std::move(classFolders),
                                           std::move(entries));
}

std::vector<int> readIndexList(const std::string& file)
{
  requireRegularFile(file, "a class index list");
  std::ifstream in(file);
  if (!in)
  {
    throw FileError(file, "cannot open the class index list");
  }
  std::vector<int> indices;
  std::string token;
  while (std::getline(in, token, ','))
  {
    std::istringstream parse(token);
    int value = -1;
    if (!(parse >> value) || value < 0 || value > 999)
    {
      throw FileError(file, "entry '" + token + "' is not a class index 0..999");
    }
    indices.push_back(value);
  }
  if (indices.size() != 200)
  {
    throw FileError(file, "expected 200 class indices, found " + std::to_string(indices.size()));
  }
  return indices;
}

/// ImageNet-A/R: 200 wnid folders; labels 0..199 in sorted-folder order (torchvision's
/// ImageFolder), outputIndices the 200 columns of the 1000-way output, in the same order.
std::shared_ptr<const ImageDataset> openImageNet200(const std::string& kind,
                                                    const std::string& path,
                                                    const DatasetOptions& options)
{
  requireFolder(path);
  const std::string listFile = resourceDirectory() + "/imagenet/" +
                               (kind == "imagenet-a" ? "imagenet_a" : "imagenet_r") +
                               "_indices_in_1k.txt";
  const std::vector<int> outputs = readIndexList(listFile);
  const std::vector<std::string> folders = subfolders(path);
  std::vector<std::string> classNames;
  std::map<std::string, int> labelOf;
  if (options.classNames.size() == 1000)
  {
    // With the model's 1000 wnids, each folder is placed by its wnid, so a partial tree works.
    std::map<int, int> labelOfOutput;
    for (std::size_t i = 0; i < outputs.size(); ++i)
    {
      labelOfOutput[outputs[i]] = static_cast<int>(i);
      classNames.push_back(options.classNames[static_cast<std::size_t>(outputs[i])]);
    }
    for (const std::string& folder : folders)
    {
      const auto at = std::find(options.classNames.begin(), options.classNames.end(), folder);
      const int column = static_cast<int>(at - options.classNames.begin());
      if (at == options.classNames.end() || labelOfOutput.count(column) == 0)
      {
        throw FileError((fs::path(path) / folder).string(),
                        "folder '" + folder + "' is not one of the 200 " + kind + " classes");
      }
      labelOf[folder] = labelOfOutput[column];
    }
  }
  else
  {
    if (folders.size() != outputs.size())
    {
      throw FileError(path,
                      "expected " + std::to_string(outputs.size()) + " class folders for " + kind +
                        ", found " + std::to_string(folders.size()) +
                        " (give the model's 1000-class list to open a partial tree)");
    }
    classNames = folders;
    for (std::size_t i = 0; i < folders.size(); ++i)
    {
      labelOf[folders[i]] = static_cast<int>(i);
    }
  }
  std::vector<std::string> classFolders(classNames.size());
  for (const auto& [folder, label] : labelOf)
  {
    classFolders[static_cast<std::size_t>(label)] = folder;
  }
  FolderWalk walk;
  std::vector<FileListDataset::Entry> entries =
    entriesOfClassFolders(path, folders, labelOf, "", path, walk);
  if (entries.empty())
  {
    throw FileError(path, "no image files in its class folders");
  }
  return std::make_shared<FileListDataset>(kind + ":" + path,
                                           path,
                                           std::move(classNames),
                                           std::move(classFolders),
                                           std::move(entries),
                                           outputs);
}

std::string findLabelFile(const fs::path& folder)
{
  for (const fs::path& candidate : { folder / "LOC_val_solution.csv",
                                     folder.parent_path() / "LOC_val_solution.csv",
                                     folder / "val.txt",
                                     folder.parent_path() / "val.txt",
                                     folder / "labels.txt" })
  {
    std::error_code error;
    if (fs::is_regular_file(candidate, error))
    {
      return candidate.string();
    }
  }
  return {};
}

std::shared_ptr<const ImageDataset> openImageNetVal(const std::string& path,
                                                    std::string labelFile,
                                                    const DatasetOptions& options)
{
  requireFolder(path);
  if (labelFile.empty())
  {
    labelFile = findLabelFile(path);
    if (labelFile.empty())
    {
      throw FileError(path,
                      "no label file given and none found (LOC_val_solution.csv or val.txt here "
                      "or in the parent folder, labels.txt here)");
    }
  }
  requireRegularFile(labelFile, "a label file");
  std::error_code error;
  const std::uintmax_t size = fs::file_size(labelFile, error);
  if (error)
  {
    throw FileError(labelFile, "cannot open label file: " + error.message());
  }
  if (size > MaxLabelFileBytes)
  {
    throw FileError(labelFile,
                    "label file larger than " + std::to_string(MaxLabelFileBytes) + " bytes");
  }
  // The images present, by file name and by stem (the CSV names images without extension).
  std::map<std::string, std::string> byName;
  std::map<std::string, std::string> byStem;
  FolderWalk walk;
  walk.reserve(path);
  for (const std::string& file : walk.imageFilesUnder(path, path))
  {
    byName[file] = file;
    byStem[fs::path(file).replace_extension().generic_string()] = file;
  }

  std::ifstream in(labelFile);
  std::string line;
  std::size_t lineNumber = 0;
  bool csv = false;
  struct Row
  {
    std::string file;
    std::string classToken;
  };
  std::vector<Row> rows;
  while (std::getline(in, line))
  {
    ++lineNumber;
    if (!line.empty() && line.back() == '\r')
    {
      line.pop_back();
    }
    if (line.find_first_not_of(" \t") == std::string::npos)
    {
      continue;
    }
    if (lineNumber == 1 && line.rfind("ImageId", 0) == 0)
    {
      csv = true;
      continue;
    }
    const std::string where = "line " + std::to_string(lineNumber) + ": ";
    std::string name;
    std::string token;
    if (csv)
    {
      const std::size_t comma = line.find(',');
      if (comma == std::string::npos)
      {
        throw FileError(labelFile, where + "expected 'ImageId,wnid ...'");
      }
      name = line.substr(0, comma);
      std::istringstream(line.substr(comma + 1)) >> token;
    }
    else
    {
      std::istringstream(line) >> name >> token;
    }
    if (name.empty() || token.empty())
    {
      throw FileError(labelFile, where + "expected an image name and a class");
    }
    const auto named = byName.find(name);
    const auto stemmed = byStem.find(name);
    if (named == byName.end() && stemmed == byStem.end())
    {
      throw FileError(labelFile, where + "image '" + name + "' is not in " + path);
    }
    rows.push_back({ named != byName.end() ? named->second : stemmed->second, token });
  }
  if (rows.empty())
  {
    throw FileError(labelFile, "no labels in it");
  }

  const bool numeric =
    std::all_of(rows.begin(), rows.end(), [](const Row& row) { return isNumber(row.classToken); });
  std::vector<std::string> classNames = options.classNames;
  std::map<std::string, int> labelOf;
  if (numeric)
  {
    int largest = 0;
    for (const Row& row : rows)
    {
      largest = std::max(largest, std::stoi(row.classToken));
    }
    if (classNames.empty())
    {
      for (int i = 0; i <= largest; ++i)
      {
        classNames.push_back(std::to_string(i));
      }
    }
    else if (largest >= static_cast<int>(classNames.size()))
    {
      throw FileError(labelFile,
                      "class index " + std::to_string(largest) + " is beyond the " +
                        std::to_string(classNames.size()) + " classes of the class list");
    }
  }
  else
  {
    if (classNames.empty())
    {
      // Sorted class names: for the full validation set, the 1000 wnids in the standard order.
      std::set<std::string> distinct;
      for (const Row& row : rows)
      {
        distinct.insert(row.classToken);
      }
      classNames.assign(distinct.begin(), distinct.end());
    }
    for (std::size_t i = 0; i < classNames.size(); ++i)
    {
      labelOf.emplace(classNames[i], static_cast<int>(i));
    }
  }
  std::vector<FileListDataset::Entry> entries;
  for (const Row& row : rows)
  {
    int label = 0;
    if (numeric)
    {
      label = std::stoi(row.classToken);
    }
    else
    {
      const auto found = labelOf.find(row.classToken);
      if (found == labelOf.end())
      {
        throw FileError(labelFile,
                        "class '" + row.classToken + "' of image '" + row.file +
                          "' is not in the class list");
      }
      label = found->second;
    }
    entries.push_back({ row.file, label, "" });
  }
  std::sort(entries.begin(),
            entries.end(),
            [](const FileListDataset::Entry& a, const FileListDataset::Entry& b)
            { return a.relativePath < b.relativePath; });
  return std::make_shared<FileListDataset>("imagenet-val:" + path,
                                           path,
                                           std::move(classNames),
                                           std::vector<std::string>{},
                                           std::move(entries));
}

bool isSeverityFolder(const std::string& name)
{
  return name.size() == 1 && name[0] >= '1' && name[0] <= '5';
}

/// A folder whose subfolders are all severities 1..5 (and there is at least one).
bool isCorruptionFolder(const fs::path& folder)
{
  const std::vector<std::string> inside = subfolders(folder);
  return !inside.empty() && std::all_of(inside.begin(), inside.end(), isSeverityFolder);
}

/// ImageNet-C's images: 224 x 224 (Resize 256 + CenterCrop 224 of ImageNet val, then corrupted).
constexpr int ImageNetCImageSize = 224;

/// A corruption's place in the rows: the published 15, then the 4 extra, then others by name.
std::size_t corruptionRank(const std::string& name)
{
  const std::vector<std::string>& main = imageNetCCorruptions();
  const std::vector<std::string>& extra = imageNetCExtraCorruptions();
  const auto inMain = std::find(main.begin(), main.end(), name);
  if (inMain != main.end())
  {
    return static_cast<std::size_t>(inMain - main.begin());
  }
  const auto inExtra = std::find(extra.begin(), extra.end(), name);
  if (inExtra != extra.end())
  {
    return main.size() + static_cast<std::size_t>(inExtra - extra.begin());
  }
  return main.size() + extra.size();
}

/// The corruption folders of an ImageNet-C root, relative to it: CORRUPTION/ directly, or
/// GROUP/CORRUPTION/ where the release's archives (noise, blur, weather, digital, extra) were
/// unpacked into folders of their own. In corruptionRank order.
std::vector<std::string> corruptionFoldersOf(const std::string& path)
{
  std::vector<std::string> folders;
  for (const std::string& folder : subfolders(path))
  {
    if (isCorruptionFolder(fs::path(path) / folder))
    {
      folders.push_back(folder);
      continue;
    }
    for (const std::string& inner : subfolders(fs::path(path) / folder))
    {
      if (isCorruptionFolder(fs::path(path) / folder / inner))
      {
        folders.push_back(folder + "/" + inner);
      }
    }
  }
  std::stable_sort(folders.begin(),
                   folders.end(),
                   [](const std::string& a, const std::string& b)
                   {
                     const std::string nameA = fs::path(a).filename().string();
                     const std::string nameB = fs::path(b).filename().string();
                     const std::size_t rankA = corruptionRank(nameA);
                     const std::size_t rankB = corruptionRank(nameB);
                     return rankA != rankB ? rankA < rankB : nameA < nameB;
                   });
  return folders;
}

/// Every subfolder is a corruption folder, or a group folder of nothing but corruption folders.
bool isImageNetCRoot(const std::string& path, const std::vector<std::string>& folders)
{
  return std::all_of(folders.begin(),
                     folders.end(),
                     [&](const std::string& folder)
                     {
                       const fs::path inside = fs::path(path) / folder;
                       if (isCorruptionFolder(inside))
                       {
                         return true;
                       }
                       const std::vector<std::string> inner = subfolders(inside);
                       return !inner.empty() &&
                              std::all_of(inner.begin(),
                                          inner.end(),
                                          [&](const std::string& name)
                                          { return isCorruptionFolder(inside / name); });
                     });
}

std::shared_ptr<const ImageDataset> openImageNetC(const std::string& path,
                                                  const DatasetOptions& options)
{
  requireFolder(path);
  const std::vector<std::string> corruptions = corruptionFoldersOf(path);
  if (corruptions.empty())
  {
    throw FileError(path, "no <corruption>/<severity 1-5>/ folders in it (ImageNet-C layout)");
  }
  // The class folders of every corruption and severity together name the classes. A part is
  // named CORRUPTION/SEVERITY whatever group folder it is in.
  struct Part
  {
    std::string folder; ///< relative to path
    std::string name;   ///< CORRUPTION/SEVERITY
    std::vector<std::string> classes;
  };
  std::set<std::string> allClasses;
  std::set<std::string> corruptionNames;
  std::vector<Part> parts;
  for (const std::string& corruption : corruptions)
  {
    const std::string name = fs::path(corruption).filename().string();
    if (!corruptionNames.insert(name).second)
    {
      throw FileError((fs::path(path) / corruption).string(),
                      "a second folder of corruption '" + name + "'");
    }
    for (const std::string& severity : subfolders(fs::path(path) / corruption))
    {
      Part part{ corruption + "/" + severity, name + "/" + severity, {} };
      part.classes = subfolders(fs::path(path) / part.folder);
      allClasses.insert(part.classes.begin(), part.classes.end());
      parts.push_back(std::move(part));
    }
  }
  ClassMapping mapping =
    mapClassFolders(std::vector<std::string>(allClasses.begin(), allClasses.end()), options, path);
  // Every part's class folders are reserved before any is walked, so that a link from one part
  // into another is not followed.
  FolderWalk walk;
  walk.reserve(path);
  for (const Part& part : parts)
  {
    for (const std::string& folder : part.classes)
    {
      walk.reserve(fs::path(path) / part.folder / folder);
    }
  }
  std::vector<FileListDataset::Entry> entries;
  for (const Part& part : parts)
  {
    std::vector<FileListDataset::Entry> inPart = entriesOfClassFolders(
      fs::path(path) / part.folder, part.classes, mapping.labelOf, part.name, path, walk);
    std::move(inPart.begin(), inPart.end(), std::back_inserter(entries));
  }
  if (entries.empty())
  {
    throw FileError(path, "no image files in its corruption folders");
  }
  auto dataset = std::make_shared<FileListDataset>("imagenet-c:" + path,
                                                   path,
                                                   std::move(mapping.classNames),
                                                   std::move(mapping.classFolders),
                                                   std::move(entries));
  // A tree that bmfl make-ood wrote (its make-ood.json beside the corruptions) holds its source's
  // images at their own size: the bundle's transform, resize included, suits it.
  std::error_code error;
  if (!fs::exists(fs::path(path) / "make-ood.json", error))
  {
    dataset->setStoredCropSize(ImageNetCImageSize);
  }
  return dataset;
}

// ---- IDX ------------------------------------------------------------------------------------

class IdxDataset final : public ImageDataset
{
public:
  IdxDataset(std::string name,
             const std::string& imagesPath,
             const std::string& labelsPath,
             std::vector<std::string> classNames)
    : Name(std::move(name))
    , Images(readIdxFile(imagesPath))
  {
    const std::vector<std::size_t>& dims = Images.dimensions;
    if (dims.size() == 3 || (dims.size() == 4 && (dims[3] == 1 || dims[3] == 3)))
    {
      Count = dims[0];
      Height = static_cast<int>(dims[1]);
      Width = static_cast<int>(dims[2]);
      Channels = dims.size() == 4 ? static_cast<int>(dims[3]) : 1;
    }
    else
    {
      throw FileError(imagesPath,
                      "IDX images must be count x rows x columns (x 1 or 3 channels), not " +
                        std::to_string(dims.size()) + " dimensions");
    }
    if (dims[1] > 65536 || dims[2] > 65536)
    {
      throw FileError(imagesPath, "IDX image size is implausibly large");
    }
    int largest = -1;
    if (!labelsPath.empty())
    {
      IdxArray labels = readIdxFile(labelsPath);
      if (labels.dimensions.size() != 1)
      {
        throw FileError(labelsPath, "IDX labels must be one-dimensional");
      }
      if (labels.dimensions[0] != Count)
      {
        throw FileError(labelsPath,
                        "holds " + std::to_string(labels.dimensions[0]) + " labels for " +
                          std::to_string(Count) + " images in " + imagesPath);
      }
      Labels = std::move(labels.values);
      largest = Labels.empty() ? -1 : *std::max_element(Labels.begin(), Labels.end());
      if (!classNames.empty() && largest >= static_cast<int>(classNames.size()))
      {
        throw FileError(labelsPath,
                        "label " + std::to_string(largest) + " is beyond the " +
                          std::to_string(classNames.size()) + " classes");
      }
    }
    Classes = std::move(classNames);
    for (int i = static_cast<int>(Classes.size()); i <= largest; ++i)
    {
      Classes.push_back(std::to_string(i));
    }
    IdWidth = std::to_string(Count > 0 ? Count - 1 : 0).size();
  }

  std::string name() const override { return Name; }
  std::size_t size() const override { return Count; }
  const std::vector<std::string>& classNames() const override { return Classes; }
  std::string itemId(std::size_t index) const override { return zeroPadded(index, IdWidth); }
  int label(std::size_t index) const override
  {
    return Labels.empty() ? -1 : static_cast<int>(Labels.at(index));
  }
  Image loadImage(std::size_t index) const override
  {
    if (index >= Count)
    {
      throw std::out_of_range("IDX item index out of range");
    }
    Image image;
    image.width = Width;
    image.height = Height;
    image.channels = Channels;
    const std::size_t bytes = image.byteCount();
    const auto first = Images.values.begin() + static_cast<std::ptrdiff_t>(index * bytes);
    image.pixels.assign(first, first + static_cast<std::ptrdiff_t>(bytes));
    return image;
  }

private:
  std::string Name;
  IdxArray Images;
  std::vector<std::uint8_t> Labels;
  std::vector<std::string> Classes;
  std::size_t Count = 0;
  int Width = 0;
  int Height = 0;
  int Channels = 1;
  std::size_t IdWidth = 1;
};

std::string fashionMnistFolder(const DatasetOptions& options)
{
  if (!options.fashionMnistDirectory.empty())
  {
    return options.fashionMnistDirectory;
  }
  if (const char* fromEnvironment = std::getenv("BMFL_FASHION_MNIST_DIR"))
  {
    return fromEnvironment;
  }
  return "/usr/share/datasets/fashion-mnist";
}

std::shared_ptr<const ImageDataset> openFashionMnist(const std::string& split,
                                                     const DatasetOptions& options)
{
  std::string prefix;
  if (split == "train")
  {
    prefix = "train";
  }
  else if (split == "test" || split == "t10k")
  {
    prefix = "t10k";
  }
  else
  {
    throw std::invalid_argument("fashion-mnist split must be 'train' or 'test', not '" + split +
                                "'");
  }
  const fs::path folder = fashionMnistFolder(options);
  const fs::path images = folder / (prefix + "-images-idx3-ubyte.gz");
  std::error_code error;
  if (!fs::exists(images, error))
  {
    throw FileError(images.string(),
                    "Fashion-MNIST not found (install the Debian package dataset-fashion-mnist, or "
                    "set BMFL_FASHION_MNIST_DIR)");
  }
  return std::make_shared<IdxDataset>(
    "fashion-mnist:" + (prefix == "t10k" ? std::string("test") : std::string("train")),
    images.string(),
    (folder / (prefix + "-labels-idx1-ubyte.gz")).string(),
    fashionMnistClassNames());
}

/// The labels file beside an images file named in the MNIST way ("...images-idx3..." ->
/// "...labels-idx1..."), when it exists.
std::string siblingLabels(const std::string& imagesPath)
{
  const fs::path path(imagesPath);
  std::string name = path.filename().string();
  const std::size_t at = name.find("images-idx3");
  if (at == std::string::npos)
  {
    return {};
  }
  name.replace(at, 11, "labels-idx1");
  const fs::path candidate = path.parent_path() / name;
  std::error_code error;
  return fs::is_regular_file(candidate, error) ? candidate.string() : std::string();
}

bool looksLikeIdx(const std::string& path)
{
  const io::FileContent start = io::readFileStart(path, 4);
  return start.bytes.size() == 4 && start.bytes[0] == 0 && start.bytes[1] == 0 &&
         start.bytes[2] >= 0x08 && start.bytes[2] <= 0x0E && start.bytes[3] >= 1;
}

std::shared_ptr<const ImageDataset> detectDataset(const std::string& path,
                                                  const DatasetOptions& options)
{
  requireRegularFileOrFolder(path);
  std::error_code error;
  if (!fs::is_directory(path, error))
  {
    if (looksLikeIdx(path))
    {
      return std::make_shared<IdxDataset>(
        "idx:" + path, path, siblingLabels(path), options.classNames);
    }
    throw FileError(path, "not a dataset: a folder or an IDX file was expected");
  }
  const std::vector<std::string> folders = subfolders(path);
  if (folders.empty())
  {
    if (!findLabelFile(path).empty())
    {
      return openImageNetVal(path, "", options);
    }
    throw FileError(path, "no class folders and no label file in it");
  }
  if (std::all_of(folders.begin(), folders.end(), isNumber))
  {
    return openImageNetV2(path, options);
  }
  if (isImageNetCRoot(path, folders))
  {
    return openImageNetC(path, options);
  }
  return openClassFolders("folder", path, options);
}

/// Splits "a,b,c" at commas.
std::vector<std::string> splitCommas(const std::string& text)
{
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;)
  {
    const std::size_t comma = text.find(',', start);
    parts.push_back(text.substr(start, comma - start));
    if (comma == std::string::npos)
    {
      return parts;
    }
    start = comma + 1;
  }
}

/// A view of some of another dataset's items: one part of it.
class SubsetDataset final : public ImageDataset
{
public:
  SubsetDataset(std::shared_ptr<const ImageDataset> base,
                std::string part,
                std::vector<std::size_t> indices)
    : Base(std::move(base))
    , Name(Base->name() + "," + part)
    , PartName(std::move(part))
    , Indices(std::move(indices))
  {
  }
  /// A part of this part is a part of the whole: its indices into the whole.
  const std::shared_ptr<const ImageDataset>& whole() const { return Base; }
  std::size_t wholeIndex(std::size_t index) const { return Indices.at(index); }
  std::string name() const override { return Name; }
  std::size_t size() const override { return Indices.size(); }
  const std::vector<std::string>& classNames() const override { return Base->classNames(); }
  std::vector<int> outputIndices() const override { return Base->outputIndices(); }
  std::string itemId(std::size_t index) const override { return Base->itemId(Indices.at(index)); }
  int label(std::size_t index) const override { return Base->label(Indices.at(index)); }
  std::string subset(std::size_t index) const override { return Base->subset(Indices.at(index)); }
  std::string classFolderName(int label) const override { return Base->classFolderName(label); }
  Image loadImage(std::size_t index) const override { return Base->loadImage(Indices.at(index)); }
  int storedCropSize() const override { return Base->storedCropSize(); }
  std::optional<Part> partOf() const override { return Part{ Base->name(), PartName }; }

private:
  std::shared_ptr<const ImageDataset> Base;
  std::string Name;
  std::string PartName;
  std::vector<std::size_t> Indices;
};

/// The whole dataset a dataset is a part of (itself when it is whole), and the index map.
std::shared_ptr<const ImageDataset> wholeOf(const std::shared_ptr<const ImageDataset>& dataset,
                                            std::vector<std::size_t>& indices)
{
  const auto* part = dynamic_cast<const SubsetDataset*>(dataset.get());
  if (part == nullptr)
  {
    return dataset;
  }
  for (std::size_t& index : indices)
  {
    index = part->wholeIndex(index);
  }
  return part->whole();
}

} // namespace

std::string ImageDataset::classFolderName(int label) const
{
  const std::vector<std::string>& classes = classNames();
  const std::size_t width = std::to_string(classes.empty() ? 0 : classes.size() - 1).size();
  std::string folder = zeroPadded(static_cast<std::size_t>(std::max(label, 0)), width);
  if (label >= 0 && static_cast<std::size_t>(label) < classes.size())
  {
    // Index first, so that the sorted folder order is the label order when read back.
    const std::string name = folderSafe(classes[static_cast<std::size_t>(label)]);
    if (name != folder)
    {
      folder += "_" + name;
    }
  }
  return folder;
}

const std::vector<std::string>& fashionMnistClassNames()
{
  static const std::vector<std::string> names = { "T-shirt/top", "Trouser",   "Pullover", "Dress",
                                                  "Coat",        "Sandal",    "Shirt",    "Sneaker",
                                                  "Bag",         "Ankle boot" };
  return names;
}

std::shared_ptr<const ImageDataset> selectSubset(std::shared_ptr<const ImageDataset> base,
                                                 const std::string& subsetName)
{
  std::vector<std::size_t> indices;
  const std::string prefix = subsetName + "/";
  for (std::size_t i = 0; i < base->size(); ++i)
  {
    const std::string subset = base->subset(i);
    if (subset == subsetName || subset.rfind(prefix, 0) == 0)
    {
      indices.push_back(i);
    }
  }
  if (indices.empty())
  {
    throw std::invalid_argument("dataset " + base->name() + " has no subset '" + subsetName + "'");
  }
  std::shared_ptr<const ImageDataset> whole = wholeOf(base, indices);
  return std::make_shared<SubsetDataset>(std::move(whole), subsetName, std::move(indices));
}

std::vector<std::shared_ptr<const ImageDataset>> splitIntoParts(
  std::shared_ptr<const ImageDataset> dataset)
{
  std::vector<std::string> order;
  std::map<std::string, std::vector<std::size_t>> indicesOf;
  for (std::size_t i = 0; i < dataset->size(); ++i)
  {
    std::vector<std::size_t>& indices = indicesOf[dataset->subset(i)];
    if (indices.empty())
    {
      order.push_back(dataset->subset(i));
    }
    indices.push_back(i);
  }
  const std::optional<ImageDataset::Part> part = dataset->partOf();
  if (order.empty() ||
      (order.size() == 1 && (order[0].empty() || (part && part->part == order[0]))))
  {
    return { std::move(dataset) }; // a whole without parts, or one part already
  }
  std::vector<std::shared_ptr<const ImageDataset>> parts;
  for (const std::string& subset : order)
  {
    std::vector<std::size_t> indices = std::move(indicesOf[subset]);
    std::shared_ptr<const ImageDataset> whole = wholeOf(dataset, indices);
    parts.push_back(std::make_shared<SubsetDataset>(std::move(whole), subset, std::move(indices)));
  }
  return parts;
}

PreprocessConfig datasetPreprocess(const ImageDataset& dataset, const PreprocessConfig& model)
{
  const int stored = dataset.storedCropSize();
  if (stored <= 0)
  {
    return model;
  }
  if (model.cropSize > stored)
  {
    throw std::invalid_argument(dataset.name() + ": its images are " + std::to_string(stored) +
                                " x " + std::to_string(stored) +
                                " and are centre-cropped without resizing (Hendrycks' protocol), "
                                "but the model crops " +
                                std::to_string(model.cropSize) +
                                " px; use a bundle whose crop is " + "at most " +
                                std::to_string(stored));
  }
  PreprocessConfig cropOnly = model;
  cropOnly.resizeShortSide = 0;
  return cropOnly;
}

std::vector<std::string> listSubsets(const ImageDataset& dataset)
{
  std::vector<std::string> subsets;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < dataset.size(); ++i)
  {
    std::string subset = dataset.subset(i);
    if (seen.insert(subset).second)
    {
      subsets.push_back(std::move(subset));
    }
  }
  return subsets;
}

std::shared_ptr<const ImageDataset> openImageDataset(const std::string& spec,
                                                     const DatasetOptions& options)
{
  const std::size_t colon = spec.find(':');
  const std::string kind = colon == std::string::npos ? std::string() : spec.substr(0, colon);
  const std::string argument = colon == std::string::npos ? spec : spec.substr(colon + 1);
  const auto requireArgument = [&]()
  {
    if (argument.empty())
    {
      throw std::invalid_argument("dataset spec '" + spec + "' needs a path after the colon");
    }
  };
  if (kind == "fashion-mnist")
  {
    return openFashionMnist(argument, options);
  }
  if (kind == "fashion-mnist-ood")
  {
    return makeOodSet(openFashionMnist("test", options), argument);
  }
  if (kind == "idx")
  {
    requireArgument();
    const std::vector<std::string> files = splitCommas(argument);
    if (files.size() > 2)
    {
      throw std::invalid_argument("idx spec takes IMAGES[,LABELS]: '" + spec + "'");
    }
    const std::string labels = files.size() == 2 ? files[1] : siblingLabels(files[0]);
    return std::make_shared<IdxDataset>("idx:" + files[0], files[0], labels, options.classNames);
  }
  if (kind == "folder" || kind == "imagenet-sketch")
  {
    requireArgument();
    return openClassFolders(kind, argument, options);
  }
  if (kind == "imagenet-val")
  {
    requireArgument();
    const std::vector<std::string> parts = splitCommas(argument);
    if (parts.size() > 2)
    {
      throw std::invalid_argument("imagenet-val spec takes PATH[,LABELS]: '" + spec + "'");
    }
    return openImageNetVal(parts[0], parts.size() == 2 ? parts[1] : "", options);
  }
  if (kind == "imagenet-v2")
  {
    requireArgument();
    return openImageNetV2(argument, options);
  }
  if (kind == "imagenet-a" || kind == "imagenet-r")
  {
    requireArgument();
    return openImageNet200(kind, argument, options);
  }
  if (kind == "imagenet-c")
  {
    requireArgument();
    const std::vector<std::string> parts = splitCommas(argument);
    if (parts.size() > 3)
    {
      throw std::invalid_argument("imagenet-c spec takes PATH[,CORRUPTION[,SEVERITY]]: '" + spec +
                                  "'");
    }
    std::shared_ptr<const ImageDataset> all = openImageNetC(parts[0], options);
    if (parts.size() == 1)
    {
      return all;
    }
    return selectSubset(std::move(all), parts.size() == 3 ? parts[1] + "/" + parts[2] : parts[1]);
  }
  if (!kind.empty() && kind.find('/') == std::string::npos && colon > 1)
  {
    throw std::invalid_argument("unknown dataset kind '" + kind + "' in '" + spec + "'");
  }
  if (spec.empty())
  {
    throw std::invalid_argument("empty dataset spec");
  }
  return detectDataset(spec, options);
}

std::string datasetSpecHelp()
{
  return "  fashion-mnist:train | fashion-mnist:test   Fashion-MNIST (60000 / 10000 images)\n"
         "  fashion-mnist-ood:SET                      an OOD set of its test split, made on the\n"
         "                                             fly: noise, blur, weather, digital,\n"
         "                                             geometric, sketch\n"
         "  idx:IMAGES[,LABELS]                        IDX files, gzipped or not\n"
         "  folder:PATH                                class folders (sorted class order)\n"
         "  imagenet-val:PATH[,LABELS]                 flat folder + LOC_val_solution.csv or a\n"
         "                                             'file label' list\n"
         "  imagenet-v2:PATH                           numeric class folders 0..999\n"
         "  imagenet-a:PATH | imagenet-r:PATH          200 wnid folders (200 output columns)\n"
         "  imagenet-sketch:PATH                       wnid folders\n"
         "  imagenet-c:PATH[,CORRUPTION[,SEVERITY]]    CORRUPTION/SEVERITY/wnid/ tree\n"
         "  PATH                                       detected (docs/DATASETS.md)\n";
}

} // namespace bmfl
