#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace bmfl
{

/// AlexNet's ImageNet-C top-1 error averaged over severities 1..5 (bmfl-spec.md section 4), the
/// normaliser of the corruption error; empty for corruptions outside ImageNet-C's 15.
std::optional<double> alexNetImageNetCError(const std::string& corruption);

/// AlexNet's clean ImageNet-val top-1 error (torchvision's weights, the ones Hendrycks &
/// Dietterich evaluate: 56.522% top-1), the normaliser of the relative corruption error.
double alexNetCleanError();

/// ImageNet-C's 15 corruptions in their published order.
const std::vector<std::string>& imageNetCCorruptions();

/// The four held-out corruptions released with ImageNet-C for validation (speckle_noise,
/// gaussian_blur, spatter, saturate): reported per severity, never part of the mCE.
const std::vector<std::string>& imageNetCExtraCorruptions();

struct CorruptionScore
{
  std::string corruption;
  double meanError = 0.0;                ///< mean over the severities given
  std::optional<double> corruptionError; ///< CE_c = sum_s E_s,c / sum_s E_s,c(AlexNet)
  /// Relative CE_c = sum_s (E_s,c - E_clean) / sum_s (E_s,c(AlexNet) - E_clean(AlexNet)), where
  /// the model's clean error was given.
  std::optional<double> relativeCorruptionError;
};

struct ImageNetCSummary
{
  std::vector<CorruptionScore> corruptions; ///< in the order of imageNetCCorruptions(), then others
  double meanError = 0.0;                   ///< mean of meanError over all corruptions given
  std::optional<double> meanCorruptionError; ///< mCE: mean CE_c over those with an AlexNet value
  std::optional<double> relativeMeanCorruptionError; ///< relative mCE, the same over relative CE_c
  bool complete = false;                             ///< all 15 with all five severities
};

/// Summarises top-1 error rates (0..1) per corruption and severity (index 0 = severity 1), and,
/// given the model's clean ImageNet-val error, the relative CEs. AlexNet's constants are averages
/// over severities 1..5, so CE_c is formed from the mean of all five; with fewer severities it is
/// the mean over those given divided by the constant. Throws std::invalid_argument for an empty
/// list or a rate outside [0, 1].
ImageNetCSummary summarizeImageNetC(const std::map<std::string, std::vector<double>>& errors,
                                    std::optional<double> cleanError = std::nullopt);

} // namespace bmfl
