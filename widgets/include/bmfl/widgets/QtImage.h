#pragma once

#include <QImage>

namespace bmfl
{

struct Image;

/// A decoded image (grey or RGB bytes) as a QImage that owns a copy of its pixels. Throws
/// std::invalid_argument for another channel count.
QImage toQImage(const Image& image);

} // namespace bmfl
