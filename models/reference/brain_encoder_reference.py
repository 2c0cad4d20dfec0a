#!/usr/bin/python3
"""Test oracle for the C++ brain encoder (tests/unit/model/test_model_heads.cpp).

The visual encoding model of Adeli et al. 2023 as described in bmfl-spec.md section 2.1, written
here with torch.nn.MultiheadAttention (sequence-first, as DETR uses it): image tokens projected to
the decoder width, DETR's sine position encoding, post-norm decoder layers over learned queries
(K per hemisphere), a final LayerNorm, one Linear readout per hemisphere, and each vertex taking
the prediction of its own label's query. Parameter names match the C++ module, so the saved
state dict loads into it key for key. Writes into OUTPUT_DIR:
  brain_encoder_state_dict.pth   the weights (and the label buffers)
  brain_encoder_cases.pth        {"features", "grid", "left_labels", "right_labels",
                                  "prediction", "query_tokens"}
Usage: /usr/bin/python3 brain_encoder_reference.py OUTPUT_DIR
"""
import math
import os
import sys

import torch
from torch import nn
import torch.nn.functional as F

WIDTH, HEADS, FEED_FORWARD, LAYERS, FEATURE_DIM = 32, 4, 48, 2, 40
LABELS = 3  # queries per hemisphere
LEFT, RIGHT = 23, 17
GRID = (3, 5)
BATCH = 2


def sine_position_encoding(height: int, width: int, channels: int) -> torch.Tensor:
    """DETR's PositionEmbeddingSine(normalize=True, scale=2*pi, temperature=10000), [h*w, C]."""
    features = channels // 2
    eps = 1e-6
    y = torch.arange(1, height + 1, dtype=torch.float64) / (height + eps) * 2 * math.pi
    x = torch.arange(1, width + 1, dtype=torch.float64) / (width + eps) * 2 * math.pi
    dim_t = 10000.0 ** (2 * (torch.arange(features, dtype=torch.float64) // 2) / features)
    pos_y = y[:, None] / dim_t
    pos_x = x[:, None] / dim_t
    pos_y = torch.stack((pos_y[:, 0::2].sin(), pos_y[:, 1::2].cos()), dim=2).flatten(1)
    pos_x = torch.stack((pos_x[:, 0::2].sin(), pos_x[:, 1::2].cos()), dim=2).flatten(1)
    grid = torch.cat([pos_y[:, None, :].expand(height, width, features),
                      pos_x[None, :, :].expand(height, width, features)], dim=2)
    return grid.reshape(height * width, channels).float()


class DecoderLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.self_attn = nn.MultiheadAttention(WIDTH, HEADS)
        self.multihead_attn = nn.MultiheadAttention(WIDTH, HEADS)
        self.linear1 = nn.Linear(WIDTH, FEED_FORWARD)
        self.linear2 = nn.Linear(FEED_FORWARD, WIDTH)
        self.norm1 = nn.LayerNorm(WIDTH)
        self.norm2 = nn.LayerNorm(WIDTH)
        self.norm3 = nn.LayerNorm(WIDTH)

    def forward(self, tgt, memory, pos, query_pos):  # all sequence-first [L, B, C]
        q = k = tgt + query_pos
        tgt = self.norm1(tgt + self.self_attn(q, k, tgt)[0])
        tgt = self.norm2(tgt + self.multihead_attn(tgt + query_pos, memory + pos, memory)[0])
        return self.norm3(tgt + self.linear2(F.relu(self.linear1(tgt))))


class BrainEncoder(nn.Module):
    def __init__(self, left_labels, right_labels):
        super().__init__()
        self.input_proj = nn.Linear(FEATURE_DIM, WIDTH)
        self.query_embed = nn.Embedding(2 * LABELS, WIDTH)
        self.decoder_layers = nn.ModuleList([DecoderLayer() for _ in range(LAYERS)])
        self.decoder_norm = nn.LayerNorm(WIDTH)
        self.lh_embed = nn.Linear(WIDTH, LEFT)
        self.rh_embed = nn.Linear(WIDTH, RIGHT)
        self.register_buffer("lh_labels", left_labels)
        self.register_buffer("rh_labels", right_labels)

    def forward(self, features, grid_h: int, grid_w: int):
        batch = features.shape[0]
        memory = self.input_proj(features).transpose(0, 1)
        pos = sine_position_encoding(grid_h, grid_w, WIDTH)[:, None, :]
        query_pos = self.query_embed.weight[:, None, :].expand(-1, batch, -1)
        tgt = torch.zeros_like(query_pos)
        for layer in self.decoder_layers:
            tgt = layer(tgt, memory, pos, query_pos)
        tokens = self.decoder_norm(tgt).transpose(0, 1)  # [B, 2K, C]
        left = self.lh_embed(tokens[:, :LABELS])   # [B, K, V_left]
        right = self.rh_embed(tokens[:, LABELS:])  # [B, K, V_right]
        one_hot_left = F.one_hot(self.lh_labels, LABELS).t().float()  # [K, V_left]
        one_hot_right = F.one_hot(self.rh_labels, LABELS).t().float()
        prediction = torch.cat([(left * one_hot_left).sum(1), (right * one_hot_right).sum(1)], dim=1)
        return prediction, tokens


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: brain_encoder_reference.py OUTPUT_DIR", file=sys.stderr)
        return 2
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    torch.manual_seed(2023)
    left_labels = torch.randint(0, LABELS, (LEFT,))
    right_labels = torch.randint(0, LABELS, (RIGHT,))
    model = BrainEncoder(left_labels, right_labels).eval()
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if name.startswith("norm") or ".norm" in name or name.startswith("decoder_norm"):
                parameter.add_(0.2 * torch.randn_like(parameter))
            elif name.endswith("bias"):
                parameter.copy_(0.3 * torch.randn_like(parameter))
        features = torch.randn(BATCH, GRID[0] * GRID[1], FEATURE_DIM)
        prediction, tokens = model(features, *GRID)
    torch.save(model.state_dict(), os.path.join(out_dir, "brain_encoder_state_dict.pth"))
    torch.save({"features": features, "grid": torch.tensor(GRID), "left_labels": left_labels,
                "right_labels": right_labels, "prediction": prediction, "query_tokens": tokens},
               os.path.join(out_dir, "brain_encoder_cases.pth"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
