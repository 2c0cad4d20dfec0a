#include "DataTestSupport.h"
#include "TestEnvironment.h"

#include "bmfl/Algonauts.h"
#include "bmfl/FileError.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace
{

using bmfl::test::TemporaryFolder;

/// Writes subjects in the Algonauts 2023 layout (spec 3.1) with NumPy: "good/subj01" and, for
/// each malformation, "<name>/subj01" with just that one thing wrong.
const char* MakeSubjects = R"(
import struct, zlib, shutil, pickle
FS = 163842
classes = ['prf-visualrois', 'floc-bodies', 'floc-faces', 'floc-places', 'floc-words', 'streams']
label_counts = [8, 5, 6, 4, 6, 8]

def png(path):
    def chunk(kind, data):
        return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data))
    raw = b'\x00' + b'\x80\x40\x20' * 2
    with open(path, 'wb') as f:
        f.write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', 2, 2, 8, 2, 0, 0, 0))
                + chunk(b'IDAT', zlib.compress(raw * 2)) + chunk(b'IEND', b''))

def make(root, mutate=None):
    s = os.path.join(root, 'subj01')
    for d in ['training_split/training_fmri', 'training_split/training_images', 'roi_masks',
              'test_split/test_images']:
        os.makedirs(os.path.join(s, d))
    rng = np.random.default_rng(1)
    vertices = {'lh': np.array([3, 10, 500, 10241, 10242, 20000, 163841]),
                'rh': np.array([0, 7, 9999, 150000, 160000])}
    n_images = 6
    for h, idx in vertices.items():
        mask = np.zeros(FS, dtype=np.int64); mask[idx] = 1
        np.save(f'{s}/roi_masks/{h}.all-vertices_fsaverage_space.npy', mask)
        fmri = (np.arange(n_images * len(idx), dtype=np.float32).reshape(n_images, len(idx))
                + (0 if h == 'lh' else 1000))
        np.save(f'{s}/training_split/training_fmri/{h}_training_fmri.npy', fmri)
        for c, n in zip(classes, label_counts):
            labels = (np.arange(len(idx)) % n).astype(np.int32)
            np.save(f'{s}/roi_masks/{h}.{c}_challenge_space.npy', labels)
            full = np.zeros(FS, dtype=np.int32); full[idx] = labels
            np.save(f'{s}/roi_masks/{h}.{c}_fsaverage_space.npy', full)
    for c, n in zip(classes, label_counts):
        np.save(f'{s}/roi_masks/mapping_{c}.npy', np.array({i: 'x%d' % i for i in range(n)}, dtype=object), allow_pickle=True)
    with open(f'{s}/roi_masks/mapping_floc-faces.json', 'w') as f:
        f.write('{"1": "OFA-json", "5": "aTL-faces"}')
    for i in [3, 1, 6, 2, 5, 4]:
        png(f'{s}/training_split/training_images/train-{i:04d}_nsd-{i * 7:05d}.png')
    png(f'{s}/test_split/test_images/test-0001_nsd-00002.png')
    if mutate:
        mutate(s)

make('good')
def truncate(path, keep):
    data = open(path, 'rb').read(); open(path, 'wb').write(data[:keep])
R = 'subj01/roi_masks/'
F = 'subj01/training_split/training_fmri/'
bad = {
  'truncated_fmri': lambda s: truncate(s + '/training_split/training_fmri/lh_training_fmri.npy', 150),
  'wrong_columns': lambda s: np.save(s + '/training_split/training_fmri/rh_training_fmri.npy', np.zeros((6, 4), np.float32)),
  'wrong_rows': lambda s: np.save(s + '/training_split/training_fmri/rh_training_fmri.npy', np.zeros((5, 5), np.float32)),
  'missing_image': lambda s: os.remove(s + '/training_split/training_images/train-0006_nsd-00042.png'),
  'short_mask': lambda s: np.save(s + '/roi_masks/rh.all-vertices_fsaverage_space.npy', np.ones(1000, np.int64)),
  'object_mask': lambda s: np.save(s + '/roi_masks/lh.all-vertices_fsaverage_space.npy', np.array([1, 2], dtype=object), allow_pickle=True),
  'roi_length': lambda s: np.save(s + '/roi_masks/lh.streams_challenge_space.npy', np.zeros(8, np.int32)),
  'roi_label': lambda s: np.save(s + '/roi_masks/rh.floc-places_challenge_space.npy', np.array([0, 1, 2, 3, 9], np.int32)),
  'roi_fsaverage': lambda s: np.save(s + '/roi_masks/lh.floc-words_fsaverage_space.npy', np.zeros(10242, np.int32)),
  'missing_rh_fmri': lambda s: os.remove(s + '/training_split/training_fmri/rh_training_fmri.npy'),
  'bad_json': lambda s: open(s + '/roi_masks/mapping_streams.json', 'w').write('{"1": "early",'),
  'duplicate_json': lambda s: open(s + '/roi_masks/mapping_streams.json', 'w').write('{"1": "a", "1": "b"}'),
  'fmri_3d': lambda s: np.save(s + '/training_split/training_fmri/lh_training_fmri.npy', np.zeros((6, 7, 1), np.float32)),
}
for name, mutate in bad.items():
    make(name, mutate)
)";

