"""Ink measurements shared by the scan stages."""
from __future__ import annotations

import cv2
import numpy as np


def labelled_minima(gray: np.ndarray, ink: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """8-connected ink components: (labels, darkest gray level per label, OpenCV stats per label); label 0 is paper."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)
    minima = np.full(n, 255, dtype=np.int32)
    np.minimum.at(minima, labels[ink], gray[ink].astype(np.int32))
    return labels, minima, stats


def component_minima(gray: np.ndarray, ink: np.ndarray, min_area: float = 0.0) -> np.ndarray:
    """The darkest gray level of each ink component at least ``min_area`` pixels large."""
    if not ink.any():
        return np.empty(0)
    _, minima, stats = labelled_minima(gray, ink)
    big = stats[:, cv2.CC_STAT_AREA] >= min_area
    big[0] = False
    return minima[big]
