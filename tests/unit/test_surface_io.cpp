#include "TestEnvironment.h"
#include "bmfl/FileError.h"
#include "bmfl/Fsaverage.h"
#include "bmfl/Surface.h"
#include "bmfl/TemplateValues.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace fs = std::filesystem;

namespace
{

using Bytes = std::vector<unsigned char>;

const std::string BundledFolder = BMFL_SOURCE_RESOURCE_DIR "/fsaverage5";
const std::string SharedFsaverageFolder = BMFL_SHARED_DATA_DIR "/fsaverage";
const std::string SharedVareaMgz =
  BMFL_SHARED_DATA_DIR "/atlases/neuropythy/fsaverage/surf/lh.benson14_varea.v4_0.mgz";

std::string bundled(const std::string& name)
{
  return BundledFolder + "/" + name;
}

Bytes bytesOf(std::string_view text)
{
  return Bytes(text.begin(), text.end());
}

Bytes readBytes(const std::string& path)
{
  std::ifstream file(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
}

Bytes gunzipBytes(const std::string& path)
{
  gzFile file = gzopen(path.c_str(), "rb");
  Bytes bytes;
  std::array<unsigned char, 65536> chunk{};
  for (int count = 0;
       (count = gzread(file, chunk.data(), static_cast<unsigned>(chunk.size()))) > 0;)
  {
    bytes.insert(bytes.end(), chunk.begin(), chunk.begin() + count);
  }
  gzclose(file);
  return bytes;
}

/// Writes FreeSurfer's big-endian binary fields.
struct BigEndianWriter
{
  Bytes bytes;

  void uint24(std::uint32_t value)
  {
    for (int shift = 16; shift >= 0; shift -= 8)
    {
      bytes.push_back(static_cast<unsigned char>(value >> shift));
    }
  }
  void uint32(std::uint32_t value)
  {
    for (int shift = 24; shift >= 0; shift -= 8)
    {
      bytes.push_back(static_cast<unsigned char>(value >> shift));
    }
  }
  void int32(std::int32_t value) { uint32(static_cast<std::uint32_t>(value)); }
  void int16(std::int16_t value)
  {
    const auto bits = static_cast<std::uint16_t>(value);
    bytes.push_back(static_cast<unsigned char>(bits >> 8));
    bytes.push_back(static_cast<unsigned char>(bits));
  }
  void float32(float value)
  {
    std::uint32_t bits = 0;
    std::memcpy(&bits, &value, sizeof bits);
    uint32(bits);
  }
  void text(std::string_view value) { bytes.insert(bytes.end(), value.begin(), value.end()); }
};

Bytes freeSurferSurfaceHeader(std::int32_t vertexCount, std::int32_t triangleCount)
{
  BigEndianWriter writer;
  writer.uint24(0xFFFFFE);
  writer.text("created by bmfl-test on Mon Jan  1 00:00:00 2024\n\n");
  writer.int32(vertexCount);
  writer.int32(triangleCount);
  return writer.bytes;
}

Bytes freeSurferSurface(const bmfl::SurfaceMesh& mesh)
{
  BigEndianWriter writer;
  writer.bytes = freeSurferSurfaceHeader(static_cast<std::int32_t>(mesh.vertexCount()),
                                         static_cast<std::int32_t>(mesh.triangleCount()));
  for (const float coordinate : mesh.points)
  {
    writer.float32(coordinate);
  }
  for (const std::int32_t vertex : mesh.triangles)
  {
    writer.int32(vertex);
  }
  return writer.bytes;
}

Bytes freeSurferCurv(const std::vector<float>& values, std::int32_t valuesPerVertex = 1)
{
  BigEndianWriter writer;
  writer.uint24(0xFFFFFF);
  writer.int32(static_cast<std::int32_t>(values.size()));
  writer.int32(20480);
  writer.int32(valuesPerVertex);
  for (const float value : values)
  {
    writer.float32(value);
  }
  return writer.bytes;
}

enum class MghType : std::int32_t
{
  Uchar = 0,
  Int = 1,
  Float = 3,
  Short = 4
};

/// An MGH file: the header fields, zero padding to byte 284, the data, then optional scan
/// parameters as FreeSurfer appends them.
Bytes mgh(std::int32_t type,
          const std::array<std::int32_t, 4>& dimensions,
          const std::vector<double>& values)
{
  BigEndianWriter writer;
  writer.int32(1);
  for (const std::int32_t dimension : dimensions)
  {
    writer.int32(dimension);
  }
  writer.int32(type);
  writer.int32(0);
  writer.int16(1);
  for (int field = 0; field < 15; ++field)
  {
    writer.float32(field % 4 == 0 ? 1.0f : 0.0f);
  }
  writer.bytes.resize(284, 0);
  for (const double value : values)
  {
    switch (static_cast<MghType>(type))
    {
      case MghType::Uchar:
        writer.bytes.push_back(static_cast<unsigned char>(value));
        break;
      case MghType::Int:
        writer.int32(static_cast<std::int32_t>(value));
        break;
      case MghType::Float:
        writer.float32(static_cast<float>(value));
        break;
      case MghType::Short:
        writer.int16(static_cast<std::int16_t>(value));
        break;
    }
  }
  for (int field = 0; field < 4; ++field)
  {
    writer.float32(2.0f);
  }
  return writer.bytes;
}

std::string base64(const Bytes& bytes)
{
  static const char* const digits =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string text;
  for (std::size_t at = 0; at < bytes.size(); at += 3)
  {
    const std::size_t count = std::min<std::size_t>(3, bytes.size() - at);
    std::uint32_t group = std::uint32_t{ bytes[at] } << 16;
    group |= count > 1 ? std::uint32_t{ bytes[at + 1] } << 8 : 0;
    group |= count > 2 ? std::uint32_t{ bytes[at + 2] } : 0;
    for (std::size_t digit = 0; digit < 4; ++digit)
    {
      text += digit <= count ? digits[(group >> (18 - 6 * digit)) & 63] : '=';
    }
  }
  return text;
}

/// Values as GIFTI stores binary data: raw little-endian bytes (this test runs little-endian).
template<typename Value>
Bytes rawBytes(const std::vector<Value>& values)
{
  Bytes bytes(values.size() * sizeof(Value));
  std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

Bytes zlibCompressed(const Bytes& bytes)
{
  uLongf size = compressBound(static_cast<uLong>(bytes.size()));
  Bytes compressed(size);
  compress2(compressed.data(), &size, bytes.data(), static_cast<uLong>(bytes.size()), 9);
  compressed.resize(size);
  return compressed;
}

template<typename Value>
std::string asciiData(const std::vector<Value>& values)
{
  std::ostringstream text;
  text.precision(9);
  for (const Value value : values)
  {
    text << +value << ' ';
  }
  return text.str();
}

struct GiftiArray
{
  std::string intent;
  std::string dataType;
  std::vector<long long> dims;
  std::string encoding;
  std::string data;
  std::string indexOrder = "RowMajorOrder";
};

std::string giftiXml(const std::vector<GiftiArray>& arrays)
{
  std::ostringstream xml;
  xml
    << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    << "<GIFTI Version=\"1.0\" NumberOfDataArrays=\"" << arrays.size() << "\">\n"
    << "<MetaData><MD><Name><![CDATA[Note]]></Name>"
    << "<Value><![CDATA[made by test_surface_io, not a <Data> element]]></Value></MD></MetaData>\n";
  for (const GiftiArray& array : arrays)
  {
    xml << "<DataArray Intent=\"" << array.intent << "\" DataType=\"" << array.dataType
        << "\" ArrayIndexingOrder=\"" << array.indexOrder << "\" Dimensionality=\""
        << array.dims.size() << "\"";
    for (std::size_t dimension = 0; dimension < array.dims.size(); ++dimension)
    {
      xml << " Dim" << dimension << "=\"" << array.dims[dimension] << "\"";
    }
    xml << " Encoding=\"" << array.encoding
        << "\" Endian=\"LittleEndian\" ExternalFileName=\"\" ExternalFileOffset=\"\">\n"
        << "<!-- a comment that mentions <Data> -->\n"
        << "<Data>" << array.data << "</Data>\n</DataArray>\n";
  }
  xml << "</GIFTI>\n";
  return xml.str();
}

const std::vector<float> TetrahedronPoints = { 0.0f, 0.0f,    0.0f, 10.5f, 0.0f, 0.0f,
                                               0.0f, -20.25f, 0.0f, 0.0f,  0.0f, 30.125f };
const std::vector<std::int32_t> TetrahedronTriangles = { 0, 2, 1, 0, 1, 3, 0, 3, 2, 1, 2, 3 };

GiftiArray pointArray(const std::string& encoding, const std::vector<float>& points, long long rows)
{
  std::string data = encoding == "ASCII" ? asciiData(points) : "";
  if (encoding == "Base64Binary")
  {
    data = base64(rawBytes(points));
  }
  else if (encoding == "GZipBase64Binary")
  {
    data = base64(zlibCompressed(rawBytes(points)));
  }
  return { "NIFTI_INTENT_POINTSET", "NIFTI_TYPE_FLOAT32", { rows, 3 }, encoding, data };
}

GiftiArray triangleArray(const std::vector<std::int32_t>& triangles, long long rows)
{
  return { "NIFTI_INTENT_TRIANGLE",
           "NIFTI_TYPE_INT32",
           { rows, 3 },
           "Base64Binary",
           base64(rawBytes(triangles)) };
}

std::string tetrahedronXml(const std::string& pointEncoding)
{
  return giftiXml(
    { pointArray(pointEncoding, TetrahedronPoints, 4), triangleArray(TetrahedronTriangles, 4) });
}

/// Expects call() to throw a one-line FileError that names the file and the problem.
void expectFileError(const std::function<void()>& call,
                     const std::string& path,
                     const std::string& keyword)
{
  SCOPED_TRACE("file " + path + ", expecting \"" + keyword + "\"");
  EXPECT_THROW(call(), bmfl::FileError);
  try
  {
    call();
  }
  catch (const bmfl::FileError& error)
  {
    const std::string message = error.what();
    EXPECT_NE(message.find(path), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    EXPECT_NE(message.find(keyword), std::string::npos) << message;
  }
  catch (...)
  {
  }
}

/// A fresh folder for each test's files, removed afterwards.
class SurfaceIoFiles : public testing::Test
{
protected:
  void SetUp() override
  {
    const testing::TestInfo* test = testing::UnitTest::GetInstance()->current_test_info();
    Folder = fs::path(testing::TempDir()) / ("bmfl-surface-io-" + std::string(test->name()) + "-" +
                                             std::to_string(std::random_device{}()));
    fs::create_directories(Folder);
  }
  void TearDown() override
  {
    std::error_code ignored;
    fs::remove_all(Folder, ignored);
  }

  std::string pathOf(const std::string& name) const { return (Folder / name).string(); }

  std::string write(const std::string& name, const Bytes& bytes) const
  {
    const std::string path = pathOf(name);
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream file(path, std::ios::binary);
    file.write(reinterpret_cast<const char*>(bytes.data()),
               static_cast<std::streamsize>(bytes.size()));
    return path;
  }
  std::string write(const std::string& name, std::string_view text) const
  {
    return write(name, bytesOf(text));
  }

  std::string writeGzip(const std::string& name, const Bytes& bytes) const
  {
    const std::string path = pathOf(name);
    gzFile file = gzopen(path.c_str(), "wb");
    gzwrite(file, bytes.data(), static_cast<unsigned>(bytes.size()));
    gzclose(file);
    return path;
  }

  fs::path Folder;
};

double meanOf(const std::vector<float>& values)
{
  double sum = 0;
  for (const float value : values)
  {
    sum += value;
  }
  return sum / static_cast<double>(values.size());
}

} // namespace

// ---- Real files ---------------------------------------------------------------------------------

TEST(SurfaceIoRealFiles, BundledFsaverage5MeshesHaveTheIcosahedronCounts)
{
  for (const char* surface : { "infl", "pial", "sphere", "white" })
  {
    for (const char* hemisphere : { "left", "right" })
    {
      const std::string path = bundled(std::string(surface) + "_" + hemisphere + ".gii.gz");
      SCOPED_TRACE(path);
      EXPECT_EQ(bmfl::detectSurfaceFileFormat(path), bmfl::SurfaceFileFormat::Gifti);
      const bmfl::SurfaceMesh mesh = bmfl::readSurface(path);
      EXPECT_EQ(mesh.vertexCount(), 10242u);
      EXPECT_EQ(mesh.triangleCount(), 20480u);
      EXPECT_EQ(mesh.points.size(), 3 * mesh.vertexCount());
    }
  }
}

TEST(SurfaceIoRealFiles, BundledInflatedLeftHasKnownVertices)
{
  // Reference values from /usr/bin/python3: gzip + xml + base64 + zlib + numpy on infl_left.gii.gz.
  const bmfl::SurfaceMesh mesh = bmfl::readSurface(bundled("infl_left.gii.gz"));
  ASSERT_EQ(mesh.vertexCount(), 10242u);
  EXPECT_FLOAT_EQ(mesh.points[0], -5.838037014007568f);
  EXPECT_FLOAT_EQ(mesh.points[1], 2.5020101070404053f);
  EXPECT_FLOAT_EQ(mesh.points[2], 57.64739990234375f);
  EXPECT_FLOAT_EQ(mesh.points[3 * 10241 + 0], -5.194695472717285f);
  EXPECT_FLOAT_EQ(mesh.points[3 * 10241 + 1], -12.206159591674805f);
  EXPECT_FLOAT_EQ(mesh.points[3 * 10241 + 2], -60.696598052978516f);
  EXPECT_EQ(std::vector<std::int32_t>(mesh.triangles.begin(), mesh.triangles.begin() + 3),
            (std::vector<std::int32_t>{ 0, 2564, 2562 }));
  EXPECT_EQ(std::vector<std::int32_t>(mesh.triangles.end() - 3, mesh.triangles.end()),
            (std::vector<std::int32_t>{ 10161, 11, 9918 }));
}

TEST(SurfaceIoRealFiles, BundledSulcalDepthHasKnownStatistics)
{
  // Reference values from /usr/bin/python3 (numpy, float64 mean) on sulc_{left,right}.gii.gz.
  struct Expected
  {
    const char* file;
    double minimum;
    double maximum;
    double mean;
  };
  for (const Expected& expected :
       { Expected{
           "sulc_left.gii.gz", -1.4937248229980469, 1.8069095611572266, 0.029746695660752404 },
         Expected{
           "sulc_right.gii.gz", -1.492468237876892, 1.8412240743637085, 0.034709596647572484 } })
  {
    SCOPED_TRACE(expected.file);
    const bmfl::VertexMap sulc = bmfl::readVertexMap(bundled(expected.file));
    EXPECT_EQ(sulc.name, expected.file);
    ASSERT_EQ(sulc.vertexCount, 10242u);
    ASSERT_EQ(sulc.frameCount, 1u);
    ASSERT_EQ(sulc.values.size(), 10242u);
    const auto [minimum, maximum] = std::minmax_element(sulc.values.begin(), sulc.values.end());
    EXPECT_DOUBLE_EQ(*minimum, expected.minimum);
    EXPECT_DOUBLE_EQ(*maximum, expected.maximum);
    EXPECT_NEAR(meanOf(sulc.values), expected.mean, 1e-9);
  }
}

TEST(SurfaceIoRealFiles, BundledSphereHasRadius100)
{
  // python3 gives radii 99.9929 .. 100.0078 mm for sphere_left.
  const bmfl::SurfaceMesh sphere = bmfl::readSurface(bundled("sphere_left.gii.gz"));
  for (std::size_t vertex = 0; vertex < sphere.vertexCount(); ++vertex)
  {
    const float* point = &sphere.points[3 * vertex];
    const double radius = std::sqrt(double{ point[0] } * point[0] + double{ point[1] } * point[1] +
                                    double{ point[2] } * point[2]);
    ASSERT_NEAR(radius, 100.0, 0.01) << "vertex " << vertex;
  }
}

TEST(SurfaceIoRealFiles, Fsaverage5IsTheFirstVerticesOfFullFsaverage)
{
  const std::string fullSphere = SharedFsaverageFolder + "/sphere_left.gii.gz";
  if (!fs::exists(fullSphere))
  {
    BMFL_SKIP_UNLESS_CI("no full fsaverage at " << SharedFsaverageFolder);
  }
  const bmfl::SurfaceMesh full = bmfl::readSurface(fullSphere);
  EXPECT_EQ(full.vertexCount(), 163842u);
  EXPECT_EQ(full.triangleCount(), 327680u);
  // python3 finds them identical; allowed: 1e-3 of the 100 mm radius.
  const bmfl::SurfaceMesh small = bmfl::readSurface(bundled("sphere_left.gii.gz"));
  for (std::size_t index = 0; index < small.points.size(); ++index)
  {
    ASSERT_NEAR(small.points[index], full.points[index], 1e-3 * 100.0) << "coordinate " << index;
  }
}

TEST(SurfaceIoRealFiles, NeuropythyVisualAreaMgzHoldsLabels0To12)
{
  if (!fs::exists(SharedVareaMgz))
  {
    BMFL_SKIP_UNLESS_CI("no " << SharedVareaMgz);
  }
  // python3 (gzip + struct + numpy): 1 x 1 x 163842 x 1 INT, labels 0..12, 17332 non-zero, the
  // first 12 at vertex 32.
  EXPECT_EQ(bmfl::detectSurfaceFileFormat(SharedVareaMgz), bmfl::SurfaceFileFormat::Mgh);
  const bmfl::VertexMap varea = bmfl::readVertexMap(SharedVareaMgz);
  ASSERT_EQ(varea.vertexCount, 163842u);
  ASSERT_EQ(varea.frameCount, 1u);
  std::size_t nonZero = 0;
  for (const float label : varea.values)
  {
    ASSERT_EQ(label, std::round(label));
    ASSERT_GE(label, 0.0f);
    ASSERT_LE(label, 12.0f);
    nonZero += label != 0.0f ? 1 : 0;
  }
  EXPECT_EQ(*std::max_element(varea.values.begin(), varea.values.end()), 12.0f);
  EXPECT_EQ(nonZero, 17332u);
  EXPECT_EQ(std::find(varea.values.begin(), varea.values.end(), 12.0f) - varea.values.begin(), 32);
}

TEST(SurfaceIoRealFiles, LoadsTheBundledTemplate)
{
  const bmfl::CorticalSurface inflated = bmfl::loadBundledFsaverage5(bmfl::SurfaceKind::Inflated);
  EXPECT_EQ(inflated.templateName, "fsaverage5");
  EXPECT_EQ(inflated.kind, bmfl::SurfaceKind::Inflated);
  EXPECT_EQ(inflated.left.hemisphere, bmfl::Hemisphere::Left);
  EXPECT_EQ(inflated.right.hemisphere, bmfl::Hemisphere::Right);
  EXPECT_EQ(inflated.left.mesh.vertexCount(), 10242u);
  EXPECT_EQ(inflated.right.mesh.vertexCount(), 10242u);
  EXPECT_EQ(inflated.left.sulc.vertexCount, 10242u);
  EXPECT_EQ(inflated.right.sulc.vertexCount, 10242u);
  EXPECT_EQ(inflated.left.mesh.points, bmfl::readSurface(bundled("infl_left.gii.gz")).points);

  const bmfl::CorticalSurface pial =
    bmfl::loadTemplateSurface(BundledFolder + "/", bmfl::SurfaceKind::Pial);
  EXPECT_EQ(pial.templateName, "fsaverage5");
  EXPECT_EQ(pial.right.mesh.points, bmfl::readSurface(bundled("pial_right.gii.gz")).points);
}

TEST(SurfaceIoRealFiles, LoadsTheFullFsaverageTemplate)
{
  if (!fs::is_directory(SharedFsaverageFolder))
  {
    BMFL_SKIP_UNLESS_CI("no full fsaverage at " << SharedFsaverageFolder);
  }
  const bmfl::CorticalSurface white =
    bmfl::loadTemplateSurface(SharedFsaverageFolder, bmfl::SurfaceKind::White);
  EXPECT_EQ(white.templateName, "fsaverage");
  EXPECT_EQ(white.left.mesh.vertexCount(), 163842u);
  EXPECT_EQ(white.right.mesh.triangleCount(), 327680u);
  EXPECT_EQ(white.right.sulc.vertexCount, 163842u);
}

TEST(SurfaceIoRealFiles, SurfaceKindNames)
{
  EXPECT_STREQ(bmfl::surfaceKindName(bmfl::SurfaceKind::Pial), "pial");
  EXPECT_STREQ(bmfl::surfaceKindName(bmfl::SurfaceKind::White), "white");
  EXPECT_STREQ(bmfl::surfaceKindName(bmfl::SurfaceKind::Inflated), "inflated");
  EXPECT_STREQ(bmfl::surfaceKindName(bmfl::SurfaceKind::Sphere), "sphere");
  EXPECT_STREQ(bmfl::surfaceKindName(bmfl::SurfaceKind::Flat), "flat");
}

TEST(SurfaceIoRealFiles, LoadsTheBundledFlatPatches)
{
  // Every vertex, only the patch's triangles; the patch lies in the z = 0 plane.
  const bmfl::CorticalSurface flat = bmfl::loadBundledFsaverage5(bmfl::SurfaceKind::Flat);
  EXPECT_EQ(flat.kind, bmfl::SurfaceKind::Flat);
  EXPECT_EQ(flat.left.mesh.vertexCount(), 10242u);
  EXPECT_EQ(flat.right.mesh.vertexCount(), 10242u);
  EXPECT_EQ(flat.left.mesh.triangleCount(), 18654u);
  EXPECT_EQ(flat.right.mesh.triangleCount(), 18790u);
  std::vector<bool> used(flat.left.mesh.vertexCount(), false);
  for (std::int32_t vertex : flat.left.mesh.triangles)
  {
    used[static_cast<std::size_t>(vertex)] = true;
    EXPECT_EQ(flat.left.mesh.points[3 * static_cast<std::size_t>(vertex) + 2], 0.0F);
  }
  EXPECT_EQ(std::count(used.begin(), used.end(), false), 777);
}

// ---- FreeSurfer and MGH files written here ------------------------------------------------------

TEST_F(SurfaceIoFiles, FreeSurferSurfaceAndCurvRoundTrip)
{
  const bmfl::SurfaceMesh mesh = bmfl::readSurface(bundled("infl_left.gii.gz"));
  const std::string surfacePath = write("lh.inflated", freeSurferSurface(mesh));
  EXPECT_EQ(bmfl::detectSurfaceFileFormat(surfacePath), bmfl::SurfaceFileFormat::FreeSurferSurface);
  const bmfl::SurfaceMesh reread = bmfl::readSurface(surfacePath);
  EXPECT_EQ(reread.points, mesh.points);
  EXPECT_EQ(reread.triangles, mesh.triangles);

  const bmfl::VertexMap sulc = bmfl::readVertexMap(bundled("sulc_left.gii.gz"));
  const std::string curvPath = write("lh.sulc", freeSurferCurv(sulc.values));
  EXPECT_EQ(bmfl::detectSurfaceFileFormat(curvPath), bmfl::SurfaceFileFormat::FreeSurferCurv);
  const bmfl::VertexMap rereadSulc = bmfl::readVertexMap(curvPath);
  EXPECT_EQ(rereadSulc.name, "lh.sulc");
  EXPECT_EQ(rereadSulc.vertexCount, 10242u);
  EXPECT_EQ(rereadSulc.frameCount, 1u);
  EXPECT_EQ(rereadSulc.values, sulc.values);
}

TEST_F(SurfaceIoFiles, LoadsAFreeSurferSubjectFolder)
{
  const bmfl::CorticalSurface bundledInflated =
    bmfl::loadBundledFsaverage5(bmfl::SurfaceKind::Inflated);
  write("bert/surf/lh.inflated", freeSurferSurface(bundledInflated.left.mesh));
  write("bert/surf/rh.inflated", freeSurferSurface(bundledInflated.right.mesh));
  write("bert/surf/lh.sulc", freeSurferCurv(bundledInflated.left.sulc.values));
  write("bert/surf/rh.sulc", freeSurferCurv(bundledInflated.right.sulc.values));

  for (const std::string& folder : { pathOf("bert"), pathOf("bert/surf"), pathOf("bert/surf/") })
  {
    SCOPED_TRACE(folder);
    const bmfl::CorticalSurface loaded =
      bmfl::loadTemplateSurface(folder, bmfl::SurfaceKind::Inflated);
    EXPECT_EQ(loaded.templateName, "bert");
    EXPECT_EQ(loaded.left.mesh.points, bundledInflated.left.mesh.points);
    EXPECT_EQ(loaded.right.mesh.triangles, bundledInflated.right.mesh.triangles);
    EXPECT_EQ(loaded.left.sulc.values, bundledInflated.left.sulc.values);
    EXPECT_EQ(loaded.right.sulc.values, bundledInflated.right.sulc.values);
  }
  expectFileError([&] { bmfl::loadTemplateSurface(pathOf("bert"), bmfl::SurfaceKind::Pial); },
                  pathOf("bert/surf/lh.pial"),
                  "cannot open");
  expectFileError([&] { bmfl::loadTemplateSurface(pathOf("bert"), bmfl::SurfaceKind::Flat); },
                  pathOf("bert/surf/lh.full.flat.patch.3d"),
                  "FreeSurfer flat patches are not read");
}

TEST_F(SurfaceIoFiles, MghAndMgzOfEveryTypeWithTwoFrames)
{
  struct Case
  {
    const char* name;
    MghType type;
    std::vector<double> values;
  };
  // Five vertices, two frames, frame after frame; each type's extremes included.
  const std::vector<Case> cases = {
    { "float", MghType::Float, { 0.5, -1.25, 3e20, -7.0, 1e-3, 10.0, 11.0, 12.0, 13.0, 14.0 } },
    { "int", MghType::Int, { 0, 1, -2, 2147483520, -2147483520, 5, 6, 7, 8, 9 } },
    { "uchar", MghType::Uchar, { 0, 1, 2, 254, 255, 10, 11, 12, 13, 14 } },
    { "short", MghType::Short, { 0, -1, 32767, -32768, 4, 5, 6, 7, 8, 9 } },
  };
  for (const Case& test : cases)
  {
    for (const bool compressed : { false, true })
    {
      const std::array<std::int32_t, 4> shapes[] = { { 5, 1, 1, 2 }, { 1, 1, 5, 2 } };
      for (const auto& shape : shapes)
      {
        const Bytes bytes = mgh(static_cast<std::int32_t>(test.type), shape, test.values);
        const std::string name =
          std::string(test.name) + std::to_string(shape[0]) + (compressed ? ".mgz" : ".mgh");
        const std::string path = compressed ? writeGzip(name, bytes) : write(name, bytes);
        SCOPED_TRACE(path);
        EXPECT_EQ(bmfl::detectSurfaceFileFormat(path), bmfl::SurfaceFileFormat::Mgh);
        const bmfl::VertexMap map = bmfl::readVertexMap(path);
        EXPECT_EQ(map.name, name);
        ASSERT_EQ(map.vertexCount, 5u);
        ASSERT_EQ(map.frameCount, 2u);
        ASSERT_EQ(map.values.size(), 10u);
        for (std::size_t index = 0; index < test.values.size(); ++index)
        {
          EXPECT_EQ(map.values[index], static_cast<float>(test.values[index])) << index;
        }
        EXPECT_EQ(map.frame(1)[0], static_cast<float>(test.values[5]));
      }
    }
  }
}

TEST_F(SurfaceIoFiles, MghVerticesAreTheProductOfItsThreeDimensionsAndNanIsKept)
{
  const std::vector<double> values = { 1, 2, 3, 4, 5, 6, std::nan("") };
  const std::string path =
    write("block.mgh", mgh(static_cast<std::int32_t>(MghType::Float), { 7, 1, 1, 1 }, values));
  const bmfl::VertexMap map = bmfl::readVertexMap(path);
  EXPECT_EQ(map.vertexCount, 7u);
  EXPECT_TRUE(std::isnan(map.values[6]));

  const std::string cube = write("cube.mgh",
                                 mgh(static_cast<std::int32_t>(MghType::Uchar),
                                     { 2, 3, 2, 1 },
                                     { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 }));
  const bmfl::VertexMap cubeMap = bmfl::readVertexMap(cube);
  EXPECT_EQ(cubeMap.vertexCount, 12u);
  EXPECT_EQ(cubeMap.values[11], 11.0f);
}

// ---- GIFTI files written here -------------------------------------------------------------------

TEST_F(SurfaceIoFiles, HandMadeGiftiTetrahedronInEveryEncoding)
{
  for (const char* encoding : { "ASCII", "Base64Binary", "GZipBase64Binary" })
  {
    const std::string path =
      write(std::string("tetrahedron-") + encoding + ".gii", tetrahedronXml(encoding));
    SCOPED_TRACE(path);
    EXPECT_EQ(bmfl::detectSurfaceFileFormat(path), bmfl::SurfaceFileFormat::Gifti);
    const bmfl::SurfaceMesh mesh = bmfl::readSurface(path);
    EXPECT_EQ(mesh.points, TetrahedronPoints);
    EXPECT_EQ(mesh.triangles, TetrahedronTriangles);
  }
  const std::string compressed = writeGzip("tetrahedron.gii.gz", bytesOf(tetrahedronXml("ASCII")));
  EXPECT_EQ(bmfl::detectSurfaceFileFormat(compressed), bmfl::SurfaceFileFormat::Gifti);
  EXPECT_EQ(bmfl::readSurface(compressed).points, TetrahedronPoints);
}

TEST_F(SurfaceIoFiles, GiftiColumnMajorAndOtherNumericTypesAreConverted)
{
  std::vector<double> columnMajorPoints;
  std::vector<std::int16_t> columnMajorTriangles;
  for (std::size_t column = 0; column < 3; ++column)
  {
    for (std::size_t row = 0; row < 4; ++row)
    {
      columnMajorPoints.push_back(TetrahedronPoints[row * 3 + column]);
      columnMajorTriangles.push_back(
        static_cast<std::int16_t>(TetrahedronTriangles[row * 3 + column]));
    }
  }
  const std::string path = write("column-major.gii",
                                 giftiXml({ { "NIFTI_INTENT_POINTSET",
                                              "NIFTI_TYPE_FLOAT64",
                                              { 4, 3 },
                                              "Base64Binary",
                                              base64(rawBytes(columnMajorPoints)),
                                              "ColumnMajorOrder" },
                                            { "NIFTI_INTENT_TRIANGLE",
                                              "NIFTI_TYPE_INT16",
                                              { 4, 3 },
                                              "ASCII",
                                              asciiData(columnMajorTriangles),
                                              "ColumnMajorOrder" } }));
  const bmfl::SurfaceMesh mesh = bmfl::readSurface(path);
  EXPECT_EQ(mesh.points, TetrahedronPoints);
  EXPECT_EQ(mesh.triangles, TetrahedronTriangles);
}

TEST_F(SurfaceIoFiles, GiftiMapFramesFromEachDataArray)
{
  const std::vector<float> first = { 1.5f, -2.0f, std::nanf(""), 4.0f };
  const std::vector<std::int16_t> second = { 10, 20, -30, 40 };
  const std::string path = write("two-frames.func.gii",
                                 giftiXml({ { "NIFTI_INTENT_SHAPE",
                                              "NIFTI_TYPE_FLOAT32",
                                              { 4 },
                                              "Base64Binary",
                                              base64(rawBytes(first)) },
                                            { "NIFTI_INTENT_NONE",
                                              "NIFTI_TYPE_INT16",
                                              { 4 },
                                              "GZipBase64Binary",
                                              base64(zlibCompressed(rawBytes(second))) } }));
  EXPECT_EQ(bmfl::detectSurfaceFileFormat(path), bmfl::SurfaceFileFormat::Gifti);
  const bmfl::VertexMap map = bmfl::readVertexMap(path);
  ASSERT_EQ(map.vertexCount, 4u);
  ASSERT_EQ(map.frameCount, 2u);
  EXPECT_EQ(map.values[0], 1.5f);
  EXPECT_TRUE(std::isnan(map.values[2]));
  EXPECT_EQ(map.frame(1)[2], -30.0f);

  // One N x 2 array is two frames too; row-major stores each vertex's two values together.
  const std::string interleaved = write("interleaved.func.gii",
                                        giftiXml({ { "NIFTI_INTENT_TIME_SERIES",
                                                     "NIFTI_TYPE_FLOAT32",
                                                     { 3, 2 },
                                                     "ASCII",
                                                     "0 100 1 101 2 102" } }));
  const bmfl::VertexMap series = bmfl::readVertexMap(interleaved);
  EXPECT_EQ(series.vertexCount, 3u);
  EXPECT_EQ(series.frameCount, 2u);
  EXPECT_EQ(series.values, (std::vector<float>{ 0, 1, 2, 100, 101, 102 }));
}

TEST_F(SurfaceIoFiles, MeshAndMapFilesAreNotMixedUp)
{
  expectFileError([] { bmfl::readSurface(bundled("sulc_left.gii.gz")); },
                  bundled("sulc_left.gii.gz"),
                  "holds per-vertex values, not a mesh");
  expectFileError([] { bmfl::readVertexMap(bundled("infl_left.gii.gz")); },
                  bundled("infl_left.gii.gz"),
                  "not per-vertex values");

  const std::string curv = write("lh.curv", freeSurferCurv({ 1, 2, 3 }));
  expectFileError([&] { bmfl::readSurface(curv); }, curv, "holds per-vertex values");
  const std::string mghPath =
    write("map.mgh", mgh(static_cast<std::int32_t>(MghType::Float), { 3, 1, 1, 1 }, { 1, 2, 3 }));
  expectFileError([&] { bmfl::readSurface(mghPath); }, mghPath, "holds per-vertex values");
  const std::string surface =
    write("lh.white", freeSurferSurface({ TetrahedronPoints, TetrahedronTriangles }));
  expectFileError([&] { bmfl::readVertexMap(surface); }, surface, "not per-vertex values");
}

// ---- Malformed files ----------------------------------------------------------------------------

TEST_F(SurfaceIoFiles, RefusesEmptyMissingRandomAndFolderInput)
{
  const std::string empty = write("empty.gii", "");
  expectFileError([&] { bmfl::readSurface(empty); }, empty, "empty");
  expectFileError([&] { bmfl::readVertexMap(empty); }, empty, "empty");
  EXPECT_EQ(bmfl::detectSurfaceFileFormat(empty), bmfl::SurfaceFileFormat::Unknown);

  const std::string missing = pathOf("missing.gii");
  expectFileError([&] { bmfl::readSurface(missing); }, missing, "cannot open: No such file");
  expectFileError([&] { bmfl::detectSurfaceFileFormat(missing); }, missing, "cannot open");

  std::mt19937 generator(20240101);
  Bytes randomBytes(4096);
  std::generate(randomBytes.begin(),
                randomBytes.end(),
                [&] { return static_cast<unsigned char>(generator() & 0xFF); });
  randomBytes[0] = 0x42; // never a magic number
  const std::string random = write("random.bin", randomBytes);
  EXPECT_EQ(bmfl::detectSurfaceFileFormat(random), bmfl::SurfaceFileFormat::Unknown);
  expectFileError([&] { bmfl::readSurface(random); }, random, "not a recognised");
  expectFileError([&] { bmfl::readVertexMap(random); }, random, "not a recognised");

  const std::string folder = pathOf("a-folder.gii");
  fs::create_directories(folder);
  expectFileError([&] { bmfl::readSurface(folder); }, folder, "folder");
  expectFileError([&] { bmfl::detectSurfaceFileFormat(folder); }, folder, "folder");
}

TEST_F(SurfaceIoFiles, RefusesTruncatedAndCorruptGifti)
{
  const Bytes xml = gunzipBytes(bundled("infl_left.gii.gz"));
  const std::string half = write(
    "half.gii", Bytes(xml.begin(), xml.begin() + static_cast<std::ptrdiff_t>(xml.size() / 2)));
  expectFileError([&] { bmfl::readSurface(half); }, half, "truncated");

  const Bytes compressed = readBytes(bundled("infl_left.gii.gz"));
  const std::string cut =
    write("cut.gii.gz",
          Bytes(compressed.begin(),
                compressed.begin() + static_cast<std::ptrdiff_t>(compressed.size() / 2)));
  EXPECT_EQ(bmfl::detectSurfaceFileFormat(cut), bmfl::SurfaceFileFormat::Gifti);
  expectFileError([&] { bmfl::readSurface(cut); }, cut, "truncated gzip");

  std::string unclosed = tetrahedronXml("ASCII");
  unclosed.erase(unclosed.find("</DataArray>"), std::string("</DataArray>").size());
  const std::string mismatched = write("unclosed.gii", unclosed);
  expectFileError([&] { bmfl::readSurface(mismatched); }, mismatched, "malformed GIFTI");

  const std::string notGifti = write("other.xml", "<?xml version=\"1.0\"?>\n<svg></svg>\n");
  expectFileError([&] { bmfl::readSurface(notGifti); }, notGifti, "not GIFTI");
}

TEST_F(SurfaceIoFiles, RefusesGiftiTrianglesOutsideTheMesh)
{
  for (const std::int32_t badVertex : { 4, -1, 2147483647 })
  {
    std::vector<std::int32_t> triangles = TetrahedronTriangles;
    triangles[7] = badVertex;
    const std::string path =
      write("bad-index.gii",
            giftiXml({ pointArray("ASCII", TetrahedronPoints, 4), triangleArray(triangles, 4) }));
    expectFileError([&] { bmfl::readSurface(path); },
                    path,
                    "triangle 2 has vertex index " + std::to_string(badVertex) + ", outside 0..3");
  }
}

TEST_F(SurfaceIoFiles, RefusesGiftiWhoseDimensionsDisagreeWithItsData)
{
  for (const char* encoding : { "ASCII", "Base64Binary", "GZipBase64Binary" })
  {
    for (const long long rows : { 3LL, 5LL })
    {
      const std::string path = write(std::string("dim-") + encoding + std::to_string(rows) + ".gii",
                                     giftiXml({ pointArray(encoding, TetrahedronPoints, rows),
                                                triangleArray(TetrahedronTriangles, 4) }));
      expectFileError([&] { bmfl::readSurface(path); },
                      path,
                      "data array 0: dimensions " + std::to_string(rows) + " x 3 need");
    }
  }
  const std::string huge =
    write("huge.gii",
          giftiXml({ pointArray("Base64Binary", TetrahedronPoints, 1000000000),
                     triangleArray(TetrahedronTriangles, 4) }));
  expectFileError(
    [&] { bmfl::readSurface(huge); }, huge, "need 12000000000 bytes but the data hold 48");

  const std::string beyond = write("beyond.gii",
                                   giftiXml({ { "NIFTI_INTENT_SHAPE",
                                                "NIFTI_TYPE_FLOAT64",
                                                { 2000000000, 2000000000, 2000000000 },
                                                "Base64Binary",
                                                "AAAA" } }));
  expectFileError([&] { bmfl::readVertexMap(beyond); }, beyond, "beyond any file");

  const std::string negative = write("negative.gii",
                                     giftiXml({ pointArray("Base64Binary", TetrahedronPoints, -4),
                                                triangleArray(TetrahedronTriangles, 4) }));
  expectFileError([&] { bmfl::readSurface(negative); }, negative, "invalid Dim0=\"-4\"");

  const std::string unequal =
    write("unequal-frames.func.gii",
          giftiXml({ { "NIFTI_INTENT_SHAPE", "NIFTI_TYPE_FLOAT32", { 4 }, "ASCII", "1 2 3 4" },
                     { "NIFTI_INTENT_SHAPE", "NIFTI_TYPE_FLOAT32", { 3 }, "ASCII", "1 2 3" } }));
  expectFileError([&] { bmfl::readVertexMap(unequal); },
                  unequal,
                  "data array 1 has 3 values per frame but data array 0 has 4");
}

TEST_F(SurfaceIoFiles, RefusesGiftiWithUnreadableData)
{
  const std::string badBase64 = write(
    "bad-base64.gii",
    giftiXml(
      { { "NIFTI_INTENT_POINTSET", "NIFTI_TYPE_FLOAT32", { 4, 3 }, "Base64Binary", "!!!!@@@@" },
        triangleArray(TetrahedronTriangles, 4) }));
  expectFileError([&] { bmfl::readSurface(badBase64); }, badBase64, "invalid Base64");

  const std::string badZlib = write("bad-zlib.gii",
                                    giftiXml({ { "NIFTI_INTENT_POINTSET",
                                                 "NIFTI_TYPE_FLOAT32",
                                                 { 4, 3 },
                                                 "GZipBase64Binary",
                                                 base64(bytesOf("not zlib data at all")) },
                                               triangleArray(TetrahedronTriangles, 4) }));
  expectFileError([&] { bmfl::readSurface(badZlib); }, badZlib, "corrupt compressed data");

  const std::string badNumbers = write("bad-ascii.gii",
                                       giftiXml({ { "NIFTI_INTENT_POINTSET",
                                                    "NIFTI_TYPE_FLOAT32",
                                                    { 4, 3 },
                                                    "ASCII",
                                                    "a b c d e f g h i j k l" },
                                                  triangleArray(TetrahedronTriangles, 4) }));
  expectFileError([&] { bmfl::readSurface(badNumbers); },
                  badNumbers,
                  "holds \"a\", not a NIFTI_TYPE_FLOAT32 value");

  const std::string rgb = write("rgb.gii",
                                giftiXml({ { "NIFTI_INTENT_NONE",
                                             "NIFTI_TYPE_RGB24",
                                             { 4 },
                                             "Base64Binary",
                                             base64(Bytes(12, 7)) } }));
  expectFileError(
    [&] { bmfl::readVertexMap(rgb); }, rgb, "unsupported DataType \"NIFTI_TYPE_RGB24\"");

  const std::string external = write(
    "external.gii",
    giftiXml({ { "NIFTI_INTENT_SHAPE", "NIFTI_TYPE_FLOAT32", { 4 }, "ExternalFileBinary", "" } }));
  expectFileError([&] { bmfl::readVertexMap(external); }, external, "external file");

  const std::string pointsOnly =
    write("points-only.gii", giftiXml({ pointArray("ASCII", TetrahedronPoints, 4) }));
  expectFileError([&] { bmfl::readSurface(pointsOnly); }, pointsOnly, "no NIFTI_INTENT_TRIANGLE");

  const std::string wide = write("wide.gii",
                                 giftiXml({ { "NIFTI_INTENT_POINTSET",
                                              "NIFTI_TYPE_FLOAT32",
                                              { 3, 4 },
                                              "ASCII",
                                              asciiData(TetrahedronPoints) },
                                            triangleArray(TetrahedronTriangles, 4) }));
  expectFileError([&] { bmfl::readSurface(wide); }, wide, "expected N x 3");
}

TEST_F(SurfaceIoFiles, GiftiInBigEndianWithBomUnicodeAndTrailingWhitespace)
{
  BigEndianWriter bigEndian;
  for (const float coordinate : TetrahedronPoints)
  {
    bigEndian.float32(coordinate);
  }
  GiftiArray points = pointArray("ASCII", TetrahedronPoints, 4);
  points.encoding = "Base64Binary";
  points.data = base64(bigEndian.bytes) + "\n   ";
  std::string xml = giftiXml({ points, triangleArray(TetrahedronTriangles, 4) });
  xml.replace(xml.find("Endian=\"LittleEndian\""), 21, "Endian=\"BigEndian\"");
  xml.replace(xml.find("[Note]]"), 7, "[Z\xC3\xBCrich \xE2\x9C\x93]]");
  const std::string path = write("big-endian.gii", "\xEF\xBB\xBF" + xml);
  const bmfl::SurfaceMesh mesh = bmfl::readSurface(path);
  EXPECT_EQ(mesh.points, TetrahedronPoints);
  EXPECT_EQ(mesh.triangles, TetrahedronTriangles);
}

TEST_F(SurfaceIoFiles, RefusesGiftiStructuresThatLibgiftiioMishandles)
{
  // Each of these crashed libgiftiio 1.0.9 or made it return wrong data without an error.
  struct Case
  {
    const char* name;
    std::string xml;
    std::string keyword;
  };
  const std::string tetrahedron = tetrahedronXml("ASCII");
  const auto edited = [&](const std::string& from, const std::string& to)
  {
    std::string xml = tetrahedron;
    const std::size_t at = xml.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return xml.replace(at, from.size(), to);
  };
  const std::vector<Case> cases = {
    { "root.gii",
      edited("<GIFTI", "<GGFTI").replace(tetrahedron.rfind("</GIFTI>"), 8, "</GGFTI>"),
      "not GIFTI: the root element is <GGFTI>" },
    { "unknown-element.gii",
      edited("<DataArray", "<Foo><DataArray")
        .replace(tetrahedron.rfind("</GIFTI>") + 5, 0, "</Foo>"),
      "malformed GIFTI: <Foo> inside <GIFTI>" },
    { "text-after-cdata.gii",
      edited("[Note]]></Name>", "[Note]]> </Name>"),
      "text after a CDATA section inside <Name>" },
    { "entity.gii",
      edited("<GIFTI", "<!DOCTYPE GIFTI [<!ENTITY a \"<Foo/>\">]>\n<GIFTI"),
      "internal subset" },
    { "comment-in-data.gii", edited("<Data>0 0", "<Data><!-- x -->0 0"), "markup inside <Data>" },
    { "no-data.gii", edited("<Data>0 0", "<Foo>0 0"), "<Foo> inside <DataArray>" },
    { "count.gii",
      edited("NumberOfDataArrays=\"2\"", "NumberOfDataArrays=\"3\""),
      "NumberOfDataArrays=\"3\" but 2 <DataArray> elements" },
    { "ascii-garbage.gii",
      edited("<Data>0 0 0 10.5", "<Data>0 0 x 10.5"),
      "data array 0 holds \"x\", not a NIFTI_TYPE_FLOAT32 value" },
    { "utf8.gii", edited("Note", "No\xFF"), "byte" },
    { "missing-endian.gii",
      std::string(tetrahedron)
        .replace(tetrahedron.rfind("Endian=\"LittleEndian\""), 21, "Endianness=\"LittleEndian\""),
      "data array 1 has invalid Endian \"\"" },
    { "wrapped-base64.gii",
      giftiXml({ pointArray("ASCII", TetrahedronPoints, 4),
                 { "NIFTI_INTENT_TRIANGLE",
                   "NIFTI_TYPE_INT32",
                   { 4, 3 },
                   "Base64Binary",
                   base64(rawBytes(TetrahedronTriangles)).insert(8, "\n") } }),
      "spaces or line breaks inside its Base64 text" },
    { "unpadded-base64.gii",
      giftiXml({ { "NIFTI_INTENT_SHAPE", "NIFTI_TYPE_UINT8", { 4 }, "Base64Binary", "AQIDBA" } }),
      "Base64 text of an invalid length" },
    { "short-range.gii",
      giftiXml({ { "NIFTI_INTENT_SHAPE", "NIFTI_TYPE_INT16", { 2 }, "ASCII", "1 40000" } }),
      "holds \"40000\", not a NIFTI_TYPE_INT16 value" },
    { "ascii-uint32.gii",
      giftiXml({ { "NIFTI_INTENT_SHAPE", "NIFTI_TYPE_UINT32", { 2 }, "ASCII", "1 2" } }),
      "libgiftiio cannot decode" },
    { "padded-zlib.gii",
      giftiXml({ { "NIFTI_INTENT_SHAPE",
                   "NIFTI_TYPE_FLOAT32",
                   { 1 },
                   "GZipBase64Binary",
                   base64(Bytes(64, 0)) } }),
      "need 4 bytes but the compressed data alone hold 64" },
  };
  for (const Case& test : cases)
  {
    const std::string path = write(test.name, test.xml);
    expectFileError([&] { bmfl::readVertexMap(path); }, path, test.keyword);
  }
}

TEST_F(SurfaceIoFiles, RefusesMalformedFreeSurferSurfaces)
{
  const Bytes whole = freeSurferSurface({ TetrahedronPoints, TetrahedronTriangles });
  const std::string truncated = write("lh.truncated", Bytes(whole.begin(), whole.end() - 5));
  expectFileError(
    [&] { bmfl::readSurface(truncated); },
    truncated,
    "truncated: header says 4 vertices and 4 triangles (96 bytes) but only 91 bytes follow");

  Bytes huge = freeSurferSurfaceHeader(1000000000, 2);
  huge.resize(100, 0);
  const std::string hugePath = write("lh.huge", huge);
  expectFileError(
    [&] { bmfl::readSurface(hugePath); }, hugePath, "truncated: header says 1000000000 vertices");

  Bytes negative = freeSurferSurfaceHeader(-5, 4);
  negative.resize(200, 0);
  const std::string negativePath = write("lh.negative", negative);
  expectFileError(
    [&] { bmfl::readSurface(negativePath); }, negativePath, "invalid header: -5 vertices");

  const std::string noLines = write("lh.nolines", Bytes{ 0xFF, 0xFF, 0xFE, 'c', 'r', 'e', 'a' });
  expectFileError([&] { bmfl::readSurface(noLines); }, noLines, "truncated");

  Bytes outside = whole;
  outside[outside.size() - 1] = 9; // the last triangle's last vertex
  const std::string outsidePath = write("lh.outside", outside);
  expectFileError([&] { bmfl::readSurface(outsidePath); },
                  outsidePath,
                  "triangle 3 has vertex index 9, outside 0..3");
}

TEST_F(SurfaceIoFiles, RefusesMalformedCurvFiles)
{
  const std::string threeValues = write("lh.three", freeSurferCurv({ 1, 2, 3, 4, 5, 6 }, 3));
  expectFileError([&] { bmfl::readVertexMap(threeValues); }, threeValues, "3 values per vertex");

  const Bytes whole = freeSurferCurv({ 1, 2, 3, 4 });
  const std::string truncated = write("lh.truncated", Bytes(whole.begin(), whole.end() - 1));
  expectFileError(
    [&] { bmfl::readVertexMap(truncated); }, truncated, "truncated: header says 4 values");

  const std::string headerOnly = write("lh.header", Bytes(whole.begin(), whole.begin() + 9));
  expectFileError([&] { bmfl::readVertexMap(headerOnly); }, headerOnly, "truncated");
}

TEST_F(SurfaceIoFiles, RefusesMalformedMghAndMgz)
{
  const auto floatType = static_cast<std::int32_t>(MghType::Float);
  const std::string unknownType = write("type7.mgh", mgh(7, { 3, 1, 1, 1 }, {}));
  expectFileError(
    [&] { bmfl::readVertexMap(unknownType); }, unknownType, "unknown MGH data type 7");

  const std::string trillion =
    write("trillion.mgh", mgh(floatType, { 1000000, 1000000, 1, 1 }, { 1, 2 }));
  expectFileError([&] { bmfl::readVertexMap(trillion); },
                  trillion,
                  "truncated: header says 1000000 x 1000000 x 1 x 1 values of 4 bytes");
  const std::int32_t most = std::numeric_limits<std::int32_t>::max();
  const std::string overflowing =
    writeGzip("overflow.mgz", mgh(floatType, { most, most, most, most }, { 1, 2 }));
  expectFileError([&] { bmfl::readVertexMap(overflowing); }, overflowing, "truncated: header says");

  const std::string zeroFrames = write("zero.mgh", mgh(floatType, { 3, 1, 1, 0 }, { 1, 2, 3 }));
  expectFileError(
    [&] { bmfl::readVertexMap(zeroFrames); }, zeroFrames, "invalid MGH dimensions 3 x 1 x 1 x 0");

  Bytes garbage = { 0x1f, 0x8b };
  for (int index = 0; index < 300; ++index)
  {
    garbage.push_back(static_cast<unsigned char>(index * 37));
  }
  const std::string garbagePath = write("garbage.mgz", garbage);
  EXPECT_EQ(bmfl::detectSurfaceFileFormat(garbagePath), bmfl::SurfaceFileFormat::Mgh);
  expectFileError([&] { bmfl::readVertexMap(garbagePath); }, garbagePath, "corrupt gzip data");

  const Bytes whole = mgh(floatType, { 4, 1, 1, 1 }, { 1, 2, 3, 4 });
  const std::string shortHeader = writeGzip("short.mgz", Bytes(whole.begin(), whole.begin() + 100));
  expectFileError([&] { bmfl::readVertexMap(shortHeader); }, shortHeader, "truncated");

  Bytes version2 = whole;
  version2[3] = 2;
  const std::string version2Path = writeGzip("version2.mgz", version2);
  expectFileError(
    [&] { bmfl::readVertexMap(version2Path); }, version2Path, "unsupported MGH version 2");
}

TEST_F(SurfaceIoFiles, EveryTruncationOrCorruptionIsAFileErrorOrAFile)
{
  // Each prefix and many random corruptions of small valid files: the readers must either read
  // them or throw FileError, never crash or throw anything else.
  const std::vector<std::pair<std::string, Bytes>> originals = {
    { "lh.white", freeSurferSurface({ TetrahedronPoints, TetrahedronTriangles }) },
    { "lh.curv", freeSurferCurv({ 1, 2, 3, 4 }) },
    { "map.mgh",
      mgh(static_cast<std::int32_t>(MghType::Short), { 2, 2, 1, 2 }, { 1, 2, 3, 4, 5, 6, 7, 8 }) },
    { "map.mgz",
      readBytes(
        writeGzip("source.mgz",
                  mgh(static_cast<std::int32_t>(MghType::Float), { 3, 1, 1, 1 }, { 1, 2, 3 }))) },
    { "tetrahedron.gii", bytesOf(tetrahedronXml("GZipBase64Binary")) },
  };
  // A refusal is one line that starts with the file's path.
  const auto expectOneLineNamingThePath = [](const bmfl::FileError& error, const std::string& path)
  {
    const std::string message = error.what();
    EXPECT_EQ(message.rfind(path + ": ", 0), 0u) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  };
  const auto readAnyhow = [&](const std::string& path)
  {
    try
    {
      bmfl::readSurface(path);
    }
    catch (const bmfl::FileError& error)
    {
      expectOneLineNamingThePath(error, path);
    }
    try
    {
      bmfl::readVertexMap(path);
    }
    catch (const bmfl::FileError& error)
    {
      expectOneLineNamingThePath(error, path);
    }
  };
  std::mt19937 generator(7);
  for (const auto& [name, bytes] : originals)
  {
    SCOPED_TRACE(name);
    for (std::size_t length = 0; length < bytes.size(); ++length)
    {
      EXPECT_NO_THROW(readAnyhow(
        write(name, Bytes(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(length)))));
    }
    const bool isGifti = name == "tetrahedron.gii";
    // Fewer for GIFTI: libgiftiio reads what passes the checks and reports XML errors on stderr.
    for (int trial = 0; trial < (isGifti ? 300 : 2000); ++trial)
    {
      Bytes corrupted = bytes;
      const int changes = 1 + static_cast<int>(generator() % 4);
      for (int change = 0; change < changes; ++change)
      {
        corrupted[generator() % corrupted.size()] = static_cast<unsigned char>(generator());
      }
      EXPECT_NO_THROW(readAnyhow(write(name, corrupted)));
    }
  }
}

TEST_F(SurfaceIoFiles, RefusesFoldersWithoutATemplate)
{
  const std::string empty = pathOf("empty-folder");
  fs::create_directories(empty);
  expectFileError([&] { bmfl::loadTemplateSurface(empty, bmfl::SurfaceKind::Inflated); },
                  empty,
                  "no fsaverage-style surfaces found (expected infl_left.gii.gz");
  const std::string missing = pathOf("no-such-folder");
  expectFileError([&] { bmfl::loadTemplateSurface(missing, bmfl::SurfaceKind::Inflated); },
                  missing,
                  "folder not found");

  write("mismatch/infl_left.gii", tetrahedronXml("ASCII"));
  write("mismatch/infl_right.gii", tetrahedronXml("ASCII"));
  const std::string sulc = write(
    "mismatch/sulc_left.gii",
    giftiXml({ { "NIFTI_INTENT_SHAPE", "NIFTI_TYPE_FLOAT32", { 5 }, "ASCII", "1 2 3 4 5" } }));
  expectFileError(
    [&] { bmfl::loadTemplateSurface(pathOf("mismatch"), bmfl::SurfaceKind::Inflated); },
    sulc,
    "has 5 values per frame but the mesh " + pathOf("mismatch/infl_left.gii") + " has 4 vertices");
}

// ---- a coarser fsaverage drawn on a finer one ---------------------------------------------------

namespace
{

/// An icosphere of the given order, built as FreeSurfer builds fsaverage: each subdivision appends
/// the edge midpoints after the existing vertices, so the orders are nested by construction.
bmfl::SurfaceMesh icosphere(int order)
{
  const float t = (1.0F + std::sqrt(5.0F)) / 2.0F;
  bmfl::SurfaceMesh mesh;
  mesh.points = { -1, t,  0,  1, t, 0,  -1, -t, 0,  1, -t, 0, 0,  -1, t,  0,  1, t,
                  0,  -1, -t, 0, 1, -t, t,  0,  -1, t, 0,  1, -t, 0,  -1, -t, 0, 1 };
  mesh.triangles = { 0, 11, 5,  0, 5,  1, 0, 1, 7, 0, 7,  10, 0, 10, 11, 1, 5, 9, 5, 11,
                     4, 11, 10, 2, 10, 7, 6, 7, 1, 8, 3,  9,  4, 3,  4,  2, 3, 2, 6, 3,
                     6, 8,  3,  8, 9,  4, 9, 5, 2, 4, 11, 6,  2, 10, 8,  6, 7, 9, 8, 1 };
  const auto normalise = [&](std::size_t vertex)
  {
    float* p = mesh.points.data() + 3 * vertex;
    const float norm = std::sqrt(p[0] * p[0] + p[1] * p[1] + p[2] * p[2]);
    std::transform(p, p + 3, p, [&](float value) { return 100.0F * value / norm; });
  };
  for (std::size_t v = 0; v < mesh.vertexCount(); ++v)
  {
    normalise(v);
  }
  for (int level = 0; level < order; ++level)
  {
    std::map<std::pair<std::int32_t, std::int32_t>, std::int32_t> midpoints;
    const auto midpoint = [&](std::int32_t a, std::int32_t b)
    {
      const auto key = std::minmax(a, b);
      const auto found = midpoints.find(key);
      if (found != midpoints.end())
      {
        return found->second;
      }
      const auto index = static_cast<std::int32_t>(mesh.vertexCount());
      for (std::size_t axis = 0; axis < 3; ++axis)
      {
        mesh.points.push_back(mesh.points[3 * static_cast<std::size_t>(a) + axis] +
                              mesh.points[3 * static_cast<std::size_t>(b) + axis]);
      }
      normalise(static_cast<std::size_t>(index));
      midpoints.emplace(key, index);
      return index;
    };
    std::vector<std::int32_t> finer;
    for (std::size_t i = 0; i < mesh.triangles.size(); i += 3)
    {
      const std::int32_t a = mesh.triangles[i];
      const std::int32_t b = mesh.triangles[i + 1];
      const std::int32_t c = mesh.triangles[i + 2];
      const std::int32_t ab = midpoint(a, b);
      const std::int32_t bc = midpoint(b, c);
      const std::int32_t ca = midpoint(c, a);
      finer.insert(finer.end(), { a, ab, ca, b, bc, ab, c, ca, bc, ab, bc, ca });
    }
    mesh.triangles = std::move(finer);
  }
  return mesh;
}

double squaredDistance(const bmfl::SurfaceMesh& mesh, std::size_t a, std::size_t b)
{
  double sum = 0.0;
  for (std::size_t axis = 0; axis < 3; ++axis)
  {
    const double d = mesh.points[3 * a + axis] - mesh.points[3 * b + axis];
    sum += d * d;
  }
  return sum;
}

/// How many fine vertices map to a coarse vertex that is the nearest on the sphere (within a
/// rounding tolerance, so that ties count either way).
std::size_t nearestOnSphereCount(const bmfl::SurfaceMesh& sphere,
                                 const std::vector<std::int32_t>& nearest,
                                 std::size_t coarseCount)
{
  std::size_t count = 0;
  for (std::size_t v = 0; v < nearest.size(); ++v)
  {
    double best = std::numeric_limits<double>::infinity();
    for (std::size_t c = 0; c < coarseCount; ++c)
    {
      best = std::min(best, squaredDistance(sphere, v, c));
    }
    const double chosen = squaredDistance(sphere, v, static_cast<std::size_t>(nearest[v]));
    count += chosen <= best * (1.0 + 1e-4) + 1e-6 ? 1 : 0;
  }
  return count;
}

} // namespace

TEST(NestedFsaverage, VertexCountsOfTheIcosahedralOrders)
{
  EXPECT_EQ(bmfl::fsaverageVertexCount("fsaverage"), 163842u);
  EXPECT_EQ(bmfl::fsaverageVertexCount("fsaverage6"), 40962u);
  EXPECT_EQ(bmfl::fsaverageVertexCount("fsaverage5"), 10242u);
  EXPECT_EQ(bmfl::fsaverageVertexCount("fsaverage4"), 2562u);
  EXPECT_EQ(bmfl::fsaverageVertexCount("fsaverage3"), 642u);
  EXPECT_EQ(bmfl::fsaverageVertexCount("fsaverage7"), 0u);
  EXPECT_EQ(bmfl::fsaverageVertexCount("sim01"), 0u);
  EXPECT_EQ(icosphere(3).vertexCount(), bmfl::fsaverageVertexCount("fsaverage3"));
}

TEST(NestedFsaverage, FineVerticesTakeTheirNearestCoarseVertexOnTheSphere)
{
  const bmfl::SurfaceMesh fine = icosphere(4);
  const std::size_t coarseCount = 162; // order 2
  const std::vector<std::int32_t> nearest = bmfl::nearestNestedVertices(fine, coarseCount);
  ASSERT_EQ(nearest.size(), fine.vertexCount());
  for (std::size_t v = 0; v < coarseCount; ++v)
  {
    EXPECT_EQ(nearest[v], static_cast<std::int32_t>(v));
  }
  EXPECT_EQ(nearestOnSphereCount(fine, nearest, coarseCount), fine.vertexCount());
  // Every coarse vertex carries a patch of fine vertices: no dots, no holes.
  std::vector<int> patch(coarseCount, 0);
  for (const std::int32_t c : nearest)
  {
    ASSERT_GE(c, 0);
    ASSERT_LT(static_cast<std::size_t>(c), coarseCount);
    ++patch[static_cast<std::size_t>(c)];
  }
  EXPECT_GE(*std::min_element(patch.begin(), patch.end()), 4);

  EXPECT_THROW(bmfl::nearestNestedVertices(icosphere(1), 162), std::invalid_argument);
  EXPECT_THROW(bmfl::nearestNestedVertices(fine, 0), std::invalid_argument);
}

TEST(SurfaceIoRealFiles, Fsaverage5OnTheFullInflatedFsaverageFollowsTheSphere)
{
  const std::string fullInflated = SharedFsaverageFolder + "/infl_left.gii.gz";
  if (!fs::exists(fullInflated))
  {
    BMFL_SKIP_UNLESS_CI("no full fsaverage at " << SharedFsaverageFolder);
  }
  // The view maps on the shown (inflated) mesh; the sphere is the truth it must follow.
  const bmfl::SurfaceMesh sphere = bmfl::readSurface(SharedFsaverageFolder + "/sphere_left.gii.gz");
  const std::vector<std::int32_t> nearest =
    bmfl::nearestNestedVertices(bmfl::readSurface(fullInflated), bmfl::Fsaverage5VertexCount);
  ASSERT_EQ(nearest.size(), bmfl::FsaverageVertexCount);
  // A spread sample of vertices against the nearest fsaverage5 vertex on the sphere: the one
  // chosen is it, or one as near but for a tie (fsaverage5's edges are about 4 mm long there).
  for (std::size_t v = bmfl::Fsaverage5VertexCount; v < nearest.size(); v += 97)
  {
    double best = std::numeric_limits<double>::infinity();
    for (std::size_t c = 0; c < bmfl::Fsaverage5VertexCount; ++c)
    {
      best = std::min(best, squaredDistance(sphere, v, c));
    }
    const double chosen = squaredDistance(sphere, v, static_cast<std::size_t>(nearest[v]));
    ASSERT_LT(std::sqrt(chosen) - std::sqrt(best), 0.05) << "vertex " << v;
  }
}
