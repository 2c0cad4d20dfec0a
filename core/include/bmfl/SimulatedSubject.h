#pragma once

#include "bmfl/VertexSpace.h"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace bmfl
{

/// Benson et al. 2014 (v4) retinotopy template values per vertex of one template mesh.
struct RetinotopyTemplate
{
  struct Hemisphere
  {
    std::vector<std::int32_t> area; ///< 0 none, 1 V1, 2 V2, 3 V3, 4 hV4, 5 VO1, 6 VO2, 7 LO1,
                                    ///< 8 LO2, 9 TO1, 10 TO2, 11 V3b, 12 V3a
    std::vector<float> angle; ///< polar angle, degrees: 0 upper vertical meridian .. 180 lower
    std::vector<float> eccentricity; ///< degrees of visual angle
    std::vector<float> sigma;        ///< pRF size, degrees
  };
  std::string templateName;
  Hemisphere left;
  Hemisphere right;
};

/// Names of the Benson template's visual areas, index = area label.
const std::array<const char*, 13>& bensonAreaNames();

/// Reads {lh,rh}.benson14_{varea,angle,eccen,sigma}.v4_0.mgz (full fsaverage) from a folder and
/// keeps the first vertexCount values per hemisphere (fsaverage meshes are nested: 10242 gives
/// fsaverage5). Throws FileError naming the file on any problem.
RetinotopyTemplate loadBensonRetinotopy(const std::string& folder,
                                        const std::string& templateName,
                                        std::size_t vertexCount);

/// The second-order-contrast parameters of one visual area (Kay et al. 2013): response =
/// (sum_pRF w (E - c * mean_pRF(E))^2)^n, with E the contrast energy.
struct AreaResponseParameters
{
  double c = 0.95;
  double exponent = 0.12;
};

/// The image-computable model of the simulated subject, every parameter stated (see
/// docs/SIMULATED_SUBJECT.md).
struct SimulationConfig
{
  std::string subjectName = "sim01";
  double fieldOfViewDeg = 12.0;    ///< the image spans this square, centred on fixation
  double maxEccentricityDeg = 6.0; ///< vertices whose pRF centre lies further out are not simulated
  int filterGrid = 48;             ///< the image is resampled to filterGrid^2 pixels for filtering
  int orientations = 8;
  double cyclesPerDegree = 0.8; ///< the Gabor filters' peak spatial frequency
  double bandwidthOctaves = 1.0;
  double normalisationConstant = 0.5; ///< s in E / (s + mean over orientations of E)
  double minimumSigmaDeg = 0.25;
  double noiseStd = 0.6; ///< single-trial measurement noise, in units of each vertex's signal SD
  std::uint64_t seed = 1;
  std::array<AreaResponseParameters, 13> areas = defaultAreaParameters();

  static std::array<AreaResponseParameters, 13> defaultAreaParameters();
};

/// A simulated fMRI subject on a template surface: each vertex of the template's visual areas
/// within maxEccentricityDeg gets a population receptive field from the template and responds to
/// an image by the second-order-contrast model, plus Gaussian measurement noise of known size.
class SimulatedSubject
{
public:
  struct VertexPrf
  {
    int area = 0;
    bool leftHemisphere = true;
    float xDeg = 0; ///< visual field position, + right
    float yDeg = 0; ///< + up
    float sigmaDeg = 1;
    float eccentricityDeg = 0;
    float angleDeg = 0;
  };

  SimulatedSubject(const RetinotopyTemplate& retinotopy, const SimulationConfig& config);

  const SimulationConfig& config() const { return Config; }
  /// "sim01" on the template, with label sets "visual-areas" (Benson) and "streams" (the
  /// Algonauts stream names, areas grouped: early V1-V3, midventral hV4, ventral VO1-2,
  /// midlateral LO1-2, lateral TO1-2, midparietal V3a/b).
  const VertexSpace& vertexSpace() const { return Space; }
  const std::vector<VertexPrf>& prfs() const { return Prfs; }
  std::size_t vertexCount() const { return Prfs.size(); }

  /// Noise-free model response to a grayscale image (row-major, values in [0, 1]) spanning the
  /// field of view. Arbitrary units; thread-safe.
  std::vector<float> noiselessResponse(const float* image, int width, int height) const;

  /// Fixes each vertex's response mean and SD from noise-free responses to a calibration set;
  /// measured responses are standardised with them (Algonauts' betas are z-scored too).
  void calibrate(const std::vector<std::vector<float>>& noiselessResponses);
  bool calibrated() const { return !SignalMean.empty(); }
  const std::vector<float>& signalMean() const { return SignalMean; }
  const std::vector<float>& signalStd() const { return SignalStd; }
  void setCalibration(std::vector<float> mean, std::vector<float> std);

  /// Standardised response plus N(0, noiseStd^2) noise, deterministic in (seed, stimulus, trial).
  std::vector<float> measuredResponse(const std::vector<float>& noiseless,
                                      std::uint64_t stimulusId,
                                      int trial) const;

  /// The highest Pearson r any model can reach against the average of `trials` measurements:
  /// 1 / sqrt(1 + noiseStd^2 / trials).
  double noiseCeilingR(int trials) const;

private:
  struct PoolingWeights
  {
    std::vector<std::int32_t> pixels;
    std::vector<float> weights;
  };
  std::vector<float> contrastEnergy(const float* image, int width, int height) const;

  SimulationConfig Config;
  VertexSpace Space;
  std::vector<VertexPrf> Prfs;
  int EnergyGrid = 0;
  std::vector<PoolingWeights> Pooling;
  std::vector<float> SignalMean;
  std::vector<float> SignalStd;
};

} // namespace bmfl
