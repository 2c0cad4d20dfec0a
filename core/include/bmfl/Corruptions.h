#pragma once

#include "bmfl/ImageDataset.h"
#include "bmfl/ImageTransform.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace bmfl
{

// Image corruptions after the published ImageNet-C definitions (Hendrycks & Dietterich 2019),
// written here, each at severities 1..5, deterministic from a seed; plus a "sketch" domain.

/// Every corruption implemented, in ImageNet-C's order followed by its validation extras.
const std::vector<std::string>& corruptionNames();

/// The suite's standard 15 (docs/DATASETS.md says why): ImageNet-C's 15 with frost, which needs
/// photographs of frost, replaced by speckle_noise.
const std::vector<std::string>& standardCorruptions();

/// Whether name is one of corruptionNames().
bool isCorruption(const std::string& name);

/// The corrupted image (same size and channel count). Spatial parameters are ImageNet-C's for a
/// 224-pixel image, scaled to the image's short side. Same image, name, severity and seed give
/// identical bytes. Throws std::invalid_argument for an unknown name or a severity outside 1..5.
Image applyCorruption(const Image& image,
                      const std::string& name,
                      int severity,
                      std::uint64_t seed);

/// A pencil-sketch rendering: grey, smoothed, Sobel edge strength, inverted so that edges are dark
/// lines on white. Same channel count as the input. Needs no seed: it is deterministic.
Image renderSketch(const Image& image);

/// The seed of one item's corruption, mixed from the run's seed and the item's identity, so that
/// an item gets the same corruption whatever order or subset it is made in.
std::uint64_t itemSeed(std::uint64_t seed,
                       const std::string& corruption,
                       int severity,
                       std::size_t index);

/// One corruption applied on the fly to another dataset's decoded images (before any transform).
/// corruption may be "sketch" (severity is then ignored). Item i is corrupted with
/// itemSeed(seed, corruption, severity, i).
std::shared_ptr<const ImageDataset> corruptDataset(std::shared_ptr<const ImageDataset> base,
                                                   const std::string& corruption,
                                                   int severity,
                                                   std::uint64_t seed);

/// One of the demo's six OOD sets made from the Fashion-MNIST test split. Item i gets
/// corruptions[i % n] at severities[(i / n) % m] (the sketch set: the sketch rendering).
struct OodSetDefinition
{
  std::string key;        ///< "noise", ... (spec: fashion-mnist-ood:noise)
  std::string folderName; ///< "fmnist-c-noise"
  std::vector<std::string> corruptions;
  std::vector<int> severities;
};

/// noise, blur, weather, digital, geometric, sketch.
const std::vector<OodSetDefinition>& fashionMnistOodSets();

/// The seed the OOD sets are made with.
constexpr std::uint64_t FashionMnistOodSeed = 20240601;

/// An OOD set over a base dataset (normally fashion-mnist:test), made on the fly and
/// deterministically. Throws std::invalid_argument for an unknown key.
std::shared_ptr<const ImageDataset> makeOodSet(std::shared_ptr<const ImageDataset> base,
                                               const std::string& key,
                                               std::uint64_t seed = FashionMnistOodSeed);

} // namespace bmfl
