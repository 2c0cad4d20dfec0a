#pragma once

#include <string>
#include <vector>

namespace bmfl
{

// The configuration of a BMFL model, torch-free: every choice the NeuralOOD paper leaves open is
// a field here (never a constant in code), with the reference design of bmfl-spec.md section 1.3
// as the default. The bundle manifest (JSON) serialises exactly these structs.

/// A Vision Transformer with DINOv2's structure and parameter names.
struct ImageEncoderConfig
{
  int imageSize = 224; ///< input crop (height = width), a multiple of patchSize
  int patchSize = 14;
  int inChannels = 3;
  int embedDim = 384; ///< ViT-S/14: 384, ViT-B/14: 768
  int depth = 12;
  int heads = 6;
  double mlpRatio = 4.0;
  int registerTokens = 0; ///< 4 for the *_reg4 checkpoints
  int positionGrid = 37;  ///< the learned position embedding's grid (518 / 14 for released DINOv2)
  /// DINOv2 interpolates the position embedding to the input grid with bicubic resizing:
  /// non-register models use scale factor (g + offset) / grid and no antialiasing; register
  /// models use the target size with antialiasing and offset 0.
  double interpolateOffset = 0.1;
  bool interpolateAntialias = false;
  double layerNormEps = 1e-6;
  bool layerScale = true; ///< per-channel LayerScale (ls1, ls2) in each block
};

/// The visual encoding model of Adeli et al. 2023: a DETR-style decoder over image tokens with
/// sine position encoding, learned queries per ROI group and hemisphere, one linear readout per
/// hemisphere; each vertex takes the prediction of its ROI group's query.
struct BrainEncoderConfig
{
  /// Which image features feed the decoder: "last_block_query" (the q projection of the last
  /// block's attention, as Adeli et al.'s default), "block_query" (the q projection of block
  /// featureBlock) or "patch_tokens" (final normed patch tokens).
  std::string featureSource = "last_block_query";
  /// The encoder block whose queries feed the decoder ("block_query" only): 0-based, negative
  /// counts from the end (-1: the last block; Adeli et al.'s enc_output_layer k is -k).
  int featureBlock = -1;
  int width = 384; ///< decoder d_model; image features are projected when it differs
  int heads = 16;
  int feedForward = 2048;
  int decoderLayers = 1;
  double dropout = 0.1;
  /// The vertex space's label set whose groups get one query each per hemisphere
  /// ("streams": 7 streams + unknown = 8 queries per hemisphere, Adeli's default).
  std::string queryLabelSet = "streams";
};

/// Turns (predicted) fMRI into tokens, then pre-norm transformer encoder layers with a [CLS].
struct BrainTransformerConfig
{
  /// "conv_slices": Conv1d with kernel = stride = sliceLength over the vertex vector (zero-padded
  /// to a multiple); "roi_tokens": one token per ROI of roiLabelSet (Linear per ROI).
  std::string tokenizer = "conv_slices";
  int sliceLength = 256;
  std::string roiLabelSet = "streams";
  bool standardizeInput = true; ///< z-score each sample's fMRI vector before tokenising
  int width = 384;
  int depth = 4;
  int heads = 6;
  double mlpRatio = 4.0;
  double dropout = 0.1;
};

/// Cross-attention fusion of the two modalities, and its ablations.
struct FusionConfig
{
  /// "cross_attention" (paper) or "concatenation" (ablation: [CLS]s concatenated, no attention).
  std::string mode = "cross_attention";
  bool imageQueriesBrain = true; ///< image [CLS] attends to brain tokens
  bool brainQueriesImage = true; ///< brain [CLS] attends to image patch tokens
  int heads = 6;
  double dropout = 0.0;
  bool shuffleBrain = false; ///< ablation: predicted fMRI permuted across the batch in training
};

struct BmflModelConfig
{
  ImageEncoderConfig encoder;
  BrainEncoderConfig brainEncoder;
  BrainTransformerConfig brainTransformer;
  FusionConfig fusion;
  int numClasses = 1000;
  double pccWeight = 0.5; ///< lambda in CE + lambda * (1 - PCC(fused image, fused brain))
};

/// The evaluation transform of a bundle: resize the short side, centre-crop, normalise, and
/// optionally zero-pad bottom/right. A bundle's brain encoder may take its own (Adeli et al.'s
/// NSD input: no resize, 425 px, normalised, zero-padded to 434 = 31 patches of 14).
struct PreprocessConfig
{
  int resizeShortSide = 256; ///< 0: no resize (the image keeps its size)
  int cropSize = 224;
  /// After normalisation, zero-pad bottom and right to a multiple of this (0 or 1: no padding);
  /// zero is the mean colour.
  int padToMultiple = 0;
  std::string interpolation = "bicubic";
  bool grayscaleToRgb = true;
  std::vector<double> mean = { 0.485, 0.456, 0.406 };
  std::vector<double> std = { 0.229, 0.224, 0.225 };
};

} // namespace bmfl
