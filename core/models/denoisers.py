"""Denoising networks for diffusion: an MLP for 2-D points and a small U-Net for 28x28 images, both forward(x, t, y=None).

Shared interface (every denoiser):
* ``x``: a batch in model space, (B, d) points or (B, C, H, W) images (pixels mapped to [-1, 1], see frames.py);
* ``t``: int64 step indices (B,) in 0..T, T = ``timesteps`` (the diffusion's number of steps; for the lecture's
  process the step k stands for time k / T). The time embedding sees t * 1000 / T, so it looks the same for any T;
* ``y``: int64 class labels (B,) or None. A conditional denoiser (num_classes > 0) has one extra "null" class with
  index ``num_classes`` meaning "no label" (classifier-free guidance, Ho & Salimans 2022); y = None means all null.
  An unconditional denoiser (num_classes = 0) rejects labels.
The output has the shape of x (eps for DDPM, the lecture's wrapper in lecture.py turns it into f).
"""
from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F


def sinusoidal_embedding(t: torch.Tensor, dim: int, timesteps: int, max_period: float = 10000.0) -> torch.Tensor:
    """Transformer sinusoidal position embedding (Vaswani et al. 2017 Sec. 3.5) of the position t * 1000 / T, as in
    Ho et al. 2020 Appendix B: [sin(p w_i), cos(p w_i)], w_i = max_period^(-i / (dim/2))."""
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
    pos = t.to(torch.float32) * (1000.0 / timesteps)
    args = pos[:, None] * freqs[None, :]
    return torch.cat([torch.sin(args), torch.cos(args)], dim=1)


class ConditionEmbedding(nn.Module):
    """Time embedding (sinusoidal -> Linear -> SiLU -> Linear) plus, if conditional, a learned class embedding."""

    def __init__(self, dim: int, timesteps: int, num_classes: int) -> None:
        super().__init__()
        self.dim = dim
        self.timesteps = timesteps
        self.num_classes = num_classes
        self.time_mlp = nn.Sequential(nn.Linear(dim, dim), nn.SiLU(), nn.Linear(dim, dim))
        # one row per class plus the null class (index num_classes) used when the label is dropped
        self.class_emb = nn.Embedding(num_classes + 1, dim) if num_classes > 0 else None

    def forward(self, t: torch.Tensor, y: torch.Tensor | None) -> torch.Tensor:
        emb = self.time_mlp(sinusoidal_embedding(t, self.dim, self.timesteps))
        if self.class_emb is None:
            if y is not None:
                raise ValueError("this denoiser is unconditional; pass y=None")
            return emb
        if y is None:
            y = torch.full((t.shape[0],), self.num_classes, dtype=torch.long, device=t.device)
        return emb + self.class_emb(y)


def fourier_features(x: torch.Tensor, octaves: int) -> torch.Tensor:
    """[x, sin(2^k x), cos(2^k x)] for k < octaves, per coordinate (the positional encoding of Mildenhall et al.
    2020 eq. 4 / Tancik et al. 2020): lets a small MLP draw sharp 2-D structure (thin moons, rings)."""
    if octaves == 0:
        return x
    freqs = 2.0 ** torch.arange(octaves, dtype=x.dtype, device=x.device)
    xf = (x[:, :, None] * freqs).flatten(1)
    return torch.cat([x, torch.sin(xf), torch.cos(xf)], dim=1)


def _one_row_if_shared(t: torch.Tensor, y: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor | None]:
    """(t[:1], y[:1]) when every row has the same step and label (a sampler's batch: the embedding is then made
    once, not once a point, about 40 % of a 2-D denoiser's work), else (t, y) unchanged."""
    if t.dim() == 1 and len(t) > 1 and bool((t == t[0]).all()) and (y is None or bool((y == y[0]).all())):
        return t[:1], None if y is None else y[:1]
    return t, y


