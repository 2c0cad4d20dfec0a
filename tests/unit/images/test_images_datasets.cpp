// Every dataset kind on a tiny tree the test makes; IDX plain and gzipped; bad files.
#include "TestEnvironment.h"
#include "TestTree.h"

#include "bmfl/FileError.h"
#include "bmfl/ImageDataset.h"
#include "bmfl/ImageNetC.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

namespace
{

using bmfl::test::TemporaryFolder;
using bmfl::test::writePicture;

std::vector<std::uint8_t> idxBytes(std::uint8_t type,
                                   const std::vector<std::uint32_t>& dimensions,
                                   const std::vector<std::uint8_t>& values)
{
  std::vector<std::uint8_t> bytes = { 0, 0, type, static_cast<std::uint8_t>(dimensions.size()) };
  for (std::uint32_t dimension : dimensions)
  {
    for (int shift = 24; shift >= 0; shift -= 8)
    {
      bytes.push_back(static_cast<std::uint8_t>(dimension >> shift));
    }
  }
  bytes.insert(bytes.end(), values.begin(), values.end());
  return bytes;
}

void writeGzip(const std::string& path, const std::vector<std::uint8_t>& bytes)
{
  gzFile file = gzopen(path.c_str(), "wb");
  ASSERT_NE(file, nullptr);
  ASSERT_EQ(gzwrite(file, bytes.data(), static_cast<unsigned>(bytes.size())),
            static_cast<int>(bytes.size()));
  gzclose(file);
}

/// Expects a one-line FileError whose message names the file.
template<typename F>
void expectFileError(F f, const std::string& path, const std::string& fragment)
{
  try
  {
    f();
    ADD_FAILURE() << "no error for " << path;
  }
  catch (const bmfl::FileError& error)
  {
    const std::string message = error.what();
    EXPECT_TRUE(bmfl::test::isOneLine(message)) << message;
    EXPECT_NE(message.find(path), std::string::npos) << message;
    EXPECT_NE(message.find(fragment), std::string::npos) << message;
  }
}

TEST(ImageDatasets, ClassFoldersInSortedOrder)
{
  TemporaryFolder root;
  writePicture(root / "dog/b.png", 1);
  writePicture(root / "cat/z.jpg", 2);
  writePicture(root / "cat/a.png", 3);
  writePicture(root / "cat/nested/c.png", 4);
  bmfl::test::writeText(root / "cat/notes.txt", "not an image");
  const auto dataset = bmfl::openImageDataset("folder:" + root.path().string());
  ASSERT_EQ(dataset->size(), 4u);
  EXPECT_EQ(dataset->classNames(), (std::vector<std::string>{ "cat", "dog" }));
  EXPECT_EQ(dataset->itemId(0), "cat/a.png");
  EXPECT_EQ(dataset->itemId(1), "cat/nested/c.png");
  EXPECT_EQ(dataset->itemId(2), "cat/z.jpg");
  EXPECT_EQ(dataset->label(2), 0);
  EXPECT_EQ(dataset->label(3), 1);
  EXPECT_EQ(dataset->classFolderName(1), "dog");
  const bmfl::Image image = dataset->loadImage(0);
  EXPECT_EQ(image.width, 20);
  EXPECT_EQ(image.height, 16);
  EXPECT_EQ(image.channels, 3);
  // A bare path with class folders is detected as such.
  EXPECT_EQ(bmfl::openImageDataset(root.path().string())->size(), 4u);
}

TEST(ImageDatasets, WnidFoldersMappedOntoAClassList)
{
  TemporaryFolder root;
  writePicture(root / "n02000002/x.png");
  writePicture(root / "n01000001/y.png");
  bmfl::DatasetOptions options;
  options.classNames = { "n00000000", "n01000001", "n02000002", "n03000003" };
  const auto dataset = bmfl::openImageDataset("imagenet-sketch:" + root.path().string(), options);
  ASSERT_EQ(dataset->size(), 2u);
  EXPECT_EQ(dataset->classNames().size(), 4u);
  EXPECT_EQ(dataset->itemId(0), "n01000001/y.png");
  EXPECT_EQ(dataset->label(0), 1);
  EXPECT_EQ(dataset->label(1), 2);
  writePicture(root / "n09999999/z.png");
  expectFileError([&]() { bmfl::openImageDataset("folder:" + root.path().string(), options); },
                  "n09999999",
                  "not in the class list");
}

TEST(ImageDatasets, ClassFoldersNamedAsUsersNameThemMapOntoTheModelClasses)
{
  // make-ood's layout: <index>_<name with '/' and spaces as '_'>, as classFolderName writes it.
  TemporaryFolder made;
  bmfl::DatasetOptions options;
  options.classNames = bmfl::fashionMnistClassNames();
  writePicture(made / "0_T-shirt_top/0000.png", 1);
  writePicture(made / "5_Sandal/0001.png", 2);
  writePicture(made / "9_Ankle_boot/0002.png", 3);
  writePicture(made / "9_Ankle_boot/0003.png", 4);
  const auto fromMakeOod = bmfl::openImageDataset(made.path().string(), options);
  ASSERT_EQ(fromMakeOod->size(), 4u);
  EXPECT_EQ(fromMakeOod->classNames(), bmfl::fashionMnistClassNames());
  EXPECT_EQ(fromMakeOod->label(0), 0);
  EXPECT_EQ(fromMakeOod->label(1), 5);
  EXPECT_EQ(fromMakeOod->label(2), 9);
  EXPECT_EQ(fromMakeOod->label(3), 9);
  EXPECT_EQ(fromMakeOod->classFolderName(9), "9_Ankle_boot");

  // The exact name, the name with '/' and spaces as '_', and a bare index, mixed.
  TemporaryFolder mixed;
  writePicture(mixed / "Trouser/a.png");
  writePicture(mixed / "T-shirt_top/b.png");
  writePicture(mixed / "Ankle_boot/c.png");
  writePicture(mixed / "7/d.png");
  const auto named = bmfl::openImageDataset("folder:" + mixed.path().string(), options);
  ASSERT_EQ(named->size(), 4u);
  EXPECT_EQ(named->itemId(0), "7/d.png");
  EXPECT_EQ(named->label(0), 7);
  EXPECT_EQ(named->label(1), 9);
  EXPECT_EQ(named->label(2), 0);
  EXPECT_EQ(named->label(3), 1);

  // ImageNet wnid folders for classes that carry a wnid before their name.
  TemporaryFolder wnids;
  writePicture(wnids / "n01443537/x.png");
  bmfl::DatasetOptions imagenet;
  imagenet.classNames = { "n01440764 tench", "n01443537 goldfish", "n01484850 great white shark" };
  const auto byWnid = bmfl::openImageDataset("folder:" + wnids.path().string(), imagenet);
  ASSERT_EQ(byWnid->size(), 1u);
  EXPECT_EQ(byWnid->label(0), 1);
}

TEST(ImageDatasets, AmbiguousOrUnknownClassFoldersAreOneLineErrors)
{
  bmfl::DatasetOptions options;
  options.classNames = bmfl::fashionMnistClassNames();
  {
    TemporaryFolder twoForOne;
    writePicture(twoForOne / "0/a.png");
    writePicture(twoForOne / "T-shirt_top/b.png");
    expectFileError([&]()
                    { bmfl::openImageDataset("folder:" + twoForOne.path().string(), options); },
                    "T-shirt_top",
                    "class folders '0' and 'T-shirt_top' both name class 'T-shirt/top'");
  }
  {
    TemporaryFolder oneForTwo;
    writePicture(oneForTwo / "a_b/a.png");
    bmfl::DatasetOptions clash;
    clash.classNames = { "a b", "a/b" };
    expectFileError([&]() { bmfl::openImageDataset("folder:" + oneForTwo.path().string(), clash); },
                    "a_b",
                    "is ambiguous: it names classes 'a b', 'a/b'");
  }
  {
    // An index whose name disagrees names no class; the nearest class's forms are suggested.
    TemporaryFolder unknown;
    writePicture(unknown / "3_Tshirt_top/a.png");
    expectFileError([&]() { bmfl::openImageDataset("folder:" + unknown.path().string(), options); },
                    "3_Tshirt_top",
                    "not in the class list (10 classes); the nearest class is named 'T-shirt/top', "
                    "'T-shirt_top', '0_T-shirt_top' or '0'");
  }
}

TEST(ImageDatasets, SymlinkLoopsAndRepeatsCountEachRealImageOnce)
{
  TemporaryFolder outside;
  writePicture(outside / "bird/1.png", 5);
  TemporaryFolder root;
  writePicture(root / "cat/a.png", 1);
  writePicture(root / "cat/b.png", 2);
  writePicture(root / "dog/c.png", 3);
  // A loop back to the dataset root, a link from one class into another, a second name for an
  // image, and a link to a real class folder outside the dataset (followed, once).
  std::filesystem::create_directory_symlink("..", root / "cat/loop");
  std::filesystem::create_directory_symlink("../cat", root / "dog/cats");
  std::filesystem::create_symlink("../cat/a.png", root / "dog/again.png");
  std::filesystem::create_directory_symlink(outside / "bird", root / "bird");
  const auto dataset = bmfl::openImageDataset("folder:" + root.path().string());
  ASSERT_EQ(dataset->size(), 4u);
  EXPECT_EQ(dataset->classNames(), (std::vector<std::string>{ "bird", "cat", "dog" }));
  EXPECT_EQ(dataset->itemId(0), "bird/1.png");
  EXPECT_EQ(dataset->itemId(1), "cat/a.png");
  EXPECT_EQ(dataset->itemId(2), "cat/b.png");
  EXPECT_EQ(dataset->itemId(3), "dog/c.png");
  EXPECT_EQ(dataset->label(0), 0);
  EXPECT_EQ(dataset->label(1), 1);
  EXPECT_EQ(dataset->label(2), 1);
  EXPECT_EQ(dataset->label(3), 2);

  // A flat ImageNet-val folder with a loop: each image once.
  TemporaryFolder flat;
  writePicture(flat / "v1.png");
  writePicture(flat / "v2.png");
  bmfl::test::writeText(flat / "val.txt", "v1.png 0\nv2.png 1\n");
  std::filesystem::create_directory_symlink(".", flat / "self");
  EXPECT_EQ(bmfl::openImageDataset("imagenet-val:" + flat.path().string())->size(), 2u);
}

TEST(ImageDatasets, ImageNetV2FoldersSortNumerically)
{
  TemporaryFolder root;
  for (int folder = 0; folder <= 11; ++folder)
  {
    writePicture(root / (std::to_string(folder) + "/img.png"), folder);
  }
  const auto dataset = bmfl::openImageDataset("imagenet-v2:" + root.path().string());
  ASSERT_EQ(dataset->size(), 12u);
  EXPECT_EQ(dataset->classNames().size(), 1000u);
  for (std::size_t i = 0; i < 12; ++i)
  {
    // Numeric order: item i is folder i and has label i ("10" is class 10, after "9").
    EXPECT_EQ(dataset->itemId(i), std::to_string(i) + "/img.png");
    EXPECT_EQ(dataset->label(i), static_cast<int>(i));
  }
  // Detected from a bare path, too.
  EXPECT_EQ(bmfl::openImageDataset(root.path().string())->label(10), 10);
  writePicture(root / "cats/img.png");
  expectFileError([&]() { bmfl::openImageDataset("imagenet-v2:" + root.path().string()); },
                  "cats",
                  "class index");
}

TEST(ImageDatasets, ImageNetValWithSolutionCsv)
{
  TemporaryFolder root;
  const std::string val = root / "val";
  writePicture(val + "/ILSVRC2012_val_00000002.JPEG", 1);
  writePicture(val + "/ILSVRC2012_val_00000001.JPEG", 2);
  writePicture(val + "/ILSVRC2012_val_00000003.JPEG", 3);
  bmfl::test::writeText(root / "LOC_val_solution.csv",
                        "ImageId,PredictionString\n"
                        "ILSVRC2012_val_00000002,n09000009 1 2 3 4 n09000009 5 6 7 8\n"
                        "ILSVRC2012_val_00000001,n01000001 1 2 3 4\r\n"
                        "ILSVRC2012_val_00000003,n05000005 0 0 9 9\n");
  // The label file is found beside the folder.
  const auto dataset = bmfl::openImageDataset("imagenet-val:" + val);
  ASSERT_EQ(dataset->size(), 3u);
  EXPECT_EQ(dataset->classNames(),
            (std::vector<std::string>{ "n01000001", "n05000005", "n09000009" }));
  EXPECT_EQ(dataset->itemId(0), "ILSVRC2012_val_00000001.JPEG");
  EXPECT_EQ(dataset->label(0), 0);
  EXPECT_EQ(dataset->label(1), 2);
  EXPECT_EQ(dataset->label(2), 1);
  EXPECT_EQ(dataset->loadImage(1).width, 20);
  // A bare path to a flat folder with a label file beside it is detected as ImageNet val.
  EXPECT_EQ(bmfl::openImageDataset(val)->name(), "imagenet-val:" + val);
}

TEST(ImageDatasets, ImageNetValWithPlainLabelList)
{
  TemporaryFolder root;
  writePicture(root / "images/b.png", 1);
  writePicture(root / "images/a.png", 2);
  bmfl::test::writeText(root / "labels.txt", "b.png 7\na.png 3\n");
  const auto dataset =
    bmfl::openImageDataset("imagenet-val:" + (root / "images") + "," + (root / "labels.txt"));
  ASSERT_EQ(dataset->size(), 2u);
  EXPECT_EQ(dataset->itemId(0), "a.png");
  EXPECT_EQ(dataset->label(0), 3);
  EXPECT_EQ(dataset->label(1), 7);
  EXPECT_EQ(dataset->classNames().size(), 8u);
  bmfl::test::writeText(root / "bad.txt", "a.png 3\nmissing.png 4\n");
  expectFileError(
    [&]()
    { bmfl::openImageDataset("imagenet-val:" + (root / "images") + "," + (root / "bad.txt")); },
    root / "bad.txt",
    "line 2");
}

TEST(ImageDatasets, ImageNetAExposesItsOutputColumns)
{
  TemporaryFolder root;
  for (int i = 0; i < 200; ++i)
  {
    char wnid[16];
    std::snprintf(wnid, sizeof wnid, "n%08d", i);
    std::filesystem::create_directories(root.path() / wnid);
  }
  writePicture(root / "n00000000/a.jpg", 1);
  writePicture(root / "n00000199/b.jpg", 2);
  const auto dataset = bmfl::openImageDataset("imagenet-a:" + root.path().string());
  ASSERT_EQ(dataset->size(), 2u);
  EXPECT_EQ(dataset->classNames().size(), 200u);
  EXPECT_EQ(dataset->label(0), 0);
  EXPECT_EQ(dataset->label(1), 199);
  const std::vector<int> columns = dataset->outputIndices();
  ASSERT_EQ(columns.size(), 200u);
  EXPECT_EQ(columns[0], 6);
  EXPECT_EQ(columns[1], 11);
  EXPECT_EQ(columns[199], 988);
  const auto r = bmfl::openImageDataset("imagenet-r:" + root.path().string());
  EXPECT_EQ(r->outputIndices()[0], 1);
  EXPECT_EQ(r->outputIndices()[2], 4);

  // A partial tree with the model's 1000 classes: folders placed by wnid.
  TemporaryFolder partial;
  writePicture(partial / "w0011/a.png");
  writePicture(partial / "w0006/b.png");
  bmfl::DatasetOptions options;
  for (int i = 0; i < 1000; ++i)
  {
    char wnid[8];
    std::snprintf(wnid, sizeof wnid, "w%04d", i);
    options.classNames.emplace_back(wnid);
  }
  const auto placed = bmfl::openImageDataset("imagenet-a:" + partial.path().string(), options);
  EXPECT_EQ(placed->label(0), 0); // w0006 is column 6, the first of the 200
  EXPECT_EQ(placed->label(1), 1); // w0011 is column 11, the second
  EXPECT_EQ(placed->classNames()[1], "w0011");
  writePicture(partial / "w0007/c.png");
  expectFileError([&]()
                  { bmfl::openImageDataset("imagenet-a:" + partial.path().string(), options); },
                  "w0007",
                  "not one of the 200");
  // Without the class list, a tree that is not the full 200 is refused.
  expectFileError([&]() { bmfl::openImageDataset("imagenet-r:" + partial.path().string()); },
                  partial.path().string(),
                  "expected 200 class folders");
}

TEST(ImageDatasets, ImageNetCTreeWithSubsets)
{
  TemporaryFolder root;
  writePicture(root / "gaussian_noise/1/n01/a.png", 1);
  writePicture(root / "gaussian_noise/1/n02/b.png", 2);
  writePicture(root / "gaussian_noise/3/n01/a.png", 3);
  writePicture(root / "fog/2/n02/b.png", 4);
  writePicture(root / "speckle_noise/1/n01/c.png", 5);
  writePicture(root / "my_blur/1/n01/d.png", 6);
  const auto dataset = bmfl::openImageDataset("imagenet-c:" + root.path().string());
  ASSERT_EQ(dataset->size(), 6u);
  EXPECT_EQ(dataset->classNames(), (std::vector<std::string>{ "n01", "n02" }));
  // In the published order, then the extra four, then others by name.
  EXPECT_EQ(bmfl::listSubsets(*dataset),
            (std::vector<std::string>{
              "gaussian_noise/1", "gaussian_noise/3", "fog/2", "speckle_noise/1", "my_blur/1" }));
  EXPECT_EQ(dataset->subset(0), "gaussian_noise/1");
  EXPECT_EQ(dataset->label(1), 1);
  EXPECT_EQ(dataset->itemId(1), "gaussian_noise/1/n02/b.png");
  EXPECT_EQ(
    bmfl::openImageDataset("imagenet-c:" + root.path().string() + ",gaussian_noise")->size(), 3u);
  const auto one =
    bmfl::openImageDataset("imagenet-c:" + root.path().string() + ",gaussian_noise,3");
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ(one->subset(0), "gaussian_noise/3");
  EXPECT_EQ(bmfl::openImageDataset(root.path().string())->size(), 6u); // detected
}

TEST(ImageDatasets, ImageNetCSplitsIntoOneDatasetPerCorruptionAndSeverity)
{
  TemporaryFolder root;
  writePicture(root / "fog/2/n02/b.png", 4);
  writePicture(root / "gaussian_noise/1/n01/a.png", 1);
  writePicture(root / "gaussian_noise/1/n02/b.png", 2);
  writePicture(root / "gaussian_noise/3/n01/a.png", 3);
  const std::string spec = "imagenet-c:" + root.path().string();
  const auto parts = bmfl::splitIntoParts(bmfl::openImageDataset(spec));
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0]->name(), spec + ",gaussian_noise/1");
  EXPECT_EQ(parts[0]->size(), 2u);
  EXPECT_EQ(parts[0]->itemId(1), "gaussian_noise/1/n02/b.png");
  EXPECT_EQ(parts[0]->label(1), 1);
  ASSERT_TRUE(parts[2]->partOf().has_value());
  EXPECT_EQ(parts[2]->partOf()->whole, spec);
  EXPECT_EQ(parts[2]->partOf()->part, "fog/2");
  EXPECT_EQ(parts[2]->storedCropSize(), 224);
  // A corruption named in the spec splits into its severities, parts of the same whole.
  const auto severities = bmfl::splitIntoParts(bmfl::openImageDataset(spec + ",gaussian_noise"));
  ASSERT_EQ(severities.size(), 2u);
  EXPECT_EQ(severities[1]->name(), spec + ",gaussian_noise/3");
  EXPECT_EQ(severities[1]->partOf()->whole, spec);
  EXPECT_EQ(severities[1]->itemId(0), "gaussian_noise/3/n01/a.png");
  // One part stays one; a dataset without parts stays whole.
  const auto one = bmfl::splitIntoParts(bmfl::openImageDataset(spec + ",fog,2"));
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0]->partOf()->part, "fog/2");
  TemporaryFolder plain;
  writePicture(plain / "n01/a.png", 1);
  const auto whole =
    bmfl::splitIntoParts(bmfl::openImageDataset("folder:" + plain.path().string()));
  ASSERT_EQ(whole.size(), 1u);
  EXPECT_FALSE(whole[0]->partOf().has_value());
  EXPECT_EQ(whole[0]->storedCropSize(), 0);
}

