#include "DataTestSupport.h"
#include "TestEnvironment.h"

#include "bmfl/FileError.h"
#include "bmfl/Npy.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace
{

using bmfl::NpyElementType;
using bmfl::test::TemporaryFolder;

std::string errorOf(const std::string& path)
{
  try
  {
    bmfl::readNpy(path);
  }
  catch (const bmfl::FileError& error)
  {
    return error.what();
  }
  return "no error";
}

/// A version 1.0 file with the given header dict and data bytes, padded as NumPy pads it.
std::vector<unsigned char> npyBytes(std::string dict, const std::vector<unsigned char>& data)
{
  dict.append((64 - (10 + dict.size() + 1) % 64) % 64, ' ');
  dict += '\n';
  std::vector<unsigned char> bytes = { 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0 };
  bytes.push_back(static_cast<unsigned char>(dict.size() & 0xFF));
  bytes.push_back(static_cast<unsigned char>(dict.size() >> 8));
  bytes.insert(bytes.end(), dict.begin(), dict.end());
  bytes.insert(bytes.end(), data.begin(), data.end());
  return bytes;
}

TEST(Npy, WriterAndReaderRoundTripEveryType)
{
  TemporaryFolder folder;
  const std::vector<std::int64_t> integers = { 0, 1, 7, 100, 3, 5 };
  for (const NpyElementType type : { NpyElementType::Int8,
                                     NpyElementType::Int16,
                                     NpyElementType::Int32,
                                     NpyElementType::Int64,
                                     NpyElementType::UInt8,
                                     NpyElementType::UInt16 })
  {
    const std::string path = folder.file(std::string(bmfl::npyElementTypeName(type)) + ".npy");
    bmfl::writeNpy(path, bmfl::makeNpyArray(type, { 2, 3 }, integers));
    const bmfl::NpyArray read = bmfl::readNpy(path);
    EXPECT_EQ(read.type, type);
    EXPECT_EQ(read.shape, (std::vector<std::uint64_t>{ 2, 3 }));
    EXPECT_EQ(read.integers(), integers) << bmfl::npyElementTypeName(type);
  }
  const std::string floats = folder.file("f4.npy");
  bmfl::writeNpy(floats,
                 bmfl::makeNpyArray(
                   NpyElementType::Float32, { 4 }, std::vector<float>{ 0.5f, -1.25f, 3e8f, 0 }));
  EXPECT_EQ(std::get<std::vector<float>>(bmfl::readNpy(floats).values),
            (std::vector<float>{ 0.5f, -1.25f, 3e8f, 0 }));
  const std::string doubles = folder.file("f8.npy");
  bmfl::writeNpy(doubles,
                 bmfl::makeNpyArray(NpyElementType::Float64, {}, std::vector<double>{ 0.1 }));
  const bmfl::NpyArray scalar = bmfl::readNpy(doubles);
  EXPECT_TRUE(scalar.shape.empty());
  EXPECT_EQ(std::get<std::vector<double>>(scalar.values), std::vector<double>{ 0.1 });
  const std::string bools = folder.file("b1.npy");
  bmfl::writeNpy(
    bools, bmfl::makeNpyArray(NpyElementType::Bool, { 3 }, std::vector<std::int64_t>{ 1, 0, 5 }));
  EXPECT_EQ(bmfl::readNpy(bools).integers(), (std::vector<std::int64_t>{ 1, 0, 1 }));
  // The writer's header is 64-byte aligned, as NumPy writes it.
  EXPECT_EQ(bmfl::readNpyHeader(floats).dataOffset % 64, 0u);
}

TEST(Npy, ReadsWhatNumpyWritesInAllVersionsOrdersAndEndians)
{
  if (!bmfl::test::numpyAvailable())
  {
    BMFL_SKIP_UNLESS_CI("python3 with numpy not available");
  }
  TemporaryFolder folder;
  ASSERT_TRUE(bmfl::test::runNumpy(folder.path(), R"(
a = np.arange(24, dtype='<f4').reshape(2, 3, 4) * 0.5 - 3
np.save('c.npy', a)
np.save('big.npy', a.astype('>f8'))
np.save('fortran.npy', np.asfortranarray(a))
np.save('big_i4.npy', np.arange(-5, 5, dtype='>i4'))
np.save('u2.npy', np.array([0, 65535, 7], dtype='<u2'))
np.save('i1.npy', np.array([-128, 127, 0], dtype='i1'))
np.save('bool.npy', np.array([True, False, True]))
np.save('empty.npy', np.zeros((0, 5), dtype='<f4'))
from numpy.lib import format as fmt
for version in [(2, 0), (3, 0)]:
    with open('v%d.npy' % version[0], 'wb') as f:
        fmt.write_array(f, a, version=version)
np.save('object.npy', np.array([{'1': 'V1v'}], dtype=object), allow_pickle=True)
np.save('structured.npy', np.zeros(3, dtype=[('x', '<f4'), ('y', '<i4')]))
np.save('complex.npy', np.zeros(3, dtype='<c8'))
)"));
  std::vector<float> expected(24);
  for (std::size_t index = 0; index < expected.size(); ++index)
  {
    expected[index] = static_cast<float>(index) * 0.5f - 3;
  }
  for (const char* name : { "c.npy", "big.npy", "fortran.npy", "v2.npy", "v3.npy" })
  {
    const bmfl::NpyArray array = bmfl::readNpy(folder.file(name));
    EXPECT_EQ(array.shape, (std::vector<std::uint64_t>{ 2, 3, 4 })) << name;
    EXPECT_EQ(array.toFloat(), expected) << name;
  }
  EXPECT_EQ(bmfl::readNpy(folder.file("big.npy")).type, NpyElementType::Float64);
  EXPECT_TRUE(bmfl::readNpyHeader(folder.file("fortran.npy")).fortranOrder);
  EXPECT_EQ(bmfl::readNpyHeader(folder.file("v3.npy")).majorVersion, 3);
  EXPECT_EQ(bmfl::readNpy(folder.file("big_i4.npy")).integers(),
            (std::vector<std::int64_t>{ -5, -4, -3, -2, -1, 0, 1, 2, 3, 4 }));
  EXPECT_EQ(bmfl::readNpy(folder.file("u2.npy")).integers(),
            (std::vector<std::int64_t>{ 0, 65535, 7 }));
  EXPECT_EQ(bmfl::readNpy(folder.file("i1.npy")).integers(),
            (std::vector<std::int64_t>{ -128, 127, 0 }));
  EXPECT_EQ(bmfl::readNpy(folder.file("bool.npy")).type, NpyElementType::Bool);
  EXPECT_EQ(bmfl::readNpy(folder.file("empty.npy")).elementCount(), 0u);

  EXPECT_NE(errorOf(folder.file("object.npy")).find("object arrays"), std::string::npos);
  EXPECT_NE(errorOf(folder.file("object.npy")).find("object.npy"), std::string::npos);
  EXPECT_NE(errorOf(folder.file("structured.npy")).find("structured"), std::string::npos);
  EXPECT_NE(errorOf(folder.file("complex.npy")).find("unsupported dtype '<c8'"), std::string::npos);

  // And NumPy reads what bmfl writes.
  bmfl::writeNpy(
    folder.file("ours.npy"),
    bmfl::makeNpyArray(NpyElementType::Int16, { 2, 2 }, std::vector<std::int64_t>{ -3, 4, 5, 6 }));
  EXPECT_TRUE(bmfl::test::runNumpy(folder.path(), R"(
a = np.load('ours.npy')
assert a.dtype == np.int16 and a.shape == (2, 2) and a.tolist() == [[-3, 4], [5, 6]], a
)"));
}

TEST(Npy, ReadsRequestedRowsOnlyInCAndFortranOrder)
{
  if (!bmfl::test::numpyAvailable())
  {
    BMFL_SKIP_UNLESS_CI("python3 with numpy not available");
  }
  TemporaryFolder folder;
  ASSERT_TRUE(bmfl::test::runNumpy(folder.path(), R"(
a = (np.arange(50, dtype='<f4') * 1.5).reshape(10, 5)
np.save('c.npy', a)
np.save('f.npy', np.asfortranarray(a).astype('>f4'))
)"));
  for (const char* name : { "c.npy", "f.npy" })
  {
    const std::string path = folder.file(name);
    const bmfl::NpyHeader header = bmfl::readNpyHeader(path);
    const std::vector<float> rows = bmfl::readNpyRows(path, header, 3, 2);
    ASSERT_EQ(rows.size(), 10u);
    for (std::size_t index = 0; index < rows.size(); ++index)
    {
      EXPECT_EQ(rows[index], static_cast<float>(15 + index) * 1.5f) << name;
    }
    EXPECT_THROW(bmfl::readNpyRows(path, header, 9, 2), bmfl::FileError);
    EXPECT_TRUE(bmfl::readNpyRows(path, header, 10, 0).empty());
  }
}

TEST(Npy, RefusesMalformedFilesWithOneLineNamingTheFile)
{
  TemporaryFolder folder;
  const std::vector<unsigned char> twelveFloats(48, 0);
  const struct
  {
    const char* name;
    std::vector<unsigned char> bytes;
    const char* problem;
  } cases[] = {
    { "empty.npy", {}, "too short" },
    { "text.npy", { 'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd', '!' }, "magic" },
    { "truncated.npy",
      npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (4, 4), }", twelveFloats),
      "truncated" },
    { "extra.npy",
      npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 4), }", twelveFloats),
      "bytes follow the data" },
    { "huge.npy",
      npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000, 1000000), }",
               twelveFloats),
      "truncated" },
    { "overflow.npy",
      npyBytes(
        "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4294967296), }",
        twelveFloats),
      "truncated" },
    { "bigint.npy",
      npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999,), }",
               twelveFloats),
      "overflows" },
    { "missing_key.npy",
      npyBytes("{'descr': '<f4', 'shape': (12,), }", twelveFloats),
      "lacks 'fortran_order'" },
    { "twice.npy",
      npyBytes("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (12,), }",
               twelveFloats),
      "twice" },
    { "extra_key.npy",
      npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (12,), 'x': 1}", twelveFloats),
      "unexpected key" },
    { "negative.npy",
      npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (-12,), }", twelveFloats),
      "non-negative" },
    { "object.npy",
      npyBytes("{'descr': '|O', 'fortran_order': False, 'shape': (6,), }", twelveFloats),
      "never unpickles" },
    { "unclosed.npy",
      npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (12,", twelveFloats),
      "never ends" },
    { "order.npy",
      npyBytes("{'descr': '<f4', 'fortran_order': 0, 'shape': (12,), }", twelveFloats),
      "True or False" },
  };
  for (const auto& testCase : cases)
  {
    const std::string path = folder.file(testCase.name);
    bmfl::test::writeBytes(path, testCase.bytes);
    const std::string message = errorOf(path);
    EXPECT_EQ(message.rfind(path + ": ", 0), 0u) << message;
    EXPECT_NE(message.find(testCase.problem), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    // The in-memory parser agrees with the file reader.
    EXPECT_THROW(bmfl::parseNpy(path, testCase.bytes), bmfl::FileError) << testCase.name;
  }
  // A header length beyond the file, and an unsupported version.
  std::vector<unsigned char> longHeader = { 0x93, 'N', 'U',  'M',  'P',  'Y',
                                            2,    0,   0xFF, 0xFF, 0xFF, 0x7F };
  bmfl::test::writeBytes(folder.file("long.npy"), longHeader);
  EXPECT_NE(errorOf(folder.file("long.npy")).find("header claims"), std::string::npos);
  longHeader[6] = 4;
  bmfl::test::writeBytes(folder.file("v4.npy"), longHeader);
  EXPECT_NE(errorOf(folder.file("v4.npy")).find("unsupported .npy version 4.0"), std::string::npos);
  EXPECT_NE(errorOf(folder.path().string()).find("is a folder"), std::string::npos);
  EXPECT_NE(errorOf(folder.file("absent.npy")).find("cannot open"), std::string::npos);
}

TEST(Npy, WriteIsAtomicAndLeavesNoTemporaryFile)
{
  TemporaryFolder folder;
  const std::string path = folder.file("a.npy");
  bmfl::writeNpy(path, bmfl::makeNpyArray(NpyElementType::Float32, { 1 }, std::vector<float>{ 1 }));
  bmfl::writeNpy(path,
                 bmfl::makeNpyArray(NpyElementType::Float32, { 2 }, std::vector<float>{ 2, 3 }));
  EXPECT_EQ(bmfl::readNpy(path).toFloat(), (std::vector<float>{ 2, 3 }));
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(folder.path()),
                          std::filesystem::directory_iterator()),
            1);
  EXPECT_THROW(
    bmfl::writeNpy(folder.file("no/such/folder/a.npy"),
                   bmfl::makeNpyArray(NpyElementType::Float32, { 1 }, std::vector<float>{ 1 })),
    bmfl::FileError);
}

} // namespace
