#!/usr/bin/python3
"""Test oracle for importing Adeli et al.'s released brain encoders (bmfl import-brain-encoder).

A small replica of the model that Hosseinadeli/algonauts2023_transformers' main.py trains
(models/detr.py with decoder_arch 'transformer', backbone 'dinov2', enc_layers 0), with that
code's module names, so that its state dict has exactly the released checkpoints' keys:
  backbone.0.backbone.*          the frozen DINOv2 (here a stub with a few DINOv2-named tensors)
  transformer.decoder.layers.N.* DETR's post-norm decoder layers (torch.nn.MultiheadAttention)
  transformer.decoder.norm.*     the decoder's final LayerNorm
  transformer.memory_proj.*      a 1x1 convolution main.py builds but never uses (masks off)
  query_embed.weight             [num_queries, hidden_dim]
  lh_embed_0.0.*, rh_embed_0.0.* one readout per hemisphere (lh_embed.0.*, rh_embed.0.* for
                                 readout_res 'hemis')
The replica runs the same computation as that code on the features the backbone hands on (the
queries of a DINOv2 block, [B, hidden_dim, h, w]): DETR's PositionEmbeddingSine over the
padding mask, the decoder on zero targets with the query embedding as query position, the last
layer's normed output, each hemisphere's readout applied to its 8 queries and, as engine.py's
evaluate does, each vertex keeping the prediction of its ROI label's query.

It trains one AdamW step (so the optimizer holds real state) and saves, as main.py does,
{'model', 'optimizer', 'train_params', 'lr_scheduler', 'epoch', 'args'} with an
argparse.Namespace (a NumPy float among its values). Writes into OUTPUT_DIR:
  checkpoint_.pth           the checkpoint
  subj01/roi_masks/         an Algonauts 2023 subject's ROI files for the replica's vertices
  adeli_cases.pth           {"features" [B, h*w, D] in patch order, "grid", "prediction"
                             [B, V_left + V_right], "<roi class>.lh"/".rh" the ROI labels}
Usage: /usr/bin/python3 adeli_replica.py OUTPUT_DIR [--hidden-dim D] [--heads H]
         [--dec-layers N] [--readout streams_inc|streams|visuals|hemis]
"""
import argparse
import math
import os
import sys

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

FSAVERAGE = 163842
LEFT, RIGHT = 23, 17
GRID = (3, 5)
BATCH = 3
ROI_CLASSES = {"streams": 8, "prf-visualrois": 8}  # label counts, "Unknown" included
READOUT_CLASS = {"streams_inc": "streams", "streams": "streams", "visuals": "prf-visualrois",
                 "hemis": "streams"}