TEST(ImageDatasets, ImageNetCInTheReleaseGroupFolders)
{
  // The release's archives unpacked each into its own folder: noise/gaussian_noise/1/...
  TemporaryFolder root;
  writePicture(root / "noise/gaussian_noise/1/n01/a.png", 1);
  writePicture(root / "weather/fog/5/n02/b.png", 2);
  for (const std::string& spec : { "imagenet-c:" + root.path().string(), root.path().string() })
  {
    const auto dataset = bmfl::openImageDataset(spec);
    ASSERT_EQ(dataset->size(), 2u);
    EXPECT_EQ(bmfl::listSubsets(*dataset),
              (std::vector<std::string>{ "gaussian_noise/1", "fog/5" }));
    EXPECT_EQ(dataset->itemId(1), "weather/fog/5/n02/b.png");
    EXPECT_EQ(dataset->storedCropSize(), 224);
  }
}

TEST(ImageDatasets, ImageNetCIsCentreCroppedWithoutResize)
{
  // Hendrycks' test.py: CenterCrop(224), ToTensor, Normalize; no Resize(256). A model that
  // crops 200 sees the centre 200 x 200 of the 224 x 224 image, pixel for pixel.
  TemporaryFolder root;
  writePicture(root / "contrast/4/n01/ILSVRC2012_val_00000001.JPEG", 3, 224, 224);
  const auto dataset = bmfl::openImageDataset("imagenet-c:" + root.path().string());
  bmfl::PreprocessConfig model; // resize 256, crop 224, ImageNet mean/std
  model.cropSize = 200;
  const bmfl::PreprocessConfig used = bmfl::datasetPreprocess(*dataset, model);
  EXPECT_EQ(used.resizeShortSide, 0);
  EXPECT_EQ(used.cropSize, 200);
  bmfl::StreamOptions options;
  options.transform = used;
  options.workers = 1;
  bmfl::DatasetStream stream(dataset, options);
  bmfl::DatasetItem item;
  ASSERT_TRUE(stream.next(item));
  ASSERT_EQ(item.tensor.channels, 3);
  ASSERT_EQ(item.tensor.height, 200);
  const bmfl::Image decoded =
    bmfl::decodeImageFile(root / "contrast/4/n01/ILSVRC2012_val_00000001.JPEG");
  ASSERT_EQ(decoded.width, 224);
  double largest = 0.0;
  for (int c = 0; c < 3; ++c)
  {
    for (int y = 0; y < 200; ++y)
    {
      for (int x = 0; x < 200; ++x)
      {
        const int pixel =
          decoded
            .pixels[((static_cast<std::size_t>(y) + 12) * 224 + static_cast<std::size_t>(x) + 12) *
                      3 +
                    static_cast<std::size_t>(c)];
        const double expected = (pixel / 255.0 - model.mean[static_cast<std::size_t>(c)]) /
                                model.std[static_cast<std::size_t>(c)];
        largest = std::max(largest, std::abs(item.tensor.at(c, y, x) - expected));
      }
    }
  }
  EXPECT_LT(largest, 1e-5);
  // The model's own transform (resize to 256 first) would give other values.
  const bmfl::ImageTensor resized = bmfl::evaluationTransform(decoded, model);
  double difference = 0.0;
  for (std::size_t i = 0; i < resized.values.size(); ++i)
  {
    difference = std::max(difference,
                          static_cast<double>(std::abs(resized.values[i] - item.tensor.values[i])));
  }
  EXPECT_GT(difference, 0.1);
  // A tree make-ood wrote holds its source's images at their own size: the model's transform.
  bmfl::test::writeText(root / "make-ood.json", "{}");
  const auto generated = bmfl::openImageDataset("imagenet-c:" + root.path().string());
  EXPECT_EQ(generated->storedCropSize(), 0);
  EXPECT_EQ(bmfl::datasetPreprocess(*generated, model).resizeShortSide, 256);
  // Other datasets keep the model's transform.
  TemporaryFolder plain;
  writePicture(plain / "n01/a.png", 1);
  EXPECT_EQ(
    bmfl::datasetPreprocess(*bmfl::openImageDataset("folder:" + plain.path().string()), model)
      .resizeShortSide,
    256);
}