class AlgonautsSubjectTest : public ::testing::Test
{
protected:
  static void SetUpTestSuite()
  {
    if (!bmfl::test::numpyAvailable())
    {
      return;
    }
    Folder = new TemporaryFolder();
    Made = bmfl::test::runNumpy(Folder->path(), MakeSubjects);
  }
  static void TearDownTestSuite()
  {
    delete Folder;
    Folder = nullptr;
  }
  void SetUp() override
  {
    if (!bmfl::test::numpyAvailable())
    {
      BMFL_SKIP_UNLESS_CI("python3 with numpy not available");
    }
    ASSERT_TRUE(Made);
  }
  static std::string subject(const std::string& variant)
  {
    return Folder->file(variant + "/subj01");
  }

  static TemporaryFolder* Folder;
  static bool Made;
};

TemporaryFolder* AlgonautsSubjectTest::Folder = nullptr;
bool AlgonautsSubjectTest::Made = false;

TEST_F(AlgonautsSubjectTest, OpensASubjectWithCountsImagesAndChallengeSpace)
{
  ASSERT_TRUE(bmfl::isAlgonautsSubjectFolder(subject("good")));
  const bmfl::AlgonautsSubject opened = bmfl::openAlgonautsSubject(subject("good"));
  EXPECT_EQ(opened.subject, "subj01");
  ASSERT_EQ(opened.imageCount(), 6u);
  for (std::size_t row = 0; row < 6; ++row)
  {
    const std::string expected = "train-000" + std::to_string(row + 1);
    EXPECT_NE(opened.trainingImages[row].find(expected), std::string::npos)
      << opened.trainingImages[row];
  }
  EXPECT_EQ(opened.testImages.size(), 1u);
  EXPECT_EQ(opened.space.name, "algonauts-subj01");
  EXPECT_EQ(opened.space.templateName, "fsaverage");
  EXPECT_EQ(opened.space.left,
            (std::vector<std::int32_t>{ 3, 10, 500, 10241, 10242, 20000, 163841 }));
  EXPECT_EQ(opened.space.right, (std::vector<std::int32_t>{ 0, 7, 9999, 150000, 160000 }));
  ASSERT_EQ(opened.space.labelSets.size(), 6u);

  const bmfl::VertexLabels* visual = opened.space.labels("prf-visualrois");
  ASSERT_NE(visual, nullptr);
  EXPECT_EQ(
    visual->names,
    (std::vector<std::string>{ "Unknown", "V1v", "V1d", "V2v", "V2d", "V3v", "V3d", "hV4" }));
  EXPECT_EQ(visual->left, (std::vector<std::int32_t>{ 0, 1, 2, 3, 4, 5, 6 }));
  EXPECT_EQ(visual->right, (std::vector<std::int32_t>{ 0, 1, 2, 3, 4 }));
  // The pickled mapping_*.npy are never read; the JSON beside them renames labels.
  const bmfl::VertexLabels* faces = opened.space.labels("floc-faces");
  ASSERT_NE(faces, nullptr);
  EXPECT_EQ(faces->names,
            (std::vector<std::string>{
              "Unknown", "OFA-json", "FFA-1", "FFA-2", "mTL-faces", "aTL-faces" }));
  EXPECT_EQ(opened.space.labels("streams")->names.back(), "parietal");
}

TEST_F(AlgonautsSubjectTest, ReadsRequestedFmriRowsLeftThenRight)
{
  const bmfl::AlgonautsSubject opened = bmfl::openAlgonautsSubject(subject("good"));
  const std::vector<float> rows = bmfl::readAlgonautsFmriRows(opened, 2, 3);
  ASSERT_EQ(rows.size(), 3u * 12u);
  for (std::size_t row = 0; row < 3; ++row)
  {
    for (std::size_t column = 0; column < 7; ++column)
    {
      EXPECT_EQ(rows[row * 12 + column], static_cast<float>((row + 2) * 7 + column));
    }
    for (std::size_t column = 0; column < 5; ++column)
    {
      EXPECT_EQ(rows[row * 12 + 7 + column], static_cast<float>(1000 + (row + 2) * 5 + column));
    }
  }
  EXPECT_THROW(bmfl::readAlgonautsFmriRows(opened, 5, 2), bmfl::FileError);
}