class PositionEmbeddingSine(nn.Module):
    """DETR's sine position encoding of a padding mask [B, h, w] -> [B, 2F, h, w]."""

    def __init__(self, features: int):
        super().__init__()
        self.features = features

    def forward(self, mask):
        valid = (~mask).float()
        y = valid.cumsum(1)
        x = valid.cumsum(2)
        eps, scale = 1e-6, 2 * math.pi
        y = y / (y[:, -1:, :] + eps) * scale
        x = x / (x[:, :, -1:] + eps) * scale
        dim_t = torch.arange(self.features, dtype=torch.float32)
        dim_t = 10000.0 ** (2 * (dim_t // 2) / self.features)
        pos_x = x[..., None] / dim_t
        pos_y = y[..., None] / dim_t
        pos_x = torch.stack((pos_x[..., 0::2].sin(), pos_x[..., 1::2].cos()), dim=4).flatten(3)
        pos_y = torch.stack((pos_y[..., 0::2].sin(), pos_y[..., 1::2].cos()), dim=4).flatten(3)
        return torch.cat((pos_y, pos_x), dim=3).permute(0, 3, 1, 2)


class DinoStub(nn.Module):
    """Stands in for torch.hub's dinov2_vitb14 inside Backbone_dino: a few of its tensors."""

    def __init__(self, width: int):
        super().__init__()
        self.cls_token = nn.Parameter(torch.randn(1, 1, width))
        self.pos_embed = nn.Parameter(torch.randn(1, 5, width))
        self.mask_token = nn.Parameter(torch.zeros(1, width))
        self.patch_embed = nn.Module()
        self.patch_embed.proj = nn.Conv2d(3, width, kernel_size=14, stride=14)
        self.norm = nn.LayerNorm(width)


class BackboneDino(nn.Module):
    def __init__(self, width: int):
        super().__init__()
        self.backbone = DinoStub(width)
        for parameter in self.backbone.parameters():
            parameter.requires_grad_(False)


class DecoderLayer(nn.Module):
    """DETR's TransformerDecoderLayer, post-norm (normalize_before=False), sequence-first."""

    def __init__(self, width, heads, feed_forward, dropout):
        super().__init__()
        self.self_attn = nn.MultiheadAttention(width, heads, dropout=dropout)
        self.multihead_attn = nn.MultiheadAttention(width, heads, dropout=dropout)
        self.linear1 = nn.Linear(width, feed_forward)
        self.linear2 = nn.Linear(feed_forward, width)
        self.norm1 = nn.LayerNorm(width)
        self.norm2 = nn.LayerNorm(width)
        self.norm3 = nn.LayerNorm(width)
        self.dropout = nn.Dropout(dropout)

    def forward(self, tgt, memory, memory_key_padding_mask, pos, query_pos):
        q = k = tgt + query_pos
        tgt = self.norm1(tgt + self.dropout(self.self_attn(q, k, value=tgt)[0]))
        attended = self.multihead_attn(query=tgt + query_pos, key=memory + pos, value=memory,
                                       key_padding_mask=memory_key_padding_mask)[0]
        tgt = self.norm2(tgt + self.dropout(attended))
        hidden = self.dropout(F.relu(self.linear1(tgt)))
        return self.norm3(tgt + self.dropout(self.linear2(hidden)))


class Decoder(nn.Module):
    def __init__(self, layers, width, heads, feed_forward, dropout):
        super().__init__()
        self.layers = nn.ModuleList(
            [DecoderLayer(width, heads, feed_forward, dropout) for _ in range(layers)])
        self.norm = nn.LayerNorm(width)

    def forward(self, tgt, memory, memory_key_padding_mask, pos, query_pos):
        for layer in self.layers:
            tgt = layer(tgt, memory, memory_key_padding_mask, pos, query_pos)
        return self.norm(tgt).unsqueeze(0)  # return_intermediate: only the last layer is read


class Transformer(nn.Module):
    """DETR's Transformer with 0 encoder layers."""

    def __init__(self, args):
        super().__init__()
        self.decoder = Decoder(args.dec_layers, args.hidden_dim, args.nheads,
                               args.dim_feedforward, args.dropout)
        self.memory_proj = nn.Conv2d(args.hidden_dim, 64, kernel_size=1)
        for parameter in self.parameters():
            if parameter.dim() > 1:
                nn.init.xavier_uniform_(parameter)

    def forward(self, src, mask, query_embed, pos_embed):
        batch = src.shape[0]
        src = src.flatten(2).permute(2, 0, 1)
        pos_embed = pos_embed.flatten(2).permute(2, 0, 1)
        query_embed = query_embed.unsqueeze(1).repeat(1, batch, 1)
        tgt = torch.zeros_like(query_embed)
        hs = self.decoder(tgt, src, mask.flatten(1), pos_embed, query_embed)
        return hs.transpose(1, 2)  # [layers, B, Q, D]


class AdeliModel(nn.Module):
    def __init__(self, args):
        super().__init__()
        self.readout_res = args.readout_res
        self.transformer = Transformer(args)
        self.query_embed = nn.Embedding(args.num_queries, args.hidden_dim)
        self.backbone = nn.Sequential(BackboneDino(args.hidden_dim),
                                      PositionEmbeddingSine(args.hidden_dim // 2))
        if args.readout_res == "hemis":
            self.lh_embed = nn.Sequential(nn.Linear(args.hidden_dim, args.lh_vs))
            self.rh_embed = nn.Sequential(nn.Linear(args.hidden_dim, args.rh_vs))
        else:
            self.lh_embed_0 = nn.Sequential(nn.Linear(args.hidden_dim, args.lh_vs))
            self.rh_embed_0 = nn.Sequential(nn.Linear(args.hidden_dim, args.rh_vs))
        self.cos = nn.CosineSimilarity(dim=1, eps=1e-6)

    def forward(self, src):
        """src: the backbone's features [B, D, h, w]; returns per-query predictions."""
        mask = torch.zeros(src.shape[0], src.shape[2], src.shape[3], dtype=torch.bool)
        pos = self.backbone[1](mask)
        tokens = self.transformer(src, mask, self.query_embed.weight, pos)[-1]
        if self.readout_res == "hemis":
            return self.lh_embed(tokens[:, 0, :]), self.rh_embed(tokens[:, 1, :])
        left = torch.stack([self.lh_embed_0(tokens[:, k, :]) for k in range(8)], dim=2)
        right = torch.stack([self.rh_embed_0(tokens[:, 8 + k, :]) for k in range(8)], dim=2)
        return left, right


def select_by_label(prediction, labels, label_count):
    """engine.py's evaluate: sum over ROI labels of one-hot(label == k) * prediction of query k."""
    prediction = prediction[:, :, :label_count]
    one_hot = torch.vstack([torch.where(labels == k, 1, 0) for k in range(label_count)])
    one_hot = torch.tile(one_hot[:, :, None], (1, 1, prediction.shape[0])).permute(2, 1, 0)
    return torch.sum(torch.mul(one_hot, prediction), dim=2)


def write_subject(root, labels_by_class):
    """roi_masks/ of an Algonauts 2023 subject whose challenge space is the replica's vertices."""
    folder = os.path.join(root, "subj01", "roi_masks")
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(7)
    for hemi, count in (("lh", LEFT), ("rh", RIGHT)):
        where = np.sort(rng.choice(FSAVERAGE, count, replace=False))
        mask = np.zeros(FSAVERAGE, dtype=np.int64)
        mask[where] = 1
        np.save(os.path.join(folder, f"{hemi}.all-vertices_fsaverage_space.npy"), mask)
        for roi_class, labels in labels_by_class.items():
            values = labels[hemi].numpy().astype(np.int32)
            np.save(os.path.join(folder, f"{hemi}.{roi_class}_challenge_space.npy"), values)
            full = np.zeros(FSAVERAGE, dtype=np.int32)
            full[where] = values
            np.save(os.path.join(folder, f"{hemi}.{roi_class}_fsaverage_space.npy"), full)
    for roi_class, count in ROI_CLASSES.items():
        mapping = {k: "Unknown" if k == 0 else f"roi{k}" for k in range(count)}
        np.save(os.path.join(folder, f"mapping_{roi_class}.npy"), mapping, allow_pickle=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("output_dir")
    parser.add_argument("--hidden-dim", type=int, default=32)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--dec-layers", type=int, default=1)
    parser.add_argument("--readout", default="streams_inc", choices=sorted(READOUT_CLASS))
    options = parser.parse_args()
    os.makedirs(options.output_dir, exist_ok=True)
    torch.manual_seed(2023)

    # main.py's arguments (its defaults, with the sizes of this replica).
    args = argparse.Namespace(
        lr=1e-4, lr_backbone=1e-5, batch_size=32, weight_decay=1e-4, epochs=20, lr_drop=200,
        clip_max_norm=0.1, subj="01", run=1, data_dir="../algonauts_2023_challenge_data/subj01",
        saved_feats=None, decoder_arch="transformer", readout_res=options.readout, resume=None,
        frozen_weights=None, pretrained=None, frozen_params="backbone input_proj",
        backbone="dinov2", dilation=False, position_embedding="sine", enc_layers=0,
        dec_layers=options.dec_layers, dim_feedforward=48, hidden_dim=options.hidden_dim,
        dropout=0.1, nheads=options.heads, num_queries=2 if options.readout == "hemis" else 16,
        pre_norm=False, enc_output_layer=1, output_layer="backbone", masks=False, aux_loss=False,
        num_classes=1, task="algonauts", distributed=0, output_dir="./results/",
        device="cpu", seed=42, start_epoch=0, eval=False, num_workers=2, save_model=1,
        rois_ind=5 if options.readout != "visuals" else 0, roi_nums=8, lh_vs=LEFT, rh_vs=RIGHT,
        best_val_acc=0, val_mean_corr=np.float64(0.4742))
    roi_class = READOUT_CLASS[options.readout]
    labels_by_class = {name: {"lh": torch.randint(0, count, (LEFT,)),
                              "rh": torch.randint(0, count, (RIGHT,))}
                       for name, count in ROI_CLASSES.items()}
    model = AdeliModel(args)
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if "norm" in name:
                parameter.add_(0.2 * torch.randn_like(parameter))
            elif name.endswith("bias"):
                parameter.copy_(0.3 * torch.randn_like(parameter))
    train_params = [n for n, p in model.named_parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad],
                                  lr=args.lr, weight_decay=args.weight_decay)
    lr_scheduler = torch.optim.lr_scheduler.StepLR(optimizer, args.lr_drop)
    width = args.hidden_dim
    features = torch.randn(BATCH, width, *GRID)

    # One training step, so that the saved optimizer state holds real tensors.
    model.train()
    left, right = model(features)
    (left.square().mean() + right.square().mean()).backward()
    optimizer.step()
    lr_scheduler.step()

    model.eval()
    with torch.no_grad():
        left, right = model(features)
        if options.readout != "hemis":
            labels = labels_by_class[roi_class]
            left = select_by_label(left, labels["lh"], ROI_CLASSES[roi_class])
            right = select_by_label(right, labels["rh"], ROI_CLASSES[roi_class])
        prediction = torch.cat([left, right], dim=1)
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "train_params": train_params, "lr_scheduler": lr_scheduler.state_dict(),
                "epoch": 10, "args": args},
               os.path.join(options.output_dir, "checkpoint_.pth"))
    write_subject(options.output_dir, labels_by_class)
    cases = {"features": features.flatten(2).transpose(1, 2).contiguous(),
             "grid": torch.tensor(GRID), "prediction": prediction}
    for name, labels in labels_by_class.items():
        cases.update({f"{name}.{hemi}": values for hemi, values in labels.items()})
    torch.save(cases,
               os.path.join(options.output_dir, "adeli_cases.pth"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