class MLPDenoiser(nn.Module):
    """Denoiser for points in R^d: Fourier features of x, an input layer, `layers` residual SiLU blocks of width
    `hidden`, each shifted by the time (and class) embedding, and a linear read-out."""

    def __init__(
        self, dim: int = 2, hidden: int = 128, layers: int = 3, timesteps: int = 200, num_classes: int = 0,
        emb_dim: int = 64, octaves: int = 4,
    ) -> None:
        super().__init__()
        self.data_shape = (dim,)
        self.num_classes = num_classes
        self.conditional = num_classes > 0
        self.octaves = octaves
        self.embed = ConditionEmbedding(emb_dim, timesteps, num_classes)
        self.inp = nn.Linear(dim * (1 + 2 * octaves), hidden)
        self.cond = nn.ModuleList([nn.Linear(emb_dim, hidden) for _ in range(layers)])
        self.blocks = nn.ModuleList([nn.Linear(hidden, hidden) for _ in range(layers)])
        self.out = nn.Linear(hidden, dim)

    def forward(self, x: torch.Tensor, t: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        c = self.embed(*_one_row_if_shared(t, y))  # (B, emb), or (1, emb) broadcast when every row shares t and y
        h = self.inp(fourier_features(x, self.octaves))
        for block, cond in zip(self.blocks, self.cond):
            h = h + block(F.silu(h + cond(c)))
        return self.out(F.silu(h))


class ResBlock(nn.Module):
    """GroupNorm -> SiLU -> conv3x3, + embedding, GroupNorm -> SiLU -> conv3x3, plus a (1x1) skip (Ho et al. 2020 App. B)."""

    def __init__(self, cin: int, cout: int, emb_dim: int, groups: int = 8) -> None:
        super().__init__()
        self.norm1 = nn.GroupNorm(min(groups, cin), cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.emb = nn.Linear(emb_dim, cout)
        self.norm2 = nn.GroupNorm(min(groups, cout), cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.emb(F.silu(emb))[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return self.skip(x) + h


class SelfAttention(nn.Module):
    """Single-head self-attention over the pixels of the lowest resolution, with a residual connection."""

    def __init__(self, channels: int, groups: int = 8) -> None:
        super().__init__()
        self.norm = nn.GroupNorm(min(groups, channels), channels)
        self.qkv = nn.Conv2d(channels, 3 * channels, 1)
        self.proj = nn.Conv2d(channels, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        q, k, v = self.qkv(self.norm(x)).reshape(b, 3, c, h * w).unbind(1)
        out = F.scaled_dot_product_attention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2))
        return x + self.proj(out.transpose(1, 2).reshape(b, c, h, w))


class UNetDenoiser(nn.Module):
    """A small U-Net for (C, 28, 28) images: widths (base, 2 base, 2 base) at 28 -> 14 -> 7, one residual block per
    level on the way down, one per level (with the skip concatenated) on the way up, attention at 7x7, GroupNorm and
    SiLU (after Ho et al. 2020 App. B, much smaller). Any H, W divisible by 4 work."""

    def __init__(
        self, data_shape: tuple[int, int, int] = (1, 28, 28), base: int = 32, timesteps: int = 200,
        num_classes: int = 0,
    ) -> None:
        super().__init__()
        c_in, height, width = data_shape
        if height % 4 or width % 4:
            raise ValueError("image height and width must be divisible by 4")
        self.data_shape = tuple(data_shape)
        self.num_classes = num_classes
        self.conditional = num_classes > 0
        emb = 4 * base
        w1, w2 = base, 2 * base
        self.embed = ConditionEmbedding(emb, timesteps, num_classes)
        self.conv_in = nn.Conv2d(c_in, w1, 3, padding=1)
        self.down1 = ResBlock(w1, w1, emb)                      # 28x28
        self.pool1 = nn.Conv2d(w1, w1, 3, stride=2, padding=1)  # -> 14x14
        self.down2 = ResBlock(w1, w2, emb)
        self.pool2 = nn.Conv2d(w2, w2, 3, stride=2, padding=1)  # -> 7x7
        self.down3 = ResBlock(w2, w2, emb)
        self.mid1 = ResBlock(w2, w2, emb)
        self.attn = SelfAttention(w2)
        self.mid2 = ResBlock(w2, w2, emb)
        self.up3 = ResBlock(2 * w2, w2, emb)                    # 7x7, skip from down3
        self.unpool2 = nn.Conv2d(w2, w2, 3, padding=1)          # after nearest x2 -> 14x14
        self.up2 = ResBlock(2 * w2, w2, emb)                    # skip from down2
        self.unpool1 = nn.Conv2d(w2, w2, 3, padding=1)          # -> 28x28
        self.up1 = ResBlock(w2 + w1, w1, emb)                   # skip from down1
        self.norm_out = nn.GroupNorm(8, w1)
        self.conv_out = nn.Conv2d(w1, c_in, 3, padding=1)
        nn.init.zeros_(self.conv_out.weight)  # start by predicting 0 (Ho et al. 2020 / ADM zero-init of the output)
        nn.init.zeros_(self.conv_out.bias)

    def forward(self, x: torch.Tensor, t: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        e = self.embed(t, y)
        h1 = self.down1(self.conv_in(x), e)
        h2 = self.down2(self.pool1(h1), e)
        h3 = self.down3(self.pool2(h2), e)
        h = self.mid2(self.attn(self.mid1(h3, e)), e)
        h = self.up3(torch.cat([h, h3], 1), e)
        h = self.unpool2(F.interpolate(h, scale_factor=2.0, mode="nearest"))
        h = self.up2(torch.cat([h, h2], 1), e)
        h = self.unpool1(F.interpolate(h, scale_factor=2.0, mode="nearest"))
        h = self.up1(torch.cat([h, h1], 1), e)
        return self.conv_out(F.silu(self.norm_out(h)))
