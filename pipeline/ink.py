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


def gray_quantile(gray: np.ndarray, q: float) -> float:
    """``np.percentile(gray, 100 * q)`` of a uint8 image, from its histogram.

    Exactly numpy's linear interpolation, without sorting a page's millions of
    pixels (the page median is asked for by several stages).
    """
    counts = cv2.calcHist([np.ascontiguousarray(gray, dtype=np.uint8)], [0], None, [256], [0, 256]).ravel()
    position = q * (gray.size - 1)
    below = int(np.floor(position))
    cumulative = np.cumsum(counts.astype(np.int64))
    low = int(np.searchsorted(cumulative, below, side="right"))
    high = int(np.searchsorted(cumulative, min(below + 1, gray.size - 1), side="right"))
    return low + (position - below) * (high - low)


def gray_median(gray: np.ndarray) -> float:
    return gray_quantile(gray, 0.5)


def inked_spans(inked: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) of every run of True in a 1-D projection (rows or columns holding ink)."""
    edges = np.flatnonzero(np.diff(np.concatenate(([0], inked.astype(np.int8), [0]))))
    return list(zip(edges[0::2].tolist(), edges[1::2].tolist()))