TEST_F(AlgonautsSubjectTest, SpreadsChallengeValuesOntoFsaverageAndFsaverage5)
{
  const bmfl::AlgonautsSubject opened = bmfl::openAlgonautsSubject(subject("good"));
  std::vector<float> values(opened.space.size());
  for (std::size_t index = 0; index < values.size(); ++index)
  {
    values[index] = static_cast<float>(index + 1);
  }
  const bmfl::HemisphereValues full = bmfl::spreadOntoTemplate(opened.space, values, "fsaverage");
  ASSERT_EQ(full.left.size(), bmfl::FsaverageVertexCount);
  EXPECT_EQ(full.left[163841], 7.0f);
  EXPECT_EQ(full.right[160000], 12.0f);
  EXPECT_TRUE(std::isnan(full.left[4]));
  const bmfl::HemisphereValues small = bmfl::spreadOntoTemplate(opened.space, values, "fsaverage5");
  ASSERT_EQ(small.left.size(), bmfl::Fsaverage5VertexCount);
  EXPECT_EQ(small.left[3], 1.0f);
  EXPECT_EQ(small.left[10241], 4.0f);
  EXPECT_EQ(small.right[9999], 10.0f);
  std::size_t kept = 0;
  for (const float value : small.left)
  {
    kept += std::isnan(value) ? 0 : 1;
  }
  EXPECT_EQ(kept, 4u); // 10242, 20000 and 163841 are not fsaverage5 vertices
  const bmfl::VertexLabels labels =
    bmfl::spreadLabelsOntoTemplate(opened.space, *opened.space.labels("streams"), "fsaverage5");
  EXPECT_EQ(labels.left[500], 2);
  EXPECT_EQ(labels.left[501], 0);
  EXPECT_THROW(bmfl::spreadOntoTemplate(opened.space, std::vector<float>(3), "fsaverage"),
               std::invalid_argument);
  EXPECT_THROW(bmfl::spreadOntoTemplate(opened.space, values, "fsaverage6"), std::invalid_argument);
}

TEST_F(AlgonautsSubjectTest, NamesTheFileAtFaultForEveryMismatch)
{
  const struct
  {
    const char* variant;
    const char* file;
    const char* problem;
  } cases[] = {
    { "truncated_fmri", "lh_training_fmri.npy", "truncated" },
    { "wrong_columns",
      "rh_training_fmri.npy",
      "has 4 vertex columns but rh.all-vertices_fsaverage_space.npy selects 5" },
    { "wrong_rows", "rh_training_fmri.npy", "has 5 image rows" },
    { "missing_image", "training_images", "holds 5 images but the training fMRI has 6 rows" },
    { "short_mask", "rh.all-vertices_fsaverage_space.npy", "has 1000 values, expected 163842" },
    { "object_mask", "lh.all-vertices_fsaverage_space.npy", "object arrays" },
    { "roi_length", "lh.streams_challenge_space.npy", "has 8 values but the challenge space" },
    { "roi_label", "rh.floc-places_challenge_space.npy", "label 9 at vertex 4" },
    { "roi_fsaverage", "lh.floc-words_fsaverage_space.npy", "expected 163842" },
    { "missing_rh_fmri", "rh_training_fmri.npy", "missing" },
    { "bad_json", "mapping_streams.json", "malformed label mapping JSON" },
    { "duplicate_json", "mapping_streams.json", "duplicate key \"1\"" },
    { "fmri_3d", "lh_training_fmri.npy", "expected fMRI of shape images x vertices" },
  };
  for (const auto& testCase : cases)
  {
    try
    {
      bmfl::openAlgonautsSubject(subject(testCase.variant));
      ADD_FAILURE() << testCase.variant << ": no error";
    }
    catch (const bmfl::FileError& error)
    {
      const std::string message = error.what();
      EXPECT_NE(error.path().find(testCase.file), std::string::npos)
        << testCase.variant << ": " << message;
      EXPECT_NE(message.find(testCase.problem), std::string::npos)
        << testCase.variant << ": " << message;
      EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    }
  }
  EXPECT_THROW(bmfl::openAlgonautsSubject(Folder->file("good/subj01/roi_masks/no")),
               bmfl::FileError);
  EXPECT_THROW(bmfl::openAlgonautsSubject(Folder->file("good")), bmfl::FileError);
}

TEST(NsdRoiLabels, FollowTheChallengeTables)
{
  EXPECT_EQ(bmfl::nsdRoiClasses().size(), 6u);
  EXPECT_EQ(bmfl::nsdRoiLabelNames("floc-places"),
            (std::vector<std::string>{ "Unknown", "OPA", "PPA", "RSC" }));
  EXPECT_EQ(bmfl::nsdRoiLabelNames("floc-words")[2], "VWFA-1");
  EXPECT_EQ(bmfl::nsdRoiLabelNames("floc-bodies").size(), 5u);
  EXPECT_THROW(bmfl::nsdRoiLabelNames("nsdgeneral"), std::invalid_argument);
}

} // namespace
