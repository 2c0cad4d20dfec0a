#pragma once

#include "bmfl/Npy.h"
#include "bmfl/TemplateValues.h"
#include "bmfl/VertexSpace.h"

#include <cstddef>
#include <string>
#include <vector>

namespace bmfl
{

/// The six Algonauts 2023 ROI class files, in the challenge's order: prf-visualrois, floc-bodies,
/// floc-faces, floc-places, floc-words, streams.
const std::vector<std::string>& nsdRoiClasses();

/// The label names of an NSD ROI class (spec 3.3), index = label value, names[0] = "Unknown".
/// Throws std::invalid_argument for a name that is not one of nsdRoiClasses().
std::vector<std::string> nsdRoiLabelNames(const std::string& roiClass);

/// One subject of the Algonauts 2023 challenge data (subjXX/ as distributed), opened and checked:
/// the fMRI columns match the all-vertices masks, the ROI arrays match the challenge space, the
/// image count matches the fMRI rows. Only headers and masks are read; fMRI rows are read on
/// demand.
struct AlgonautsSubject
{
  std::string folder;
  std::string subject;                     ///< "subj01"
  std::vector<std::string> trainingImages; ///< paths, sorted by file name = fMRI row order
  std::vector<std::string> testImages;     ///< test_split/test_images, sorted (may be empty)
  /// "algonauts-subjXX" on "fsaverage": left/right = the fsaverage vertex of each challenge vertex
  /// (the j-th nonzero of the all-vertices mask); label sets = the ROI classes present, in
  /// challenge space.
  VertexSpace space;
  std::string leftFmriPath;
  std::string rightFmriPath;
  NpyHeader leftFmri;
  NpyHeader rightFmri;

  std::size_t imageCount() const { return trainingImages.size(); }
};

/// True when the folder looks like an Algonauts subject (it has roi_masks/ or training_split/).
bool isAlgonautsSubjectFolder(const std::string& folder);

/// Opens and checks a subject folder. Every mismatch throws FileError naming the file at fault.
/// mapping_<class>.npy files are pickles and are never read; label names come from
/// nsdRoiLabelNames, or from an optional mapping_<class>.json ({"1": "V1v", ...}) beside them.
AlgonautsSubject openAlgonautsSubject(const std::string& folder);

/// Training fMRI rows [firstRow, firstRow + rowCount) as rowCount x space.size() floats, each row
/// left hemisphere then right. Reads only those rows from the two files. Throws FileError.
std::vector<float> readAlgonautsFmriRows(const AlgonautsSubject& subject,
                                         std::size_t firstRow,
                                         std::size_t rowCount);

/// Spreads values over a space on "fsaverage" (space.size() of them, left part first) onto full
/// fsaverage (templateName "fsaverage") or fsaverage5 ("fsaverage5": only the space's vertices with
/// an index below 10242 are kept). Vertices outside the space get NaN. Throws
/// std::invalid_argument for a wrong value count, another template, or a space not on fsaverage.
HemisphereValues spreadOntoTemplate(const VertexSpace& space,
                                    const std::vector<float>& values,
                                    const std::string& templateName);

/// The same for integer labels (0 outside the space), e.g. a label set of the space.
VertexLabels spreadLabelsOntoTemplate(const VertexSpace& space,
                                      const VertexLabels& labels,
                                      const std::string& templateName);

} // namespace bmfl
