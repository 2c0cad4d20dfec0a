// The simulated subject against what retinotopic mapping shows in real brains: contralateral,
// upside-down, and eccentricity running anteriorly along the calcarine.
#include "TestEnvironment.h"
#include "bmfl/Fsaverage.h"
#include "bmfl/SimulatedSubject.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <functional>
#include <numeric>

namespace
{

constexpr double kPi = 3.14159265358979323846;
constexpr int kImageSize = 96;

std::string bensonFolder()
{
  for (const std::string& candidate :
       { std::string(BMFL_SOURCE_RESOURCE_DIR) + "/atlases/neuropythy/fsaverage/surf",
         std::string(BMFL_SHARED_DATA_DIR) + "/atlases/neuropythy/fsaverage/surf" })
  {
    if (std::filesystem::exists(candidate + "/lh.benson14_varea.v4_0.mgz"))
    {
      return candidate;
    }
  }
  return {};
}

// A plaid at the model's peak spatial frequency inside a mask (visual-field degrees, + up),
// mean grey outside: the kind of contrast pattern used for retinotopic mapping.
std::vector<float> texturedStimulus(const bmfl::SimulationConfig& config,
                                    const std::function<bool(double x, double y)>& inside)
{
  std::vector<float> image(static_cast<std::size_t>(kImageSize * kImageSize), 0.5F);
  const double degPerPixel = config.fieldOfViewDeg / kImageSize;
  for (int row = 0; row < kImageSize; ++row)
  {
    for (int column = 0; column < kImageSize; ++column)
    {
      const double x = (column + 0.5) * degPerPixel - config.fieldOfViewDeg / 2;
      const double y = config.fieldOfViewDeg / 2 - (row + 0.5) * degPerPixel;
      if (inside(x, y))
      {
        const double phase = 2 * kPi * config.cyclesPerDegree;
        image[static_cast<std::size_t>(row * kImageSize + column)] =
          static_cast<float>(0.5 + 0.22 * std::cos(phase * x) + 0.22 * std::cos(phase * y));
      }
    }
  }
  return image;
}

class SimulatedSubjectTest : public ::testing::Test
{
protected:
  static void SetUpTestSuite()
  {
    const std::string folder = bensonFolder();
    if (folder.empty())
    {
      return;
    }
    Subject = std::make_unique<bmfl::SimulatedSubject>(
      bmfl::loadBensonRetinotopy(folder, "fsaverage5", 10242), bmfl::SimulationConfig{});
  }
  static void TearDownTestSuite() { Subject.reset(); }
  void SetUp() override
  {
    if (!Subject)
    {
      BMFL_SKIP_UNLESS_CI("Benson 2014 template not found");
    }
  }

  static std::vector<float> respond(const std::vector<float>& image)
  {
    return Subject->noiselessResponse(image.data(), kImageSize, kImageSize);
  }

  static double meanOver(const std::vector<float>& response,
                         const std::function<bool(const bmfl::SimulatedSubject::VertexPrf&)>& keep)
  {
    double sum = 0;
    int count = 0;
    for (std::size_t v = 0; v < response.size(); ++v)
    {
      if (keep(Subject->prfs()[v]))
      {
        sum += response[v];
        ++count;
      }
    }
    EXPECT_GT(count, 10);
    return sum / count;
  }

  static std::unique_ptr<bmfl::SimulatedSubject> Subject;
};
std::unique_ptr<bmfl::SimulatedSubject> SimulatedSubjectTest::Subject;

bool earlyArea(const bmfl::SimulatedSubject::VertexPrf& prf)
{
  return prf.area >= 1 && prf.area <= 3;
}

} // namespace

TEST_F(SimulatedSubjectTest, VertexSpaceHoldsVisualAreasWithinTheFieldOfView)
{
  const bmfl::VertexSpace& space = Subject->vertexSpace();
  EXPECT_EQ(space.name, "sim01");
  EXPECT_EQ(space.templateName, "fsaverage5");
  // Counted independently from the template with numpy: area > 0 and eccentricity <= 6 deg
  // among the first 10242 fsaverage vertices: 614 left, 608 right.
  EXPECT_EQ(space.left.size(), 614U);
  EXPECT_EQ(space.right.size(), 608U);
  const bmfl::VertexLabels* streams = space.labels("streams");
  ASSERT_NE(streams, nullptr);
  EXPECT_EQ(streams->names.size(), 8U);
  EXPECT_EQ(streams->left.size(), space.left.size());
  for (std::size_t v = 0; v < space.left.size(); ++v)
  {
    const int area = Subject->prfs()[v].area;
    EXPECT_EQ(streams->left[v] == 1, area >= 1 && area <= 3);
  }
}

