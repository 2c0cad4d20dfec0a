#!/usr/bin/python3
"""Test oracle for the C++ DINOv2 image encoder (tests/unit/model/test_model_dinov2.cpp).

Builds small random-weight Vision Transformers with DINOv2's layout and parameter names, written
here from the architecture description in bmfl-spec.md section 5.1, and saves for each variant:
  <name>_state_dict.pth  torch.save of the state dict (zip format)
  <name>_wrapped.pth     the same state dict as a training checkpoint: {"teacher": {"backbone.*"}}
  <name>_scripted.pt     torch.jit.script of the model (TorchScript archive)
  <name>_cases.pth       {"input_<i>", "cls_<i>", "patches_<i>", "last_query_<i>"} for each input
Usage: /usr/bin/python3 dinov2_reference.py OUTPUT_DIR
"""
import math
import os
import sys
from typing import List, Tuple

import torch
from torch import nn
import torch.nn.functional as F


class Attention(nn.Module):
    def __init__(self, dim: int, heads: int):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        batch, tokens, dim = x.shape
        head_dim = dim // self.heads
        qkv = self.qkv(x)
        query = qkv[:, :, :dim]
        q, k, v = qkv.reshape(batch, tokens, 3, self.heads, head_dim).permute(2, 0, 3, 1, 4).unbind(0)
        weights = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(head_dim), dim=-1)
        out = (weights @ v).transpose(1, 2).reshape(batch, tokens, dim)
        return self.proj(out), query


class LayerScale(nn.Module):
    def __init__(self, dim: int):
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.gamma


class Mlp(nn.Module):
    def __init__(self, dim: int, hidden: int):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(F.gelu(self.fc1(x)))


class Block(nn.Module):
    def __init__(self, dim: int, heads: int, mlp_ratio: float, eps: float):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=eps)
        self.attn = Attention(dim, heads)
        self.ls1 = LayerScale(dim)
        self.norm2 = nn.LayerNorm(dim, eps=eps)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))
        self.ls2 = LayerScale(dim)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        attended, query = self.attn(self.norm1(x))
        x = x + self.ls1(attended)
        x = x + self.ls2(self.mlp(self.norm2(x)))
        return x, query


class VisionTransformer(nn.Module):
    def __init__(self, dim: int, depth: int, heads: int, patch: int, grid: int, registers: int,
                 offset: float, antialias: bool, eps: float = 1e-6, mlp_ratio: float = 4.0):
        super().__init__()
        self.patch = patch
        self.grid = grid
        self.registers = registers
        self.offset = offset
        self.antialias = antialias
        self.patch_embed = nn.Module()
        self.patch_embed.proj = nn.Conv2d(3, dim, kernel_size=patch, stride=patch)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, 1 + grid * grid, dim))
        if registers > 0:
            self.register_tokens = nn.Parameter(torch.zeros(1, registers, dim))
        else:
            self.register_tokens = None
        self.mask_token = nn.Parameter(torch.zeros(1, dim))
        self.blocks = nn.ModuleList([Block(dim, heads, mlp_ratio, eps) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim, eps=eps)

    def position_embedding(self, grid_h: int, grid_w: int) -> torch.Tensor:
        if grid_h == self.grid and grid_w == self.grid:
            return self.pos_embed
        dim = self.pos_embed.shape[-1]
        patch_grid = self.pos_embed[:, 1:].reshape(1, self.grid, self.grid, dim).permute(0, 3, 1, 2)
        if self.offset != 0.0:
            scale: List[float] = [(grid_h + self.offset) / self.grid, (grid_w + self.offset) / self.grid]
            resized = F.interpolate(patch_grid, scale_factor=scale, mode="bicubic",
                                    align_corners=False, recompute_scale_factor=False,
                                    antialias=self.antialias)
        else:
            resized = F.interpolate(patch_grid, size=[grid_h, grid_w], mode="bicubic",
                                    align_corners=False, antialias=self.antialias)
        assert resized.shape[-2] == grid_h and resized.shape[-1] == grid_w
        patch_pos = resized.permute(0, 2, 3, 1).reshape(1, grid_h * grid_w, dim)
        return torch.cat([self.pos_embed[:, :1], patch_pos], dim=1)

    def forward(self, images: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        batch = images.shape[0]
        grid_h = images.shape[2] // self.patch
        grid_w = images.shape[3] // self.patch
        x = self.patch_embed.proj(images).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls_token.expand(batch, -1, -1), x], dim=1)
        x = x + self.position_embedding(grid_h, grid_w)
        if self.register_tokens is not None:
            x = torch.cat([x[:, :1], self.register_tokens.expand(batch, -1, -1), x[:, 1:]], dim=1)
        query = x
        for block in self.blocks:
            x, query = block(x)
        x = self.norm(x)
        first_patch = 1 + self.registers
        return x[:, 0], x[:, first_patch:], query[:, first_patch:]


def randomise(model: nn.Module, generator: torch.Generator) -> None:
    """Weights far from their initial values, so every parameter visibly shapes the output."""
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            noise = torch.randn(parameter.shape, generator=generator)
            if name.endswith("gamma") or "norm" in name and name.endswith("weight"):
                parameter.copy_(1.0 + 0.3 * noise)
            elif name.endswith("bias") or "token" in name or "pos_embed" in name:
                parameter.copy_(0.5 * noise)
            else:
                fan_in = parameter[0].numel() if parameter.dim() > 1 else 1
                parameter.copy_(noise / math.sqrt(fan_in))


VARIANTS = {
    # DINOv2's ViT layout with 64-wide heads (so the config can be inferred), no registers:
    # scale-factor interpolation with offset 0.1, no antialiasing.
    "vit_d128_h2": dict(dim=128, depth=3, heads=2, patch=14, grid=4, registers=0, offset=0.1,
                        antialias=False),
    # Registers, size-based antialiased interpolation, a head width other than 64.
    "vit_d48_h4_reg4": dict(dim=48, depth=3, heads=4, patch=14, grid=4, registers=4, offset=0.0,
                            antialias=True),
}
# Square at the learned grid (no interpolation), non-square downsampling, non-square upsampling.
INPUT_SIZES = [(1, 56, 56), (3, 42, 70), (2, 84, 98)]


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: dinov2_reference.py OUTPUT_DIR", file=sys.stderr)
        return 2
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    torch.set_num_threads(1)
    generator = torch.Generator().manual_seed(20240827)
    for name, spec in VARIANTS.items():
        model = VisionTransformer(**spec).eval()
        randomise(model, generator)
        state = model.state_dict()
        torch.save(state, os.path.join(out_dir, name + "_state_dict.pth"))
        wrapped = {"teacher": {"backbone." + key: value for key, value in state.items()},
                   "iteration": 12}
        wrapped["teacher"]["dino_head.last_layer.weight"] = torch.zeros(2, 2)
        torch.save(wrapped, os.path.join(out_dir, name + "_wrapped.pth"))
        torch.jit.script(model).save(os.path.join(out_dir, name + "_scripted.pt"))
        cases = {}
        with torch.no_grad():
            for index, (batch, height, width) in enumerate(INPUT_SIZES):
                images = torch.randn(batch, 3, height, width, generator=generator)
                cls, patches, last_query = model(images)
                cases["input_%d" % index] = images
                cases["cls_%d" % index] = cls
                cases["patches_%d" % index] = patches
                cases["last_query_%d" % index] = last_query
        torch.save(cases, os.path.join(out_dir, name + "_cases.pth"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