TEST(ImageDatasets, ImageNetCRefusesAModelThatCropsMoreThan224)
{
  TemporaryFolder root;
  writePicture(root / "fog/1/n01/a.png", 1);
  const auto dataset = bmfl::openImageDataset("imagenet-c:" + root.path().string());
  bmfl::PreprocessConfig model;
  model.resizeShortSide = 292;
  model.cropSize = 256;
  try
  {
    bmfl::datasetPreprocess(*bmfl::splitIntoParts(dataset).at(0), model);
    ADD_FAILURE() << "a 256 px crop of ImageNet-C was accepted";
  }
  catch (const std::invalid_argument& error)
  {
    const std::string message = error.what();
    EXPECT_TRUE(bmfl::test::isOneLine(message)) << message;
    EXPECT_NE(message.find(root.path().string()), std::string::npos) << message;
    EXPECT_NE(message.find("256"), std::string::npos) << message;
    EXPECT_NE(message.find("224"), std::string::npos) << message;
  }
}

TEST(ImageDatasets, MeanCorruptionErrorByHand)
{
  // gaussian_noise: mean error 0.7, CE = 0.7 / 0.886428 = 0.789686; contrast: 0.2 / 0.853204 =
  // 0.234411; mCE = 0.512048. A corruption outside ImageNet-C has a mean error but no CE.
  const bmfl::ImageNetCSummary summary =
    bmfl::summarizeImageNetC({ { "contrast", { 0.2, 0.2, 0.2, 0.2, 0.2 } },
                               { "gaussian_noise", { 0.5, 0.6, 0.7, 0.8, 0.9 } },
                               { "speckle_noise", { 0.1, 0.3 } } });
  ASSERT_EQ(summary.corruptions.size(), 3u);
  EXPECT_EQ(summary.corruptions[0].corruption, "gaussian_noise");
  EXPECT_NEAR(summary.corruptions[0].meanError, 0.7, 1e-12);
  EXPECT_NEAR(*summary.corruptions[0].corruptionError, 0.789686, 1e-6);
  EXPECT_NEAR(*summary.corruptions[1].corruptionError, 0.234411, 1e-6);
  EXPECT_FALSE(summary.corruptions[2].corruptionError.has_value());
  EXPECT_NEAR(summary.corruptions[2].meanError, 0.2, 1e-12);
  ASSERT_TRUE(summary.meanCorruptionError.has_value());
  EXPECT_NEAR(*summary.meanCorruptionError, 0.512048, 1e-6);
  EXPECT_NEAR(summary.meanError, (0.7 + 0.2 + 0.2) / 3.0, 1e-12);
  EXPECT_FALSE(summary.complete);

  // All 15 at AlexNet's own error: every CE is 1, and so is the mCE.
  std::map<std::string, std::vector<double>> alexNet;
  for (const std::string& name : bmfl::imageNetCCorruptions())
  {
    alexNet[name] = std::vector<double>(5, *bmfl::alexNetImageNetCError(name));
  }
  const bmfl::ImageNetCSummary same = bmfl::summarizeImageNetC(alexNet);
  EXPECT_TRUE(same.complete);
  EXPECT_NEAR(*same.meanCorruptionError, 1.0, 1e-12);
  EXPECT_THROW(bmfl::summarizeImageNetC({ { "fog", { 1.5 } } }), std::invalid_argument);
}

