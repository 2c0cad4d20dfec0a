#!/usr/bin/python3
"""Inputs of `bmfl train-brain-encoder` in their real formats, tiny:
  OUT/dinov2_tiny.pth   a DINOv2 state dict in Meta's layout (models/reference/dinov2_reference.py's
                        model: width 64, 1 head, 2 blocks, patch 14)
  OUT/subj01/           an Algonauts 2023 subject: IMAGES training PNGs (28 px RGB), lh/rh training
                        fMRI (float32, 23 + 17 vertices) that depend on the images, roi_masks with
                        the all-vertices masks and streams / prf-visualrois / floc-faces labels
Usage: make_brain_encoder_inputs.py REFERENCE_DIR OUT [IMAGES]
"""
import os
import sys

import numpy as np
import torch
from PIL import Image

FSAVERAGE = 163842
LEFT, RIGHT = 23, 17
ROI_CLASSES = {"streams": 8, "prf-visualrois": 8, "floc-faces": 6}  # "Unknown" included


def main() -> int:
    reference, out = sys.argv[1], sys.argv[2]
    images = int(sys.argv[3]) if len(sys.argv) > 3 else 40
    sys.path.insert(0, reference)
    from dinov2_reference import VisionTransformer, randomise

    generator = torch.Generator().manual_seed(9)
    model = VisionTransformer(dim=64, depth=2, heads=1, patch=14, grid=4, registers=0,
                              offset=0.1, antialias=False)
    randomise(model, generator)
    torch.save(model.state_dict(), os.path.join(out, "dinov2_tiny.pth"))

    rng = np.random.default_rng(3)
    subject = os.path.join(out, "subj01")
    image_dir = os.path.join(subject, "training_split", "training_images")
    fmri_dir = os.path.join(subject, "training_split", "training_fmri")
    roi_dir = os.path.join(subject, "roi_masks")
    for folder in (image_dir, fmri_dir, roi_dir):
        os.makedirs(folder, exist_ok=True)
    brightness = np.zeros((images, 3), dtype=np.float32)
    for i in range(images):
        pixels = rng.integers(0, 256, (28, 28, 3), dtype=np.uint8)
        pixels[:14] = pixels[:14] // (1 + i % 4)
        brightness[i] = pixels.reshape(-1, 3).mean(0) / 255.0
        Image.fromarray(pixels).save(os.path.join(image_dir, f"train-{i + 1:04d}_nsd-{i:05d}.png"))
    for hemi, count in (("lh", LEFT), ("rh", RIGHT)):
        weights = rng.normal(size=(3, count)).astype(np.float32)
        fmri = brightness @ weights + 0.1 * rng.normal(size=(images, count)).astype(np.float32)
        np.save(os.path.join(fmri_dir, f"{hemi}_training_fmri.npy"), fmri.astype(np.float32))
        where = np.sort(rng.choice(FSAVERAGE, count, replace=False))
        mask = np.zeros(FSAVERAGE, dtype=np.int64)
        mask[where] = 1
        np.save(os.path.join(roi_dir, f"{hemi}.all-vertices_fsaverage_space.npy"), mask)
        for roi_class, labels in ROI_CLASSES.items():
            values = rng.integers(0, labels, count).astype(np.int32)
            np.save(os.path.join(roi_dir, f"{hemi}.{roi_class}_challenge_space.npy"), values)
            full = np.zeros(FSAVERAGE, dtype=np.int32)
            full[where] = values
            np.save(os.path.join(roi_dir, f"{hemi}.{roi_class}_fsaverage_space.npy"), full)
    return 0


if __name__ == "__main__":
    sys.exit(main())
