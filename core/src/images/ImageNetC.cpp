#include "bmfl/ImageNetC.h"

#include <algorithm>
#include <array>
#include <numeric>
#include <stdexcept>
#include <utility>

namespace bmfl
{

namespace
{

// AlexNet's errors averaged over severities (Hendrycks & Dietterich 2019; bmfl-spec.md
// section 4), in the order of imageNetCCorruptions().
constexpr std::array<double, 15> AlexNetErrors = {
  0.886428, 0.894468, 0.922640, 0.819880, 0.826268, 0.785948, 0.798360, 0.866816,
  0.826572, 0.819324, 0.564592, 0.853204, 0.646056, 0.717840, 0.606500
};

// 1 - 0.56522: torchvision's AlexNet (alexnet-owt-4df8aa71.pth, as ImageNet-C/test.py loads it).
constexpr double AlexNetCleanError = 0.43478;

} // namespace

const std::vector<std::string>& imageNetCCorruptions()
{
  static const std::vector<std::string> names = {
    "gaussian_noise",
    "shot_noise",
    "impulse_noise",
    "defocus_blur",
    "glass_blur",
    "motion_blur",
    "zoom_blur",
    "snow",
    "frost",
    "fog",
    "brightness",
    "contrast",
    "elastic_transform",
    "pixelate",
    "jpeg_compression",
  };
  return names;
}

const std::vector<std::string>& imageNetCExtraCorruptions()
{
  static const std::vector<std::string> names = {
    "speckle_noise",
    "gaussian_blur",
    "spatter",
    "saturate",
  };
  return names;
}

double alexNetCleanError()
{
  return AlexNetCleanError;
}

std::optional<double> alexNetImageNetCError(const std::string& corruption)
{
  const std::vector<std::string>& names = imageNetCCorruptions();
  const auto found = std::find(names.begin(), names.end(), corruption);
  if (found == names.end())
  {
    return std::nullopt;
  }
  return AlexNetErrors[static_cast<std::size_t>(found - names.begin())];
}

ImageNetCSummary summarizeImageNetC(const std::map<std::string, std::vector<double>>& errors,
                                    std::optional<double> cleanError)
{
  if (errors.empty())
  {
    throw std::invalid_argument("ImageNet-C summary: no corruptions given");
  }
  if (cleanError && !(*cleanError >= 0.0 && *cleanError <= 1.0))
  {
    throw std::invalid_argument("ImageNet-C summary: the clean error is outside [0, 1]");
  }
  // Published order first, then the extra four, then any others by name.
  std::vector<std::string> order;
  for (const std::vector<std::string>* names :
       { &imageNetCCorruptions(), &imageNetCExtraCorruptions() })
  {
    for (const std::string& name : *names)
    {
      if (errors.count(name) > 0)
      {
        order.push_back(name);
      }
    }
  }
  for (const auto& entry : errors)
  {
    if (std::find(order.begin(), order.end(), entry.first) == order.end())
    {
      order.push_back(entry.first);
    }
  }

  ImageNetCSummary summary;
  summary.complete = true;
  double errorSum = 0.0;
  double ceSum = 0.0;
  double relativeSum = 0.0;
  int ceCount = 0;
  for (const std::string& name : order)
  {
    const std::vector<double>& rates = errors.at(name);
    if (rates.empty() || rates.size() > 5)
    {
      throw std::invalid_argument("ImageNet-C summary: " + name + " needs 1 to 5 severities, has " +
                                  std::to_string(rates.size()));
    }
    for (double rate : rates)
    {
      if (!(rate >= 0.0 && rate <= 1.0))
      {
        throw std::invalid_argument("ImageNet-C summary: " + name +
                                    " has an error rate outside [0, 1]");
      }
    }
    CorruptionScore score;
    score.corruption = name;
    score.meanError =
      std::accumulate(rates.begin(), rates.end(), 0.0) / static_cast<double>(rates.size());
    if (const std::optional<double> alexNet = alexNetImageNetCError(name))
    {
      // sum_s E / sum_s E_AlexNet = mean_s E / mean_s E_AlexNet: the constant is the mean.
      score.corruptionError = score.meanError / *alexNet;
      ceSum += *score.corruptionError;
      ++ceCount;
      if (cleanError)
      {
        // sum_s (E - E_clean) / sum_s (E_AlexNet - E_clean,AlexNet): both sums over the same
        // severities, so the mean differences.
        score.relativeCorruptionError =
          (score.meanError - *cleanError) / (*alexNet - AlexNetCleanError);
        relativeSum += *score.relativeCorruptionError;
      }
    }
    errorSum += score.meanError;
    summary.complete = summary.complete && rates.size() == 5;
    summary.corruptions.push_back(std::move(score));
  }
  summary.complete = summary.complete && ceCount == static_cast<int>(imageNetCCorruptions().size());
  summary.meanError = errorSum / static_cast<double>(order.size());
  if (ceCount > 0)
  {
    summary.meanCorruptionError = ceSum / ceCount;
    if (cleanError)
    {
      summary.relativeMeanCorruptionError = relativeSum / ceCount;
    }
  }
  return summary;
}

} // namespace bmfl
