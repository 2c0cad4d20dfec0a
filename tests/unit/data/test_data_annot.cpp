#include "DataTestSupport.h"

#include "bmfl/Annot.h"
#include "bmfl/FileError.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace
{

/// Builds FreeSurfer .annot files field by field (big-endian int32s and length-prefixed names).
struct AnnotWriter
{
  std::vector<unsigned char> bytes;

  AnnotWriter& int32(std::int32_t value)
  {
    const auto bits = static_cast<std::uint32_t>(value);
    for (int shift = 24; shift >= 0; shift -= 8)
    {
      bytes.push_back(static_cast<unsigned char>(bits >> shift));
    }
    return *this;
  }
  AnnotWriter& name(const std::string& text)
  {
    int32(static_cast<std::int32_t>(text.size() + 1));
    bytes.insert(bytes.end(), text.begin(), text.end());
    bytes.push_back(0);
    return *this;
  }
  AnnotWriter& entry(const std::string& entryName, int red, int green, int blue)
  {
    return name(entryName).int32(red).int32(green).int32(blue).int32(0);
  }
};

std::int32_t code(int red, int green, int blue)
{
  return red + green * 256 + blue * 65536;
}

/// Five vertices: 0 and 3 "unknown", 1 "V1", 2 "V2" and 4 an unlisted colour.
AnnotWriter vertexPairs()
{
  AnnotWriter writer;
  writer.int32(5);
  const std::int32_t codes[5] = {
    code(25, 5, 25), code(200, 10, 10), code(10, 200, 10), code(25, 5, 25), code(1, 2, 3)
  };
  // Stored out of vertex order: the vertex numbers decide.
  for (const std::int32_t vertex : { 4, 0, 1, 2, 3 })
  {
    writer.int32(vertex).int32(codes[vertex]);
  }
  return writer;
}

std::string errorOf(const std::vector<unsigned char>& bytes)
{
  try
  {
    bmfl::parseAnnot("x.annot", bytes);
  }
  catch (const bmfl::FileError& error)
  {
    return error.what();
  }
  return "no error";
}

TEST(Annot, ReadsTheVersion2ColourTable)
{
  AnnotWriter writer = vertexPairs();
  writer.int32(1).int32(-2).int32(40).name("/usr/local/freesurfer/FreeSurferColorLUT.txt").int32(3);
  writer.int32(0).entry("unknown", 25, 5, 25);
  writer.int32(11).entry("V1", 200, 10, 10);
  writer.int32(12).entry("V2", 10, 200, 10);
  bmfl::test::TemporaryFolder folder;
  bmfl::test::writeBytes(folder.file("lh.test.annot"), writer.bytes);
  const bmfl::Annotation annotation = bmfl::readAnnot(folder.file("lh.test.annot"));
  EXPECT_EQ(annotation.vertexCount(), 5u);
  EXPECT_EQ(annotation.names, (std::vector<std::string>{ "unknown", "V1", "V2" }));
  EXPECT_EQ(annotation.structureIds, (std::vector<std::int32_t>{ 0, 11, 12 }));
  EXPECT_EQ(annotation.vertexEntries, (std::vector<std::int32_t>{ 0, 1, 2, 0, -1 }));
  EXPECT_EQ(annotation.colours[1].red, 200);
  EXPECT_EQ(annotation.colourTableFile, "/usr/local/freesurfer/FreeSurferColorLUT.txt");
}

TEST(Annot, ReadsTheOldColourTable)
{
  AnnotWriter writer = vertexPairs();
  writer.int32(1).int32(3).name("ctab.txt");
  writer.entry("unknown", 25, 5, 25).entry("V1", 200, 10, 10).entry("V2", 10, 200, 10);
  const bmfl::Annotation annotation = bmfl::parseAnnot("old.annot", writer.bytes);
  EXPECT_EQ(annotation.vertexEntries, (std::vector<std::int32_t>{ 0, 1, 2, 0, -1 }));
  EXPECT_EQ(annotation.structureIds, (std::vector<std::int32_t>{ 0, 1, 2 }));
}

TEST(Annot, RefusesMalformedFiles)
{
  AnnotWriter good = vertexPairs();
  good.int32(1).int32(-2).int32(40).name("ctab").int32(1).int32(0).entry("unknown", 25, 5, 25);
  // Every truncation is refused with a message, never a crash.
  for (std::size_t keep = 0; keep < good.bytes.size(); ++keep)
  {
    const std::vector<unsigned char> truncated(
      good.bytes.begin(), good.bytes.begin() + static_cast<std::ptrdiff_t>(keep));
    EXPECT_EQ(errorOf(truncated).rfind("x.annot: ", 0), 0u) << keep;
  }
  // The whole file reads: one entry, "unknown"; only the vertices with its colour are labelled.
  const bmfl::Annotation whole = bmfl::parseAnnot("good.annot", good.bytes);
  EXPECT_EQ(whole.names, (std::vector<std::string>{ "unknown" }));
  EXPECT_EQ(whole.vertexEntries, (std::vector<std::int32_t>{ 0, -1, -1, 0, -1 }));

  EXPECT_NE(errorOf(AnnotWriter().int32(2000000000).int32(0).bytes)
              .find("truncated: 2000000000 vertex/label pairs"),
            std::string::npos);
  EXPECT_NE(errorOf(AnnotWriter().int32(-4).bytes).find("invalid vertex count -4"),
            std::string::npos);
  EXPECT_NE(
    errorOf(AnnotWriter().int32(1).int32(3).int32(0).int32(1).bytes).find("vertex number 3"),
    std::string::npos);
  AnnotWriter noTable = vertexPairs();
  noTable.int32(0);
  EXPECT_NE(errorOf(noTable.bytes).find("has no colour table"), std::string::npos);
  AnnotWriter manyEntries = vertexPairs();
  manyEntries.int32(1).int32(-2).int32(40).name("ctab").int32(100000000);
  EXPECT_NE(errorOf(manyEntries.bytes).find("claims 100000000 entries"), std::string::npos);
  AnnotWriter version = vertexPairs();
  version.int32(1).int32(-3);
  EXPECT_NE(errorOf(version.bytes).find("version 3"), std::string::npos);
  AnnotWriter colour = vertexPairs();
  colour.int32(1).int32(1).name("ctab").entry("bad", 300, 0, 0);
  EXPECT_NE(errorOf(colour.bytes).find("channel value 300"), std::string::npos);
  AnnotWriter structure = vertexPairs();
  structure.int32(1).int32(-2).int32(4).name("ctab").int32(1).int32(9).entry("x", 1, 1, 1);
  EXPECT_NE(errorOf(structure.bytes).find("structure number 9"), std::string::npos);
  AnnotWriter longName = vertexPairs();
  longName.int32(1).int32(1).int32(0x7FFFFFFF);
  EXPECT_NE(errorOf(longName.bytes).find("truncated: the colour-table name"), std::string::npos);
}

} // namespace