TEST(ImageDatasets, RelativeMeanCorruptionErrorByHand)
{
  // Relative CE_c = (mean_s E_s,c - E_clean) / (AlexNet's mean - AlexNet's clean 0.43478):
  // gaussian_noise (0.7 - 0.3) / (0.886428 - 0.43478) = 0.885645; contrast (0.2 - 0.3) /
  // (0.853204 - 0.43478) = -0.238992; relative mCE = 0.323327. No relative CE without a clean
  // error, none for a corruption outside the 15.
  EXPECT_DOUBLE_EQ(bmfl::alexNetCleanError(), 0.43478);
  const bmfl::ImageNetCSummary summary =
    bmfl::summarizeImageNetC({ { "contrast", { 0.2, 0.2, 0.2, 0.2, 0.2 } },
                               { "gaussian_noise", { 0.5, 0.6, 0.7, 0.8, 0.9 } },
                               { "saturate", { 0.4 } } },
                             0.3);
  ASSERT_EQ(summary.corruptions.size(), 3u);
  EXPECT_NEAR(*summary.corruptions[0].relativeCorruptionError, 0.885645, 1e-6);
  EXPECT_NEAR(*summary.corruptions[1].relativeCorruptionError, -0.238992, 1e-6);
  EXPECT_EQ(summary.corruptions[2].corruption, "saturate");
  EXPECT_FALSE(summary.corruptions[2].relativeCorruptionError.has_value());
  ASSERT_TRUE(summary.relativeMeanCorruptionError.has_value());
  EXPECT_NEAR(*summary.relativeMeanCorruptionError, 0.323327, 1e-6);
  EXPECT_FALSE(bmfl::summarizeImageNetC({ { "fog", { 0.5 } } }).relativeMeanCorruptionError);
  EXPECT_THROW(bmfl::summarizeImageNetC({ { "fog", { 0.5 } } }, 1.5), std::invalid_argument);
}

