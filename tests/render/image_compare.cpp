// bmfl-image-compare RENDERED.png BASELINE.png [--threshold T]
// Exit 0 when 1 - SSIM <= T (default 0.05, F3D's default), else 1; writes RENDERED.diff.png.
#include "ImageComparison.h"

#include <QGuiApplication>
#include <QImage>

#include <cstdio>
#include <cstdlib>
#include <cstring>

int main(int argc, char** argv)
{
  if (argc != 3 && !(argc == 5 && std::strcmp(argv[3], "--threshold") == 0))
  {
    std::fprintf(stderr, "usage: bmfl-image-compare RENDERED.png BASELINE.png [--threshold T]\n");
    return 2;
  }
  const double threshold = argc == 5 ? std::atof(argv[4]) : 0.05;
  const QImage rendered(QString::fromLocal8Bit(argv[1]));
  const QImage baseline(QString::fromLocal8Bit(argv[2]));
  const bmfl::testing::ImageDifference difference =
    bmfl::testing::compareImages(rendered, baseline);
  if (!difference.error.isEmpty())
  {
    std::fprintf(stderr, "%s vs %s: %s\n", argv[1], argv[2], qPrintable(difference.error));
    return 1;
  }
  std::printf("%s vs %s: 1-SSIM %.5f (threshold %.3f), max channel difference %d, %.3f%% of "
              "pixels differ by more than 16 levels\n",
              argv[1],
              argv[2],
              difference.dissimilarity,
              threshold,
              difference.maxChannelDifference,
              100.0 * difference.fractionOfPixelsDiffering);
  if (difference.dissimilarity > threshold)
  {
    const QString diffPath = QString::fromLocal8Bit(argv[1]) + QStringLiteral(".diff.png");
    bmfl::testing::differenceImage(rendered, baseline).save(diffPath);
    std::fprintf(stderr, "difference image: %s\n", qPrintable(diffPath));
    return 1;
  }
  return 0;
}