TEST_F(SimulatedSubjectTest, UpperRightWedgeDrivesTheLeftVentralBankMost)
{
  const auto wedge =
    texturedStimulus(Subject->config(), [](double x, double y) { return x > 0.3 && y > 0.3; });
  const std::vector<float> response = respond(wedge);
  // Ventral V1-V3 (upper visual field: polar angle < 90) of the left hemisphere.
  const double leftVentral = meanOver(
    response,
    [](const auto& prf) { return earlyArea(prf) && prf.leftHemisphere && prf.angleDeg < 80; });
  const double leftDorsal = meanOver(
    response,
    [](const auto& prf) { return earlyArea(prf) && prf.leftHemisphere && prf.angleDeg > 100; });
  const double rightVentral = meanOver(
    response,
    [](const auto& prf) { return earlyArea(prf) && !prf.leftHemisphere && prf.angleDeg < 80; });
  EXPECT_GT(leftVentral, 2 * leftDorsal);
  EXPECT_GT(leftVentral, 2 * rightVentral);
  // Area by area, the stimulated quarter-field dominates most where pRFs are smallest.
  for (const int area : { 1, 2 })
  {
    const double ventral =
      meanOver(response,
               [area](const auto& prf)
               { return prf.area == area && prf.leftHemisphere && prf.angleDeg < 80; });
    const double dorsal =
      meanOver(response,
               [area](const auto& prf)
               { return prf.area == area && prf.leftHemisphere && prf.angleDeg > 100; });
    EXPECT_GT(ventral, 3 * dorsal) << "V" << area;
  }

  // The strongest responses: mostly in the left hemisphere's ventral bank.
  std::vector<std::size_t> order(response.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](auto a, auto b) { return response[a] > response[b]; });
  int leftVentralAmongTop = 0;
  const int top = 30;
  for (int i = 0; i < top; ++i)
  {
    const auto& prf = Subject->prfs()[order[static_cast<std::size_t>(i)]];
    leftVentralAmongTop += prf.leftHemisphere && prf.angleDeg < 90 ? 1 : 0;
  }
  EXPECT_GE(leftVentralAmongTop, 24);
}

TEST_F(SimulatedSubjectTest, SmallCentralStimulusDrivesLowEccentricitiesMost)
{
  const auto centre =
    texturedStimulus(Subject->config(), [](double x, double y) { return x * x + y * y < 1.0; });
  const std::vector<float> response = respond(centre);
  const double foveal =
    meanOver(response, [](const auto& prf) { return earlyArea(prf) && prf.eccentricityDeg < 1.5; });
  const double peripheral =
    meanOver(response, [](const auto& prf) { return earlyArea(prf) && prf.eccentricityDeg > 3.0; });
  EXPECT_GT(foveal, 3 * peripheral);
}

TEST_F(SimulatedSubjectTest, RingsMoveAnteriorlyWithEccentricity)
{
  // Where on the white surface each ring drives left V1 most (the mean anterior coordinate y of
  // its 15 most driven V1 vertices): the calcarine maps the fovea posteriorly and the periphery
  // anteriorly, so that position must move forward as the ring grows.
  const bmfl::CorticalSurface white = bmfl::loadBundledFsaverage5(bmfl::SurfaceKind::White);
  const bmfl::VertexSpace& space = Subject->vertexSpace();
  std::vector<std::size_t> leftV1;
  for (std::size_t v = 0; v < space.left.size(); ++v)
  {
    if (Subject->prfs()[v].area == 1)
    {
      leftV1.push_back(v);
    }
  }
  double previous = -1e9;
  for (const double ring : { 0.75, 2.5, 5.0 })
  {
    const auto image = texturedStimulus(Subject->config(),
                                        [ring](double x, double y)
                                        {
                                          const double r = std::sqrt(x * x + y * y);
                                          return r > ring - 0.4 && r < ring + 0.4;
                                        });
    const std::vector<float> response = respond(image);
    std::vector<std::size_t> order = leftV1;
    std::sort(
      order.begin(), order.end(), [&](auto a, auto b) { return response[a] > response[b]; });
    double meanY = 0;
    const int top = 15;
    for (int i = 0; i < top; ++i)
    {
      const auto vertex = static_cast<std::size_t>(space.left[order[static_cast<std::size_t>(i)]]);
      meanY += white.left.mesh.points[3 * vertex + 1] / top;
    }
    // fsaverage5 V1 spans about 6 mm of y between 0.5 and 5 deg (measured with numpy).
    EXPECT_GT(meanY, previous + 1.0) << "ring at " << ring << " deg";
    previous = meanY;
  }
}