TEST(ImageDatasets, IdxPlainAndGzipped)
{
  TemporaryFolder root;
  std::vector<std::uint8_t> pixels(3 * 4 * 5);
  for (std::size_t i = 0; i < pixels.size(); ++i)
  {
    pixels[i] = static_cast<std::uint8_t>(i * 4);
  }
  const std::string images = root / "toy-images-idx3-ubyte";
  bmfl::test::writeBytes(images, idxBytes(0x08, { 3, 4, 5 }, pixels));
  bmfl::test::writeBytes(root / "toy-labels-idx1-ubyte", idxBytes(0x08, { 3 }, { 2, 0, 1 }));
  writeGzip(root / "toy-images-idx3-ubyte.gz", idxBytes(0x08, { 3, 4, 5 }, pixels));
  writeGzip(root / "toy-labels-idx1-ubyte.gz", idxBytes(0x08, { 3 }, { 2, 0, 1 }));

  for (const std::string& spec : { "idx:" + images,
                                   images + ".gz",
                                   "idx:" + images + ".gz," + (root / "toy-labels-idx1-ubyte.gz") })
  {
    const auto dataset = bmfl::openImageDataset(spec);
    ASSERT_EQ(dataset->size(), 3u) << spec;
    EXPECT_EQ(dataset->label(0), 2) << spec;
    EXPECT_EQ(dataset->label(2), 1) << spec;
    EXPECT_EQ(dataset->classNames().size(), 3u);
    EXPECT_EQ(dataset->itemId(1), "1");
    const bmfl::Image second = dataset->loadImage(1);
    EXPECT_EQ(second.width, 5);
    EXPECT_EQ(second.height, 4);
    EXPECT_EQ(second.channels, 1);
    EXPECT_EQ(second.pixels[0], 80); // value index 20 * 4
  }
  const bmfl::IdxArray array = bmfl::readIdxFile(images + ".gz");
  EXPECT_EQ(array.dimensions, (std::vector<std::size_t>{ 3, 4, 5 }));
}

