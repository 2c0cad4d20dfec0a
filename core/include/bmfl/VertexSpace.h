#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace bmfl
{

/// Per-vertex integer labels over a vertex space (an ROI class file such as Algonauts' "streams"
/// or "prf-visualrois", or an atlas). Label 0 means "none"; names[k] names label k.
struct VertexLabels
{
  std::string name;                ///< e.g. "streams"
  std::vector<std::string> names;  ///< index = label value; names[0] is the "none"/"unknown" label
  std::vector<std::int32_t> left;  ///< one label per vertex of the space's left part
  std::vector<std::int32_t> right; ///< one label per vertex of the space's right part
};

/// Names the vertices a vector of (predicted) fMRI belongs to, and where they sit on a template
/// mesh: vertex i of the left part is vertex left[i] of the template's left hemisphere. Values are
/// ordered left part first, then right part (Algonauts' lh ‖ rh convention).
/// Examples: Algonauts challenge space of subj01 on fsaverage (19,004 + 20,544 vertices), the
/// simulated subject's visual-cortex vertices, all of fsaverage5 (10,242 + 10,242).
struct VertexSpace
{
  std::string name;         ///< e.g. "algonauts-subj01", "sim01", "fsaverage5"
  std::string templateName; ///< the mesh the indices refer to: "fsaverage", "fsaverage5", ...
  std::vector<std::int32_t> left;
  std::vector<std::int32_t> right;
  std::vector<VertexLabels> labelSets;

  std::size_t size() const { return left.size() + right.size(); }
  /// The label set with this name, or nullptr.
  const VertexLabels* labels(const std::string& labelSetName) const
  {
    for (const VertexLabels& set : labelSets)
    {
      if (set.name == labelSetName)
      {
        return &set;
      }
    }
    return nullptr;
  }
};

} // namespace bmfl
