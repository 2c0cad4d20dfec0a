#include "bmfl/Corruptions.h"

#include <stdexcept>

namespace bmfl
{

namespace
{

/// Applies, to item i of a base dataset, the corruption and severity a chooser assigns to it.
class CorruptedDataset final : public ImageDataset
{
public:
  struct Choice
  {
    std::string corruption; ///< a corruption name or "sketch"
    int severity = 0;       ///< 1..5; 0 for sketch
  };

  CorruptedDataset(std::shared_ptr<const ImageDataset> base,
                   std::string name,
                   OodSetDefinition definition,
                   std::uint64_t seed)
    : Base(std::move(base))
    , Name(std::move(name))
    , Definition(std::move(definition))
    , Seed(seed)
  {
  }

  std::string name() const override { return Name; }
  std::size_t size() const override { return Base->size(); }
  const std::vector<std::string>& classNames() const override { return Base->classNames(); }
  std::vector<int> outputIndices() const override { return Base->outputIndices(); }
  std::string itemId(std::size_t index) const override { return Base->itemId(index); }
  int label(std::size_t index) const override { return Base->label(index); }
  std::string subset(std::size_t index) const override
  {
    const Choice choice = choose(index);
    return choice.severity == 0 ? choice.corruption
                                : choice.corruption + "/" + std::to_string(choice.severity);
  }
  std::string classFolderName(int label) const override { return Base->classFolderName(label); }
  Image loadImage(std::size_t index) const override
  {
    const Choice choice = choose(index);
    const Image clean = Base->loadImage(index);
    if (choice.corruption == "sketch")
    {
      return renderSketch(clean);
    }
    return applyCorruption(clean,
                           choice.corruption,
                           choice.severity,
                           itemSeed(Seed, choice.corruption, choice.severity, index));
  }

private:
  Choice choose(std::size_t index) const
  {
    const std::size_t kinds = Definition.corruptions.size();
    const std::string& corruption = Definition.corruptions[index % kinds];
    if (Definition.severities.empty())
    {
      return { corruption, 0 };
    }
    return { corruption, Definition.severities[(index / kinds) % Definition.severities.size()] };
  }

  std::shared_ptr<const ImageDataset> Base;
  std::string Name;
  OodSetDefinition Definition;
  std::uint64_t Seed;
};

} // namespace

std::shared_ptr<const ImageDataset> corruptDataset(std::shared_ptr<const ImageDataset> base,
                                                   const std::string& corruption,
                                                   int severity,
                                                   std::uint64_t seed)
{
  OodSetDefinition single;
  single.key = corruption;
  single.folderName = corruption;
  single.corruptions = { corruption };
  if (corruption != "sketch")
  {
    if (!isCorruption(corruption))
    {
      throw std::invalid_argument("unknown corruption '" + corruption + "'");
    }
    if (severity < 1 || severity > 5)
    {
      throw std::invalid_argument("corruption severity " + std::to_string(severity) +
                                  " is outside 1..5");
    }
    single.severities = { severity };
  }
  std::string name = base->name() + "+" + corruption +
                     (corruption == "sketch" ? std::string() : "/" + std::to_string(severity));
  return std::make_shared<CorruptedDataset>(
    std::move(base), std::move(name), std::move(single), seed);
}

const std::vector<OodSetDefinition>& fashionMnistOodSets()
{
  // Severities 2..5 cycle within each corruption: severity 1 barely changes a 28-pixel image.
  static const std::vector<OodSetDefinition> sets = {
    { "noise",
      "fmnist-c-noise",
      { "gaussian_noise", "shot_noise", "impulse_noise", "speckle_noise" },
      { 2, 3, 4, 5 } },
    { "blur",
      "fmnist-c-blur",
      { "defocus_blur", "glass_blur", "motion_blur", "zoom_blur", "gaussian_blur" },
      { 2, 3, 4, 5 } },
    { "weather", "fmnist-c-weather", { "snow", "fog", "brightness" }, { 2, 3, 4, 5 } },
    { "digital",
      "fmnist-c-digital",
      { "contrast", "pixelate", "jpeg_compression" },
      { 2, 3, 4, 5 } },
    { "geometric", "fmnist-c-geometric", { "elastic_transform" }, { 2, 3, 4, 5 } },
    { "sketch", "fmnist-sketch", { "sketch" }, {} },
  };
  return sets;
}

std::shared_ptr<const ImageDataset> makeOodSet(std::shared_ptr<const ImageDataset> base,
                                               const std::string& key,
                                               std::uint64_t seed)
{
  for (const OodSetDefinition& definition : fashionMnistOodSets())
  {
    if (definition.key == key || definition.folderName == key)
    {
      std::string name = "fashion-mnist-ood:" + definition.key;
      return std::make_shared<CorruptedDataset>(std::move(base), std::move(name), definition, seed);
    }
  }
  std::string known;
  for (const OodSetDefinition& definition : fashionMnistOodSets())
  {
    known += (known.empty() ? "" : ", ") + definition.key;
  }
  throw std::invalid_argument("unknown OOD set '" + key + "' (" + known + ")");
}

} // namespace bmfl