TEST(ImageDatasets, BadIdxFilesGiveOneLineErrors)
{
  TemporaryFolder root;
  std::vector<std::uint8_t> full = idxBytes(0x08, { 10, 28, 28 }, std::vector<std::uint8_t>(7840));
  std::vector<std::uint8_t> truncated(full.begin(), full.begin() + 5000);
  bmfl::test::writeBytes(root / "truncated.idx", truncated);
  expectFileError(
    [&]() { bmfl::readIdxFile(root / "truncated.idx"); }, root / "truncated.idx", "truncated");
  writeGzip(root / "truncated.idx.gz", truncated);
  expectFileError([&]() { bmfl::readIdxFile(root / "truncated.idx.gz"); },
                  root / "truncated.idx.gz",
                  "truncated");
  // A header claiming 4 billion images is refused before anything is allocated.
  bmfl::test::writeBytes(root / "huge.idx", idxBytes(0x08, { 0xffffffffu, 28, 28 }, {}));
  expectFileError([&]() { bmfl::readIdxFile(root / "huge.idx"); }, root / "huge.idx", "limit");
  bmfl::test::writeBytes(root / "float.idx", idxBytes(0x0D, { 2 }, { 0, 0, 0, 0, 0, 0, 0, 0 }));
  expectFileError([&]() { bmfl::readIdxFile(root / "float.idx"); }, root / "float.idx", "0x0D");
  bmfl::test::writeBytes(root / "magic.idx", { 1, 2, 3, 4, 5, 6, 7, 8 });
  expectFileError(
    [&]() { bmfl::readIdxFile(root / "magic.idx"); }, root / "magic.idx", "magic number");
  // A gzip stream cut short.
  writeGzip(root / "whole.gz", full);
  std::ifstream in(root / "whole.gz", std::ios::binary);
  std::vector<std::uint8_t> gz((std::istreambuf_iterator<char>(in)),
                               std::istreambuf_iterator<char>());
  gz.resize(gz.size() / 2);
  bmfl::test::writeBytes(root / "cut.gz", gz);
  expectFileError([&]() { bmfl::readIdxFile(root / "cut.gz"); }, root / "cut.gz", "gzip");
  // Labels that do not match the images.
  bmfl::test::writeBytes(root / "a-images-idx3-ubyte",
                         idxBytes(0x08, { 2, 2, 2 }, { 1, 2, 3, 4, 5, 6, 7, 8 }));
  bmfl::test::writeBytes(root / "a-labels-idx1-ubyte", idxBytes(0x08, { 3 }, { 0, 1, 2 }));
  expectFileError([&]() { bmfl::openImageDataset(root / "a-images-idx3-ubyte"); },
                  root / "a-labels-idx1-ubyte",
                  "3 labels for 2 images");
}

