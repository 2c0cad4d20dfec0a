#include "bmfl/widgets/QtImage.h"

#include "bmfl/ImageTransform.h"

#include <stdexcept>
#include <string>

namespace bmfl
{

QImage toQImage(const Image& image)
{
  if (image.channels != 1 && image.channels != 3)
  {
    throw std::invalid_argument("an image of " + std::to_string(image.channels) +
                                " channels cannot be shown (1 or 3 are)");
  }
  const QImage view(image.pixels.data(),
                    image.width,
                    image.height,
                    image.width * image.channels,
                    image.channels == 1 ? QImage::Format_Grayscale8 : QImage::Format_RGB888);
  return view.copy(); // own the pixels: the Image may go away with the thread that made it
}

} // namespace bmfl
