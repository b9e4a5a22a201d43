"""Comparing decoded pictures: the PSNR of their luma, as the clip and smart-cut checks (and
`bench/clip.py`) measure "this frame is that frame"."""

from __future__ import annotations

import numpy as np


def psnr(one: np.ndarray | bytes, two: np.ndarray | bytes) -> float:
    """Peak signal-to-noise ratio of two 8-bit luma planes, in dB (99 when identical)."""
    a, b = (
        np.asarray(np.frombuffer(x, np.uint8) if isinstance(x, bytes) else x, dtype=np.float64)
        for x in (one, two)
    )
    if a.shape != b.shape:
        raise ValueError(f"pictures of different sizes: {a.shape} and {b.shape}")
    mse = float(np.mean((a - b) ** 2))
    return 99.0 if mse == 0 else float(10 * np.log10(255**2 / mse))