TEST(ImageDatasets, CorruptAndTruncatedImagesGiveOneLineErrors)
{
  TemporaryFolder root;
  const std::vector<std::uint8_t> png =
    bmfl::encodeImage(bmfl::test::syntheticImage(64, 48, 3), ".png");
  const std::vector<std::uint8_t> jpeg =
    bmfl::encodeImage(bmfl::test::syntheticImage(64, 48, 3), ".jpg");
  bmfl::test::writeBytes(root / "half.png",
                         std::vector<std::uint8_t>(
                           png.begin(), png.begin() + static_cast<std::ptrdiff_t>(png.size() / 2)));
  bmfl::test::writeBytes(
    root / "half.jpg",
    std::vector<std::uint8_t>(jpeg.begin(),
                              jpeg.begin() + static_cast<std::ptrdiff_t>(jpeg.size() / 2)));
  bmfl::test::writeBytes(root / "noise.jpg", { 0x12, 0x34, 0x56, 0x78, 0x9a });
  bmfl::test::writeBytes(root / "empty.png", {});
  expectFileError(
    [&]() { bmfl::decodeImageFile(root / "half.png"); }, root / "half.png", "truncated");
  expectFileError(
    [&]() { bmfl::decodeImageFile(root / "half.jpg"); }, root / "half.jpg", "truncated");
  expectFileError(
    [&]() { bmfl::decodeImageFile(root / "noise.jpg"); }, root / "noise.jpg", "decode");
  expectFileError(
    [&]() { bmfl::decodeImageFile(root / "empty.png"); }, root / "empty.png", "empty");
  expectFileError(
    [&]() { bmfl::decodeImageFile(root / "missing.png"); }, root / "missing.png", "cannot open");
  expectFileError([&]() { bmfl::openImageDataset(root / "nothing-here"); },
                  root / "nothing-here",
                  "no such file");
  // A PNG whose header claims 60000 x 60000 pixels is refused before decoding.
  std::vector<std::uint8_t> huge = png;
  for (std::size_t at : { 16u, 20u })
  {
    huge[at] = 0;
    huge[at + 1] = 0;
    huge[at + 2] = 0xea;
    huge[at + 3] = 0x60;
  }
  bmfl::test::writeBytes(root / "huge.png", huge);
  expectFileError(
    [&]() { bmfl::decodeImageFile(root / "huge.png"); }, root / "huge.png", "more than the limit");
  // The whole files decode.
  bmfl::test::writeBytes(root / "whole.jpg", jpeg);
  EXPECT_EQ(bmfl::decodeImageFile(root / "whole.jpg").width, 64);
}