TEST_F(SimulatedSubjectTest, NoiseHasTheStatedSizeSoTheCeilingIsKnown)
{
  bmfl::SimulatedSubject subject = *Subject;
  std::vector<std::vector<float>> clean;
  for (int i = 0; i < 120; ++i)
  {
    // Random blobs of texture give every early vertex some variance across stimuli.
    const double cx = std::sin(i * 1.7) * 4;
    const double cy = std::cos(i * 2.3) * 4;
    const double radius = 1.0 + (i % 5);
    clean.push_back(respond(texturedStimulus(subject.config(),
                                             [&](double x, double y) {
                                               return (x - cx) * (x - cx) + (y - cy) * (y - cy) <
                                                      radius * radius;
                                             })));
  }
  subject.calibrate(clean);
  // Single-trial correlation between the true (standardised) signal and measurements, pooled
  // over early vertices, must match 1 / sqrt(1 + noiseStd^2).
  double sumR = 0;
  int vertices = 0;
  std::vector<std::vector<float>> measured;
  for (std::size_t i = 0; i < clean.size(); ++i)
  {
    measured.push_back(subject.measuredResponse(clean[i], i, 0));
  }
  for (std::size_t v = 0; v < subject.vertexCount(); ++v)
  {
    if (!earlyArea(subject.prfs()[v]) || subject.signalStd()[v] == 1.0F)
    {
      continue;
    }
    double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    const double n = static_cast<double>(clean.size());
    for (std::size_t i = 0; i < clean.size(); ++i)
    {
      const double x = clean[i][v];
      const double y = measured[i][v];
      sx += x, sy += y, sxx += x * x, syy += y * y, sxy += x * y;
    }
    sumR += (sxy - sx * sy / n) / std::sqrt((sxx - sx * sx / n) * (syy - sy * sy / n));
    ++vertices;
  }
  ASSERT_GT(vertices, 100);
  EXPECT_NEAR(sumR / vertices, subject.noiseCeilingR(1), 0.03);
  EXPECT_NEAR(subject.noiseCeilingR(1), 1 / std::sqrt(1 + 0.36), 1e-12);
  EXPECT_GT(subject.noiseCeilingR(3), subject.noiseCeilingR(1));
}

TEST_F(SimulatedSubjectTest, MeasurementsAreDeterministicPerStimulusAndTrial)
{
  bmfl::SimulatedSubject subject = *Subject;
  const auto clean =
    respond(texturedStimulus(subject.config(), [](double x, double) { return x > 0; }));
  subject.calibrate(
    { clean, respond(texturedStimulus(subject.config(), [](double, double y) { return y > 0; })) });
  EXPECT_EQ(subject.measuredResponse(clean, 7, 0), subject.measuredResponse(clean, 7, 0));
  EXPECT_NE(subject.measuredResponse(clean, 7, 0), subject.measuredResponse(clean, 7, 1));
  EXPECT_NE(subject.measuredResponse(clean, 7, 0), subject.measuredResponse(clean, 8, 0));
}

TEST(SimulatedSubjectFiles, MissingTemplateNamesTheFile)
{
  try
  {
    bmfl::loadBensonRetinotopy("/nonexistent/folder", "fsaverage5", 10242);
    FAIL() << "expected FileError";
  }
  catch (const std::exception& error)
  {
    EXPECT_NE(std::string(error.what()).find("/nonexistent/folder/lh.benson14_varea.v4_0.mgz"),
              std::string::npos)
      << error.what();
  }
}
