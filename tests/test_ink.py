"""Ink measurements shared by the scan stages (no OCR)."""
from __future__ import annotations

import numpy as np
import pytest

from pipeline.ink import gray_median, gray_quantile


@pytest.mark.parametrize("size", [1, 2, 3, 10, 11, 1000, 1001, 12345])
def test_histogram_quantiles_are_numpys(size):
    rng = np.random.default_rng(size)
    for image in (rng.integers(0, 256, size), rng.integers(200, 203, size)):   # spread, and ties
        image = image.astype(np.uint8)
        for q in (0.0, 0.05, 0.25, 0.5, 0.9, 1.0):
            assert gray_quantile(image, q) == pytest.approx(np.percentile(image, 100 * q), abs=1e-9)
        assert gray_median(image) == np.median(image)


def test_median_of_a_page_image():
    page = np.full((300, 200), 235, dtype=np.uint8)
    page[100:140] = 20
    assert gray_median(page) == 235.0
    assert gray_median(page[:, ::3]) == np.median(page[:, ::3])   # a strided view too