TEST(ImageDatasets, FashionMnistSpec)
{
  if (!std::filesystem::exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz") &&
      !std::getenv("BMFL_FASHION_MNIST_DIR"))
  {
    BMFL_SKIP_UNLESS_CI("Fashion-MNIST not installed (package dataset-fashion-mnist)");
  }
  const auto train = bmfl::openImageDataset("fashion-mnist:train");
  const auto test = bmfl::openImageDataset("fashion-mnist:test");
  EXPECT_EQ(train->size(), 60000u);
  EXPECT_EQ(test->size(), 10000u);
  EXPECT_EQ(train->name(), "fashion-mnist:train");
  ASSERT_EQ(train->classNames().size(), 10u);
  // The first training label is 9, "Ankle boot" (checked independently with Python's gzip).
  EXPECT_EQ(train->label(0), 9);
  EXPECT_EQ(train->classNames()[9], "Ankle boot");
  EXPECT_EQ(train->classNames()[0], "T-shirt/top");
  EXPECT_EQ(train->classFolderName(0), "0_T-shirt_top");
  EXPECT_EQ(test->label(0), 9);
  const bmfl::Image first = train->loadImage(0);
  EXPECT_EQ(first.width, 28);
  EXPECT_EQ(first.height, 28);
  EXPECT_EQ(first.channels, 1);

  // The OOD sets as specs: the test split's images and labels, corrupted on the fly, the same
  // bytes from two separately opened instances.
  const auto noise = bmfl::openImageDataset("fashion-mnist-ood:noise");
  EXPECT_EQ(noise->size(), 10000u);
  EXPECT_EQ(noise->label(123), test->label(123));
  EXPECT_EQ(noise->loadImage(123).pixels,
            bmfl::openImageDataset("fashion-mnist-ood:noise")->loadImage(123).pixels);
  EXPECT_NE(noise->loadImage(123).pixels, test->loadImage(123).pixels);
  EXPECT_THROW(bmfl::openImageDataset("fashion-mnist-ood:rain"), std::invalid_argument);
  EXPECT_THROW(bmfl::openImageDataset("fashion-mnist:validation"), std::invalid_argument);
}

} // namespace
