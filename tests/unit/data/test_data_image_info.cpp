#include "DataTestSupport.h"
#include "TestEnvironment.h"

#include "bmfl/FileError.h"
#include "bmfl/ImageInfo.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace
{

std::string errorOf(const std::vector<unsigned char>& bytes)
{
  try
  {
    bmfl::parseImageInfo("x.img", bytes);
  }
  catch (const bmfl::FileError& error)
  {
    return error.what();
  }
  return "no error";
}

TEST(ImageInfo, ReadsSizeAndChannelsOfImagesPillowWrites)
{
  if (!bmfl::test::numpyAvailable())
  {
    BMFL_SKIP_UNLESS_CI("python3 with numpy not available");
  }
  bmfl::test::TemporaryFolder folder;
  if (!bmfl::test::runNumpy(folder.path(), "import PIL"))
  {
    BMFL_SKIP_UNLESS_CI("Pillow not available (python3-pil)");
  }
  // Pillow is there: a failing script is a failure, not a skip.
  ASSERT_TRUE(bmfl::test::runNumpy(folder.path(), R"(
from PIL import Image
import io
rgb = Image.fromarray((np.arange(37 * 53 * 3) % 251).astype(np.uint8).reshape(37, 53, 3))
rgb.save('rgb.png')
rgb.convert('L').save('grey.png')
rgb.convert('LA').save('grey_alpha.png')
rgb.convert('RGBA').save('rgba.png')
rgb.convert('P').save('palette.png')
exif = Image.Exif(); exif[0x010E] = 'x' * 30000
rgb.save('rgb.jpg', quality=90, exif=exif.tobytes())
rgb.convert('L').save('grey.jpg', progressive=True)
rgb.convert('CMYK').save('cmyk.jpg')
rgb.save('rgb.bmp')
rgb.convert('RGBA').save('rgba.bmp')
rgb.save('rgb.tif')
rgb.convert('L').save('grey.tif', compression='tiff_lzw')
rgb.convert('RGBA').save('rgba.tif')
rgb.save('rgb.webp', quality=80)
rgb.save('lossless.webp', lossless=True)
translucent = rgb.convert('RGBA')
translucent.putalpha(128)
translucent.save('rgba.webp')
)"));
  const struct
  {
    const char* name;
    const char* format;
    int channels;
  } cases[] = { { "rgb.png", "PNG", 3 },        { "grey.png", "PNG", 1 },
                { "grey_alpha.png", "PNG", 2 }, { "rgba.png", "PNG", 4 },
                { "palette.png", "PNG", 3 },    { "rgb.jpg", "JPEG", 3 },
                { "grey.jpg", "JPEG", 1 },      { "cmyk.jpg", "JPEG", 4 },
                { "rgb.bmp", "BMP", 3 },        { "rgba.bmp", "BMP", 4 },
                { "rgb.tif", "TIFF", 3 },       { "grey.tif", "TIFF", 1 },
                { "rgba.tif", "TIFF", 4 },      { "rgb.webp", "WebP", 3 },
                { "lossless.webp", "WebP", 3 }, { "rgba.webp", "WebP", 4 } };
  for (const auto& testCase : cases)
  {
    const bmfl::ImageInfo info = bmfl::readImageInfo(folder.file(testCase.name));
    EXPECT_EQ(info.format, testCase.format) << testCase.name;
    EXPECT_EQ(info.width, 53u) << testCase.name;
    EXPECT_EQ(info.height, 37u) << testCase.name;
    EXPECT_EQ(info.channels, testCase.channels) << testCase.name;
    EXPECT_EQ(info.bitDepth, 8) << testCase.name;
  }
}

TEST(ImageInfo, RefusesMalformedHeaders)
{
  const std::vector<unsigned char> png = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0,
                                           0,    13,  'I', 'H', 'D',  'R',  0,    0,    0, 4,
                                           0,    0,   0,   3,   8,    2,    0,    0,    0 };
  EXPECT_EQ(bmfl::parseImageInfo("ok.png", png).width, 4u);
  for (std::size_t keep = 0; keep < png.size(); ++keep)
  {
    EXPECT_EQ(errorOf(std::vector<unsigned char>(png.begin(),
                                                 png.begin() + static_cast<std::ptrdiff_t>(keep)))
                .rfind("x.img: ", 0),
              0u);
  }
  std::vector<unsigned char> badType = png;
  badType[25] = 5;
  EXPECT_NE(errorOf(badType).find("unknown colour type 5"), std::string::npos);
  std::vector<unsigned char> zero = png;
  zero[19] = 0;
  EXPECT_NE(errorOf(zero).find("invalid size 0 x 3"), std::string::npos);

  // SOI, an APP0 segment, fill bytes, then a baseline frame header of 640 x 480 x 3.
  const std::vector<unsigned char> jpeg = { 0xFF, 0xD8, 0xFF, 0xE0, 0, 4,  'J',
                                            'F',  0xFF, 0xFF, 0xC0, 0, 17, 8,
                                            0x01, 0xE0, 0x02, 0x80, 3 };
  const bmfl::ImageInfo info = bmfl::parseImageInfo("ok.jpg", jpeg);
  EXPECT_EQ(info.width, 640u);
  EXPECT_EQ(info.height, 480u);
  EXPECT_EQ(info.channels, 3);
  for (std::size_t keep = 0; keep < jpeg.size(); ++keep)
  {
    EXPECT_EQ(errorOf(std::vector<unsigned char>(jpeg.begin(),
                                                 jpeg.begin() + static_cast<std::ptrdiff_t>(keep)))
                .rfind("x.img: ", 0),
              0u);
  }
  EXPECT_NE(errorOf({ 0xFF, 0xD8, 0xFF, 0xDA, 0, 2 }).find("before any frame header"),
            std::string::npos);
  EXPECT_NE(errorOf({ 0xFF, 0xD8, 0xFF, 0xE0, 0, 1 }).find("segment length 1"), std::string::npos);
  EXPECT_NE(errorOf({ 'G', 'I', 'F', '8' }).find("not a PNG, JPEG, BMP, TIFF or WebP"),
            std::string::npos);
  // A TIFF whose directory lies past the end, and one whose directory has no size.
  EXPECT_NE(errorOf({ 'I', 'I', 42, 0, 200, 0, 0, 0 }).find("truncated TIFF"), std::string::npos);
  EXPECT_NE(errorOf({ 'M', 'M', 0, 42, 0, 0, 0, 8, 0, 0 }).find("malformed TIFF"),
            std::string::npos);
  std::vector<unsigned char> webp = { 'R', 'I', 'F', 'F', 22, 0, 0, 0, 'W', 'E', 'B', 'P' };
  EXPECT_NE(errorOf(webp).find("truncated WebP"), std::string::npos);
  webp.resize(30, 0);
  EXPECT_NE(errorOf(webp).find("malformed WebP"), std::string::npos);
}

} // namespace
