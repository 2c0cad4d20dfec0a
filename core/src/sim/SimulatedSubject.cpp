#include "bmfl/SimulatedSubject.h"

#include "bmfl/FileError.h"
#include "bmfl/Surface.h"

#include <algorithm>
#include <cmath>
#include <complex>
#include <filesystem>
#include <stdexcept>

namespace bmfl
{

namespace
{

constexpr double kPi = 3.14159265358979323846;

// The Algonauts 2023 "streams" labels (bmfl-spec.md 3.3), so a simulated subject and a real one
// share the brain encoder's default query layout.
const std::vector<std::string> kStreamNames = { "unknown",    "early",       "midventral",
                                                "midlateral", "midparietal", "ventral",
                                                "lateral",    "parietal" };

// Benson area label -> stream label: V1-V3 early; hV4 midventral; VO1-2 ventral; LO1-2
// midlateral; TO1-2 lateral; V3b/V3a midparietal. (The template has no parietal areas.)
constexpr std::array<std::int32_t, 13> kStreamOfArea = { 0, 1, 1, 1, 2, 5, 5, 3, 3, 6, 6, 4, 4 };

std::vector<float> firstValues(const std::string& path, std::size_t count)
{
  const VertexMap map = readVertexMap(path);
  if (map.vertexCount < count)
  {
    throw FileError(path,
                    "has " + std::to_string(map.vertexCount) + " vertices, fewer than the " +
                      std::to_string(count) + " asked for");
  }
  return std::vector<float>(map.values.begin(),
                            map.values.begin() + static_cast<std::ptrdiff_t>(count));
}

RetinotopyTemplate::Hemisphere loadHemisphere(const std::filesystem::path& folder,
                                              const std::string& prefix,
                                              std::size_t count)
{
  auto file = [&](const char* map)
  { return (folder / (prefix + ".benson14_" + map + ".v4_0.mgz")).string(); };
  RetinotopyTemplate::Hemisphere hemisphere;
  const std::string areaPath = file("varea");
  const std::vector<float> area = firstValues(areaPath, count);
  hemisphere.area.reserve(count);
  for (float value : area)
  {
    if (!std::isfinite(value) || value < 0.0F || value > 12.0F || value != std::floor(value))
    {
      throw FileError(areaPath, "holds a value that is not a Benson area label 0..12");
    }
    hemisphere.area.push_back(static_cast<std::int32_t>(value));
  }
  hemisphere.angle = firstValues(file("angle"), count);
  hemisphere.eccentricity = firstValues(file("eccen"), count);
  hemisphere.sigma = firstValues(file("sigma"), count);
  return hemisphere;
}

// splitmix64: a tiny, well-mixed hash, so noise depends only on (seed, stimulus, trial, vertex)
// and is identical on every platform (std::normal_distribution is not specified bit for bit).
std::uint64_t mix(std::uint64_t x)
{
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

double uniformOpen(std::uint64_t& state)
{
  state = mix(state);
  return (static_cast<double>(state >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

// Bilinear resampling of an image spanning the field of view onto a square grid.
std::vector<float> resampleToGrid(const float* image, int width, int height, int grid)
{
  std::vector<float> out(static_cast<std::size_t>(grid) * static_cast<std::size_t>(grid));
  for (int row = 0; row < grid; ++row)
  {
    const double sourceY = std::clamp((row + 0.5) * height / grid - 0.5, 0.0, height - 1.0);
    const int y0 = static_cast<int>(sourceY);
    const int y1 = std::min(y0 + 1, height - 1);
    const double fy = sourceY - y0;
    for (int column = 0; column < grid; ++column)
    {
      const double sourceX = std::clamp((column + 0.5) * width / grid - 0.5, 0.0, width - 1.0);
      const int x0 = static_cast<int>(sourceX);
      const int x1 = std::min(x0 + 1, width - 1);
      const double fx = sourceX - x0;
      auto at = [&](int y, int x)
      { return static_cast<double>(image[static_cast<std::size_t>(y) * width + x]); };
      const double value = (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x1)) +
                           fy * ((1 - fx) * at(y1, x0) + fx * at(y1, x1));
      out[static_cast<std::size_t>(row) * grid + column] = static_cast<float>(value);
    }
  }
  return out;
}

} // namespace

const std::array<const char*, 13>& bensonAreaNames()
{
  static const std::array<const char*, 13> names = { "none", "V1",  "V2",  "V3",  "hV4",
                                                     "VO1",  "VO2", "LO1", "LO2", "TO1",
                                                     "TO2",  "V3b", "V3a" };
  return names;
}

std::array<AreaResponseParameters, 13> SimulationConfig::defaultAreaParameters()
{
  // Second-order contrast c rising and the compressive exponent n falling along the hierarchy,
  // the trends Kay et al. (2013) report, but milder than their fits: with c near 1 a uniform
  // texture drives mainly its own borders, and these stimuli (texture on mean grey) would then
  // map the stimulus edges rather than its extent. docs/SIMULATED_SUBJECT.md gives the numbers.
  std::array<AreaResponseParameters, 13> areas;
  areas.fill({ 0.7, 0.25 }); // VO, LO, TO, V3a/b
  areas[1] = { 0.5, 0.5 };   // V1
  areas[2] = { 0.6, 0.4 };   // V2
  areas[3] = { 0.6, 0.35 };  // V3
  areas[4] = { 0.7, 0.3 };   // hV4
  return areas;
}

RetinotopyTemplate loadBensonRetinotopy(const std::string& folder,
                                        const std::string& templateName,
                                        std::size_t vertexCount)
{
  const std::filesystem::path root(folder);
  RetinotopyTemplate retinotopy;
  retinotopy.templateName = templateName;
  retinotopy.left = loadHemisphere(root, "lh", vertexCount);
  retinotopy.right = loadHemisphere(root, "rh", vertexCount);
  return retinotopy;
}

SimulatedSubject::SimulatedSubject(const RetinotopyTemplate& retinotopy,
                                   const SimulationConfig& config)
  : Config(config)
{
  if (config.filterGrid < 8 || config.filterGrid % 2 != 0 || config.orientations < 1 ||
      config.fieldOfViewDeg <= 0 || config.cyclesPerDegree <= 0 || config.noiseStd < 0)
  {
    throw std::invalid_argument("simulation config: filterGrid must be even and >= 8, "
                                "orientations >= 1, field of view, frequency > 0, noise >= 0");
  }
  Space.name = config.subjectName;
  Space.templateName = retinotopy.templateName;
  VertexLabels areas{ "visual-areas", {}, {}, {} };
  for (const char* name : bensonAreaNames())
  {
    areas.names.emplace_back(name);
  }
  VertexLabels streams{ "streams", kStreamNames, {}, {} };

  for (const bool left : { true, false })
  {
    const RetinotopyTemplate::Hemisphere& hemisphere = left ? retinotopy.left : retinotopy.right;
    for (std::size_t v = 0; v < hemisphere.area.size(); ++v)
    {
      const int area = hemisphere.area[v];
      const float eccentricity = hemisphere.eccentricity[v];
      const float angle = hemisphere.angle[v];
      const float sigma = hemisphere.sigma[v];
      if (area < 1 || area > 12 || !std::isfinite(eccentricity) || !std::isfinite(angle) ||
          !std::isfinite(sigma) || eccentricity > config.maxEccentricityDeg)
      {
        continue;
      }
      // Each hemisphere sees the opposite visual hemifield; angle 0 is the upper vertical
      // meridian, 180 the lower.
      const double theta = angle * kPi / 180.0;
      VertexPrf prf;
      prf.area = area;
      prf.leftHemisphere = left;
      prf.xDeg = static_cast<float>((left ? 1.0 : -1.0) * eccentricity * std::sin(theta));
      prf.yDeg = static_cast<float>(eccentricity * std::cos(theta));
      prf.sigmaDeg = std::clamp(sigma,
                                static_cast<float>(config.minimumSigmaDeg),
                                static_cast<float>(config.fieldOfViewDeg));
      prf.eccentricityDeg = eccentricity;
      prf.angleDeg = angle;
      Prfs.push_back(prf);
      (left ? Space.left : Space.right).push_back(static_cast<std::int32_t>(v));
      (left ? areas.left : areas.right).push_back(area);
      (left ? streams.left : streams.right)
        .push_back(kStreamOfArea[static_cast<std::size_t>(area)]);
    }
  }
  if (Prfs.empty())
  {
    throw std::invalid_argument("simulation: no visual-area vertex within the eccentricity limit");
  }
  Space.labelSets = { std::move(areas), std::move(streams) };

  // pRF pooling weights over the contrast-energy grid (half the filter grid): Gaussian weights
  // normalised to the pRF's full volume, so a pRF partly outside the image pools less.
  EnergyGrid = config.filterGrid / 2;
  const double pixelDeg = config.fieldOfViewDeg / EnergyGrid;
  const double halfField = config.fieldOfViewDeg / 2.0;
  Pooling.resize(Prfs.size());
  for (std::size_t v = 0; v < Prfs.size(); ++v)
  {
    const VertexPrf& prf = Prfs[v];
    const double sigma = prf.sigmaDeg;
    const double volume = 2.0 * kPi * sigma * sigma / (pixelDeg * pixelDeg);
    for (int row = 0; row < EnergyGrid; ++row)
    {
      const double y = halfField - (row + 0.5) * pixelDeg;
      for (int column = 0; column < EnergyGrid; ++column)
      {
        const double x = (column + 0.5) * pixelDeg - halfField;
        const double squaredDistance =
          (x - prf.xDeg) * (x - prf.xDeg) + (y - prf.yDeg) * (y - prf.yDeg);
        if (squaredDistance > 9.0 * sigma * sigma)
        {
          continue;
        }
        Pooling[v].pixels.push_back(row * EnergyGrid + column);
        Pooling[v].weights.push_back(
          static_cast<float>(std::exp(-squaredDistance / (2.0 * sigma * sigma)) / volume));
      }
    }
  }
}

std::vector<float> SimulatedSubject::contrastEnergy(const float* image, int width, int height) const
{
  const int grid = Config.filterGrid;
  std::vector<float> contrast = resampleToGrid(image, width, height, grid);
  for (float& value : contrast)
  {
    value -= 0.5F; // contrast around mean grey; zero padding outside the image is mean grey too
  }

  // Complex Gabor filters are separable into a row and a column filter, so each orientation
  // costs two 1-D passes instead of one 2-D convolution. Real and imaginary parts of the
  // response are the even and odd quadrature pair.
  const double pixelsPerDegree = grid / Config.fieldOfViewDeg;
  const double frequency = Config.cyclesPerDegree / pixelsPerDegree; // cycles per pixel
  const double octaveFactor =
    (std::pow(2.0, Config.bandwidthOctaves) + 1.0) / (std::pow(2.0, Config.bandwidthOctaves) - 1.0);
  const double sigma = std::sqrt(std::log(2.0) / 2.0) / (kPi * frequency) * octaveFactor;
  const int radius = static_cast<int>(std::ceil(3.0 * sigma));
  double envelopeSum = 0.0;
  for (int i = -radius; i <= radius; ++i)
  {
    envelopeSum += std::exp(-i * i / (2.0 * sigma * sigma));
  }
  // Normalised so a cosine grating of amplitude A at the peak frequency gives |response| = A.
  const double gain = std::sqrt(2.0) / envelopeSum;

  const std::size_t pixels = static_cast<std::size_t>(grid) * static_cast<std::size_t>(grid);
  const int orientations = Config.orientations;
  std::vector<float> energyPerOrientation(pixels * static_cast<std::size_t>(orientations));
  std::vector<std::complex<float>> rowKernel(static_cast<std::size_t>(2 * radius + 1));
  std::vector<std::complex<float>> columnKernel(rowKernel.size());
  std::vector<std::complex<float>> rowPass(pixels);
  for (int k = 0; k < orientations; ++k)
  {
    const double theta = kPi * k / orientations;
    const double kx = 2.0 * kPi * frequency * std::cos(theta);
    const double ky = 2.0 * kPi * frequency * std::sin(theta);
    for (int i = -radius; i <= radius; ++i)
    {
      const double envelope = gain * std::exp(-i * i / (2.0 * sigma * sigma));
      rowKernel[static_cast<std::size_t>(i + radius)] =
        std::polar(static_cast<float>(envelope), static_cast<float>(kx * i));
      columnKernel[static_cast<std::size_t>(i + radius)] =
        std::polar(static_cast<float>(envelope), static_cast<float>(ky * i));
    }
    for (int row = 0; row < grid; ++row)
    {
      for (int column = 0; column < grid; ++column)
      {
        std::complex<float> sum = 0;
        for (int i = std::max(-radius, -column); i <= std::min(radius, grid - 1 - column); ++i)
        {
          sum += contrast[static_cast<std::size_t>(row * grid + column + i)] *
                 rowKernel[static_cast<std::size_t>(i + radius)];
        }
        rowPass[static_cast<std::size_t>(row * grid + column)] = sum;
      }
    }
    float* energy = energyPerOrientation.data() + static_cast<std::size_t>(k) * pixels;
    for (int row = 0; row < grid; ++row)
    {
      for (int column = 0; column < grid; ++column)
      {
        std::complex<float> sum = 0;
        for (int i = std::max(-radius, -row); i <= std::min(radius, grid - 1 - row); ++i)
        {
          sum += rowPass[static_cast<std::size_t>((row + i) * grid + column)] *
                 columnKernel[static_cast<std::size_t>(i + radius)];
        }
        energy[row * grid + column] = std::abs(sum);
      }
    }
  }

  // Divisive normalisation across orientations, then the sum over orientations, then 2x2
  // average pooling onto the energy grid used for pRF summation.
  std::vector<float> energy(static_cast<std::size_t>(EnergyGrid) * EnergyGrid, 0.0F);
  const float s = static_cast<float>(Config.normalisationConstant);
  for (std::size_t p = 0; p < pixels; ++p)
  {
    float mean = 0.0F;
    for (int k = 0; k < orientations; ++k)
    {
      mean += energyPerOrientation[static_cast<std::size_t>(k) * pixels + p];
    }
    mean /= static_cast<float>(orientations);
    float total = 0.0F;
    for (int k = 0; k < orientations; ++k)
    {
      total += energyPerOrientation[static_cast<std::size_t>(k) * pixels + p] / (s + mean);
    }
    const std::size_t row = p / static_cast<std::size_t>(grid);
    const std::size_t column = p % static_cast<std::size_t>(grid);
    energy[(row / 2) * static_cast<std::size_t>(EnergyGrid) + column / 2] += 0.25F * total;
  }
  return energy;
}

std::vector<float> SimulatedSubject::noiselessResponse(const float* image,
                                                       int width,
                                                       int height) const
{
  if (image == nullptr || width < 1 || height < 1)
  {
    throw std::invalid_argument("simulation: empty image");
  }
  const std::vector<float> energy = contrastEnergy(image, width, height);
  std::vector<float> response(Prfs.size());
  for (std::size_t v = 0; v < Prfs.size(); ++v)
  {
    const PoolingWeights& pool = Pooling[v];
    double weightSum = 0.0;
    double weighted = 0.0;
    for (std::size_t i = 0; i < pool.pixels.size(); ++i)
    {
      weightSum += pool.weights[i];
      weighted += pool.weights[i] * energy[static_cast<std::size_t>(pool.pixels[i])];
    }
    if (weightSum <= 0.0)
    {
      response[v] = 0.0F;
      continue;
    }
    const AreaResponseParameters& area = Config.areas[static_cast<std::size_t>(Prfs[v].area)];
    const double meanEnergy = weighted / weightSum;
    double secondOrder = 0.0;
    for (std::size_t i = 0; i < pool.pixels.size(); ++i)
    {
      const double deviation =
        energy[static_cast<std::size_t>(pool.pixels[i])] - area.c * meanEnergy;
      secondOrder += pool.weights[i] * deviation * deviation;
    }
    response[v] = static_cast<float>(std::pow(secondOrder, area.exponent));
  }
  return response;
}

void SimulatedSubject::calibrate(const std::vector<std::vector<float>>& noiselessResponses)
{
  if (noiselessResponses.size() < 2)
  {
    throw std::invalid_argument("simulation: calibration needs at least two responses");
  }
  std::vector<double> sum(Prfs.size(), 0.0);
  std::vector<double> sumOfSquares(Prfs.size(), 0.0);
  for (const std::vector<float>& response : noiselessResponses)
  {
    if (response.size() != Prfs.size())
    {
      throw std::invalid_argument("simulation: calibration response of the wrong length");
    }
    for (std::size_t v = 0; v < Prfs.size(); ++v)
    {
      sum[v] += response[v];
      sumOfSquares[v] += static_cast<double>(response[v]) * response[v];
    }
  }
  const double count = static_cast<double>(noiselessResponses.size());
  std::vector<float> mean(Prfs.size());
  std::vector<float> std(Prfs.size());
  for (std::size_t v = 0; v < Prfs.size(); ++v)
  {
    const double m = sum[v] / count;
    const double variance = std::max(0.0, sumOfSquares[v] / count - m * m);
    mean[v] = static_cast<float>(m);
    // A vertex no calibration image drives has no signal: it then reports noise alone.
    std[v] = variance > 1e-20 ? static_cast<float>(std::sqrt(variance)) : 1.0F;
  }
  setCalibration(std::move(mean), std::move(std));
}

void SimulatedSubject::setCalibration(std::vector<float> mean, std::vector<float> std)
{
  if (mean.size() != Prfs.size() || std.size() != Prfs.size())
  {
    throw std::invalid_argument("simulation: calibration of the wrong length");
  }
  SignalMean = std::move(mean);
  SignalStd = std::move(std);
}

std::vector<float> SimulatedSubject::measuredResponse(const std::vector<float>& noiseless,
                                                      std::uint64_t stimulusId,
                                                      int trial) const
{
  if (!calibrated())
  {
    throw std::logic_error("simulation: measuredResponse before calibrate");
  }
  if (noiseless.size() != Prfs.size())
  {
    throw std::invalid_argument("simulation: response of the wrong length");
  }
  std::uint64_t state =
    mix(Config.seed ^ mix(stimulusId * 0x100000001b3ULL + static_cast<std::uint64_t>(trial)));
  std::vector<float> measured(noiseless.size());
  for (std::size_t v = 0; v < noiseless.size(); v += 2)
  {
    // Box-Muller: two independent standard normals per pair of uniforms.
    const double radius = std::sqrt(-2.0 * std::log(uniformOpen(state)));
    const double angle = 2.0 * kPi * uniformOpen(state);
    const double noise[2] = { radius * std::cos(angle), radius * std::sin(angle) };
    for (std::size_t j = 0; j < 2 && v + j < noiseless.size(); ++j)
    {
      const std::size_t vertex = v + j;
      measured[vertex] = static_cast<float>(
        (noiseless[vertex] - SignalMean[vertex]) / SignalStd[vertex] + Config.noiseStd * noise[j]);
    }
  }
  return measured;
}

double SimulatedSubject::noiseCeilingR(int trials) const
{
  const double perTrialVariance = Config.noiseStd * Config.noiseStd;
  return 1.0 / std::sqrt(1.0 + perTrialVariance / std::max(1, trials));
}

} // namespace bmfl
