#pragma once

#include "bmfl/ImageResult.h"
#include "bmfl/VertexSpace.h"

#include <string>
#include <vector>

namespace bmfl
{

/// The image [CLS] -> brain token attention spread over the vertices each token stands for, one
/// value per vertex of space (left part first): a conv slice's vertices take its weight, an ROI
/// token's vertices (label roiLabel of the label set roiLabelSet, in the token's hemisphere: left
/// ROIs first, then right, as brainTokenLayout orders them) take its weight; vertices no token
/// covers are NaN. Throws std::invalid_argument when weights and tokens differ in number, when
/// ROI tokens name a label set the space lacks, or when the tokens do not fit the space.
std::vector<float> brainTokenVertexValues(const VertexSpace& space,
                                          const std::vector<BrainToken>& tokens,
                                          const std::vector<float>& weights,
                                          const std::string& roiLabelSet);

} // namespace bmfl
