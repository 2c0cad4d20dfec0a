#include "bmfl/widgets/FigureWriter.h"

#include "bmfl/AtomicFile.h"
#include "bmfl/FileError.h"
#include "bmfl/Sha256.h"
#include "bmfl/Timestamp.h"

#include <QBuffer>
#include <QImage>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
#include <QSvgGenerator>

#include <tiffio.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <stdexcept>

namespace bmfl
{

namespace
{

QString qs(const std::string& text)
{
  return QString::fromStdString(text);
}

std::string xmlEscaped(const std::string& text)
{
  std::string escaped;
  for (char c : text)
  {
    switch (c)
    {
      case '&':
        escaped += "&amp;";
        break;
      case '<':
        escaped += "&lt;";
        break;
      case '>':
        escaped += "&gt;";
        break;
      case '"':
        escaped += "&quot;";
        break;
      default:
        // Control characters are not allowed in XML 1.0 (file names may hold them).
        escaped += (static_cast<unsigned char>(c) < 0x20 && c != '\t') ? '?' : c;
    }
  }
  return escaped;
}

/// "Key: value" lines.
std::string provenanceText(const FigureProvenance& provenance)
{
  std::string text;
  for (const auto& [key, value] : provenance.entries())
  {
    text += key + ": " + value + "\n";
  }
  return text;
}

std::vector<std::uint8_t> bytesOf(const QByteArray& bytes)
{
  return { reinterpret_cast<const std::uint8_t*>(bytes.constData()),
           reinterpret_cast<const std::uint8_t*>(bytes.constData()) + bytes.size() };
}

/// The figure drawn on a white raster at the figure's DPI.
QImage drawRaster(const FigureSize& size, const FigureDraw& draw)
{
  QImage image(size.width, size.height, QImage::Format_ARGB32_Premultiplied);
  image.fill(Qt::white);
  const int dotsPerMetre = static_cast<int>(std::lround(size.dpi / 0.0254));
  image.setDotsPerMeterX(dotsPerMetre);
  image.setDotsPerMeterY(dotsPerMetre);
  {
    QPainter painter(&image);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setRenderHint(QPainter::TextAntialiasing);
    painter.setRenderHint(QPainter::SmoothPixmapTransform);
    draw(painter);
  }
  return image;
}

std::vector<std::uint8_t> pngBytes(const FigureSize& size,
                                   const FigureProvenance& provenance,
                                   const FigureDraw& draw,
                                   const std::string& path)
{
  QImage image = drawRaster(size, draw);
  for (const auto& [key, value] : provenance.entries())
  {
    image.setText(qs(key), qs(value));
  }
  QByteArray bytes;
  QBuffer buffer(&bytes);
  buffer.open(QIODevice::WriteOnly);
  if (!image.convertToFormat(QImage::Format_RGB32).save(&buffer, "PNG"))
  {
    throw FileError(path, "cannot encode the PNG");
  }
  return bytesOf(bytes);
}

// libtiff writes through these into memory, so the file itself is written atomically.
struct MemoryFile
{
  std::vector<std::uint8_t> bytes;
  std::size_t position = 0;
};

tmsize_t memoryRead(thandle_t handle, void* data, tmsize_t size)
{
  auto* file = static_cast<MemoryFile*>(handle);
  const std::size_t available =
    file->position < file->bytes.size() ? file->bytes.size() - file->position : 0;
  const std::size_t count = std::min(available, static_cast<std::size_t>(size));
  std::memcpy(data, file->bytes.data() + file->position, count);
  file->position += count;
  return static_cast<tmsize_t>(count);
}

tmsize_t memoryWrite(thandle_t handle, void* data, tmsize_t size)
{
  auto* file = static_cast<MemoryFile*>(handle);
  const auto count = static_cast<std::size_t>(size);
  if (file->position + count > file->bytes.size())
  {
    file->bytes.resize(file->position + count);
  }
  std::memcpy(file->bytes.data() + file->position, data, count);
  file->position += count;
  return size;
}

toff_t memorySeek(thandle_t handle, toff_t offset, int whence)
{
  auto* file = static_cast<MemoryFile*>(handle);
  std::size_t base = 0;
  if (whence == SEEK_CUR)
  {
    base = file->position;
  }
  else if (whence == SEEK_END)
  {
    base = file->bytes.size();
  }
  file->position = base + static_cast<std::size_t>(offset);
  return static_cast<toff_t>(file->position);
}

int memoryClose(thandle_t)
{
  return 0;
}

toff_t memorySize(thandle_t handle)
{
  return static_cast<toff_t>(static_cast<MemoryFile*>(handle)->bytes.size());
}

int memoryMap(thandle_t, void**, toff_t*)
{
  return 0;
}

void memoryUnmap(thandle_t, void*, toff_t) {}

std::vector<std::uint8_t> tiffBytes(const FigureSize& size,
                                    const FigureProvenance& provenance,
                                    const FigureDraw& draw,
                                    const std::string& path)
{
  const QImage image = drawRaster(size, draw).convertToFormat(QImage::Format_RGB888);
  MemoryFile file;
  TIFF* tiff = TIFFClientOpen(path.c_str(),
                              "w",
                              &file,
                              memoryRead,
                              memoryWrite,
                              memorySeek,
                              memoryClose,
                              memorySize,
                              memoryMap,
                              memoryUnmap);
  if (!tiff)
  {
    throw FileError(path, "cannot start the TIFF encoder");
  }
  const std::string description = provenanceText(provenance);
  const auto width = static_cast<std::uint32_t>(image.width());
  const auto height = static_cast<std::uint32_t>(image.height());
  bool ok = TIFFSetField(tiff, TIFFTAG_IMAGEWIDTH, width) == 1 &&
            TIFFSetField(tiff, TIFFTAG_IMAGELENGTH, height) == 1 &&
            TIFFSetField(tiff, TIFFTAG_SAMPLESPERPIXEL, 3) == 1 &&
            TIFFSetField(tiff, TIFFTAG_BITSPERSAMPLE, 8) == 1 &&
            TIFFSetField(tiff, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_RGB) == 1 &&
            TIFFSetField(tiff, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG) == 1 &&
            TIFFSetField(tiff, TIFFTAG_COMPRESSION, COMPRESSION_ADOBE_DEFLATE) == 1 &&
            TIFFSetField(tiff, TIFFTAG_ROWSPERSTRIP, TIFFDefaultStripSize(tiff, 0)) == 1 &&
            TIFFSetField(tiff, TIFFTAG_RESOLUTIONUNIT, RESUNIT_INCH) == 1 &&
            TIFFSetField(tiff, TIFFTAG_XRESOLUTION, static_cast<float>(size.dpi)) == 1 &&
            TIFFSetField(tiff, TIFFTAG_YRESOLUTION, static_cast<float>(size.dpi)) == 1 &&
            TIFFSetField(tiff, TIFFTAG_IMAGEDESCRIPTION, description.c_str()) == 1 &&
            TIFFSetField(tiff, TIFFTAG_SOFTWARE, provenance.program.c_str()) == 1;
  for (std::uint32_t row = 0; ok && row < height; ++row)
  {
    // libtiff takes a non-const buffer but only reads it when writing.
    auto* line = const_cast<uchar*>(image.constScanLine(static_cast<int>(row)));
    ok = TIFFWriteScanline(tiff, line, row, 0) == 1;
  }
  TIFFClose(tiff);
  if (!ok)
  {
    throw FileError(path, "cannot encode the TIFF");
  }
  return file.bytes;
}

std::vector<std::uint8_t> svgBytes(const FigureSize& size,
                                   const FigureProvenance& provenance,
                                   const FigureDraw& draw)
{
  QByteArray bytes;
  QBuffer buffer(&bytes);
  buffer.open(QIODevice::WriteOnly);
  {
    QSvgGenerator generator;
    generator.setOutputDevice(&buffer);
    generator.setSize(QSize(size.width, size.height));
    generator.setViewBox(QRect(0, 0, size.width, size.height));
    generator.setResolution(size.dpi);
    generator.setTitle(qs(provenance.title));
    generator.setDescription(qs(provenanceText(provenance)));
    QPainter painter(&generator);
    painter.setRenderHint(QPainter::Antialiasing);
    draw(painter);
  }
  // QSvgGenerator writes <title> and <desc> only: the provenance also goes into <metadata>,
  // machine-readable, right after them.
  std::string metadata = "<metadata>\n<bmfl:provenance xmlns:bmfl=\"urn:bmfl:provenance\">\n";
  for (const auto& [key, value] : provenance.entries())
  {
    metadata +=
      "<bmfl:entry key=\"" + xmlEscaped(key) + "\">" + xmlEscaped(value) + "</bmfl:entry>\n";
  }
  metadata += "</bmfl:provenance>\n</metadata>\n";
  std::string svg = bytes.toStdString();
  const std::size_t descEnd = svg.find("</desc>");
  const std::size_t svgOpen = svg.find("<svg");
  std::size_t at = std::string::npos;
  if (descEnd != std::string::npos)
  {
    at = descEnd + std::strlen("</desc>");
  }
  else if (svgOpen != std::string::npos)
  {
    at = svg.find('>', svgOpen);
    at = at == std::string::npos ? at : at + 1;
  }
  if (at != std::string::npos)
  {
    svg.insert(at, "\n" + metadata);
  }
  return { svg.begin(), svg.end() };
}

QByteArray xmpPacket(const FigureProvenance& provenance)
{
  std::string xmp =
    "<?xpacket begin=\"\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n"
    "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n"
    "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n"
    "<rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" "
    "xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\" xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\" "
    "xmlns:bmfl=\"urn:bmfl:provenance\">\n";
  xmp += "<dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">" + xmlEscaped(provenance.title) +
         "</rdf:li></rdf:Alt></dc:title>\n";
  xmp += "<dc:description><rdf:Alt><rdf:li xml:lang=\"x-default\">" +
         xmlEscaped(provenanceText(provenance)) + "</rdf:li></rdf:Alt></dc:description>\n";
  xmp += "<xmp:CreatorTool>" + xmlEscaped(provenance.program) + "</xmp:CreatorTool>\n";
  xmp += "<xmp:CreateDate>" + xmlEscaped(provenance.date) + "</xmp:CreateDate>\n";
  xmp += "<pdf:Keywords>" + xmlEscaped("bundle manifest sha256 " + provenance.bundleChecksum) +
         "</pdf:Keywords>\n";
  for (const auto& [key, value] : provenance.entries())
  {
    std::string element;
    for (char c : key)
    {
      if (std::isalnum(static_cast<unsigned char>(c)) != 0)
      {
        element += c;
      }
    }
    xmp += "<bmfl:" + element + ">" + xmlEscaped(value) + "</bmfl:" + element + ">\n";
  }
  xmp += "</rdf:Description>\n</rdf:RDF>\n</x:xmpmeta>\n<?xpacket end=\"w\"?>";
  return QByteArray::fromStdString(xmp);
}

std::vector<std::uint8_t> pdfBytes(const FigureSize& size,
                                   const FigureProvenance& provenance,
                                   const FigureDraw& draw)
{
  QByteArray bytes;
  QBuffer buffer(&bytes);
  buffer.open(QIODevice::WriteOnly);
  {
    QPdfWriter writer(&buffer);
    writer.setResolution(size.dpi);
    const QSizeF points(72.0 * size.width / size.dpi, 72.0 * size.height / size.dpi);
    writer.setPageSize(QPageSize(points, QPageSize::Point, QString(), QPageSize::ExactMatch));
    writer.setPageMargins(QMarginsF(0, 0, 0, 0));
    writer.setTitle(qs(provenance.title));
    writer.setCreator(
      qs(provenance.program + " (bundle manifest sha256 " + provenance.bundleChecksum + ")"));
    writer.setDocumentXmpMetadata(xmpPacket(provenance));
    QPainter painter(&writer);
    painter.setRenderHint(QPainter::Antialiasing);
    // The page in device dots is the figure's pixels up to rounding of the page size.
    painter.scale(writer.width() / static_cast<double>(size.width),
                  writer.height() / static_cast<double>(size.height));
    draw(painter);
  }
  return bytesOf(bytes);
}

std::string lowerExtension(const std::string& path)
{
  const std::size_t slash = path.find_last_of('/');
  const std::size_t dot = path.find_last_of('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash))
  {
    return {};
  }
  std::string extension = path.substr(dot + 1);
  std::transform(extension.begin(),
                 extension.end(),
                 extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return extension;
}

} // namespace

FigureFormat figureFormatFor(const std::string& path)
{
  const std::string extension = lowerExtension(path);
  if (extension == "png")
  {
    return FigureFormat::Png;
  }
  if (extension == "tif" || extension == "tiff")
  {
    return FigureFormat::Tiff;
  }
  if (extension == "svg")
  {
    return FigureFormat::Svg;
  }
  if (extension == "pdf")
  {
    return FigureFormat::Pdf;
  }
  throw FileError(path, "unknown figure format (use .png, .tif, .tiff, .svg or .pdf)");
}

std::vector<std::pair<std::string, std::string>> FigureProvenance::entries() const
{
  std::vector<std::pair<std::string, std::string>> all;
  const std::pair<const char*, const std::string*> fields[] = {
    { "Title", &title },
    { "Bundle", &bundle },
    { "Bundle manifest SHA-256", &bundleChecksum },
    { "Image", &image },
    { "Colour range", &colourRange },
    { "Atlas", &atlas },
    { "Software", &program },
    { "Creation Time", &date },
  };
  for (const auto& [key, value] : fields)
  {
    if (!value->empty())
    {
      all.emplace_back(key, *value);
    }
  }
  return all;
}

FigureProvenance makeFigureProvenance(const std::string& bundle, const std::string& image)
{
  FigureProvenance provenance;
  provenance.bundle = bundle;
  provenance.image = image;
  provenance.program = std::string("bmfl ") + BMFL_VERSION;
  provenance.date = utcTimestamp();
  if (!bundle.empty())
  {
    const std::string manifest = bundle + "/manifest.json";
    requireRegularFile(manifest, "a bundle manifest");
    provenance.bundleChecksum = sha256OfFile(manifest);
  }
  return provenance;
}

double figurePoints(const FigureSize& size, double points)
{
  return points * size.dpi / 72.0;
}

void writeFigure(const std::string& path,
                 const FigureSize& size,
                 const FigureProvenance& provenance,
                 const FigureDraw& draw)
{
  const FigureFormat format = figureFormatFor(path);
  if (size.width <= 0 || size.height <= 0 || size.dpi <= 0 || size.width > 20000 ||
      size.height > 20000)
  {
    throw std::invalid_argument("a figure needs a size of 1 to 20000 pixels and a positive DPI");
  }
  std::vector<std::uint8_t> bytes;
  switch (format)
  {
    case FigureFormat::Png:
      bytes = pngBytes(size, provenance, draw, path);
      break;
    case FigureFormat::Tiff:
      bytes = tiffBytes(size, provenance, draw, path);
      break;
    case FigureFormat::Svg:
      bytes = svgBytes(size, provenance, draw);
      break;
    case FigureFormat::Pdf:
      bytes = pdfBytes(size, provenance, draw);
      break;
  }
  writeFileAtomically(path, bytes);
}

} // namespace bmfl
