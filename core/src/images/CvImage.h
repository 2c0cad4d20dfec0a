#pragma once

#include "bmfl/ImageTransform.h"

#include <opencv2/core.hpp>

namespace bmfl::images
{

/// A cv::Mat sharing the image's pixels (CV_8UC1 or CV_8UC3, RGB order kept).
inline cv::Mat asMat(Image& image)
{
  return cv::Mat(image.height, image.width, CV_8UC(image.channels), image.pixels.data());
}

inline cv::Mat asMat(const Image& image)
{
  // cv::Mat has no const view; callers only read through it.
  return cv::Mat(image.height,
                 image.width,
                 CV_8UC(image.channels),
                 const_cast<std::uint8_t*>(image.pixels.data()));
}

/// Copies a continuous or strided 8-bit Mat into an Image.
inline Image toImage(const cv::Mat& mat)
{
  Image image;
  image.width = mat.cols;
  image.height = mat.rows;
  image.channels = mat.channels();
  image.pixels.resize(image.byteCount());
  cv::Mat target = asMat(image);
  mat.copyTo(target);
  return image;
}

} // namespace bmfl::images
