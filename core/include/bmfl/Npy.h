#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace bmfl
{

/// The element types of NumPy .npy files that bmfl reads (little- or big-endian; big-endian data
/// are converted on reading). Object arrays (pickled Python objects) and structured dtypes are
/// refused.
enum class NpyElementType
{
  Float32, ///< '<f4'
  Float64, ///< '<f8'
  Int8,    ///< '|i1'
  Int16,   ///< '<i2'
  Int32,   ///< '<i4'
  Int64,   ///< '<i8'
  UInt8,   ///< '|u1'
  UInt16,  ///< '<u2'
  Bool     ///< '|b1'
};

/// "float32", "int64", "bool" ...
const char* npyElementTypeName(NpyElementType type);
std::size_t npyElementBytes(NpyElementType type);

/// What a .npy header says, checked against the bytes present: the data (elementCount() items of
/// elementBytes each) start at dataOffset and end exactly at the end of the file.
struct NpyHeader
{
  int majorVersion = 1;
  NpyElementType type = NpyElementType::Float32;
  bool bigEndian = false;
  /// Fortran (column-major) order on disk. readNpy transposes such arrays to C (row-major) order,
  /// so callers only ever see C order.
  bool fortranOrder = false;
  std::vector<std::uint64_t> shape;
  std::uint64_t dataOffset = 0;

  std::uint64_t elementCount() const;
  /// Rows = the first axis; a 0-d array is one row of one value.
  std::uint64_t rowCount() const;
  std::uint64_t rowLength() const;
};

/// A .npy array in C order. float32 data are kept as float, float64 as double, every integer and
/// bool type as int64 (exact for all of them).
struct NpyArray
{
  NpyElementType type = NpyElementType::Float32; ///< the type in the file (or to write)
  std::vector<std::uint64_t> shape;
  std::variant<std::vector<float>, std::vector<double>, std::vector<std::int64_t>> values;

  std::size_t elementCount() const;
  /// The values converted to float (integers beyond 2^24 and doubles lose precision).
  std::vector<float> toFloat() const;
  /// The values of an integer or bool array; throws std::logic_error for a float array.
  const std::vector<std::int64_t>& integers() const;
};

/// Builds an array of the given type from values held as float / double / int64.
NpyArray makeNpyArray(NpyElementType type,
                      std::vector<std::uint64_t> shape,
                      std::vector<float> values);
NpyArray makeNpyArray(NpyElementType type,
                      std::vector<std::uint64_t> shape,
                      std::vector<double> values);
NpyArray makeNpyArray(NpyElementType type,
                      std::vector<std::uint64_t> shape,
                      std::vector<std::int64_t> values);

/// Reads only the header (versions 1.0, 2.0, 3.0) and checks it against the file's size.
/// Throws FileError naming the file and the problem.
NpyHeader readNpyHeader(const std::string& path);

/// Parses a header from the first bytes of a file whose total size is fileBytes; path only names
/// the file in errors. Throws FileError.
NpyHeader parseNpyHeader(const std::string& path,
                         const unsigned char* bytes,
                         std::size_t size,
                         std::uint64_t fileBytes);

/// Reads a whole .npy file. Sizes are checked against the bytes present before anything is
/// allocated. Throws FileError.
NpyArray readNpy(const std::string& path);

/// Parses a whole .npy file already in memory (used by the fuzzers). Throws FileError.
NpyArray parseNpy(const std::string& path, const std::vector<unsigned char>& bytes);

/// Reads rows [firstRow, firstRow + rowCount) of an array (rows = first axis), converted to float,
/// row after row, reading only those rows' bytes from the file. Fortran-ordered files are
/// supported for 1-D and 2-D arrays. Throws FileError.
std::vector<float> readNpyRows(const std::string& path,
                               const NpyHeader& header,
                               std::uint64_t firstRow,
                               std::uint64_t rowCount);

/// Writes a version 1.0 .npy file (little-endian, C order) of array.type, converting the stored
/// values; the file appears complete or not at all (written beside it, then renamed).
/// Throws FileError when it cannot be written.
void writeNpy(const std::string& path, const NpyArray& array);

} // namespace bmfl
