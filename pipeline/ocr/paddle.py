"""PaddleOCR 2.10 adapter (PP-OCRv4, paddle inference on CPU).

The engine is an explicit object: create one per process and pass it to the
stages that need it. It loads the models on first use (or ``load()``), from
the folders ``models.weights.resolve_ocr_models`` verified; every model
folder is passed explicitly, which is what keeps paddleocr from downloading.
The raw engine calls (``_raw_*``) are kept apart from the conversion to our
types (``recognitions_from_paddle``, ``boxes_from_paddle``).
"""
from __future__ import annotations

import os
import time
import warnings
from collections.abc import Sequence
from typing import Any

import cv2
import numpy as np

from models.weights import OcrModelPaths, resolve_ocr_models
from pipeline.objects import BBox
from pipeline.ocr.base import Recognition


def recognitions_from_paddle(raw: Any, expected: int) -> list[Recognition]:
    """Convert ``PaddleOCR.ocr(crops, det=False)`` output, ``[[(text, score), ...]]``."""
    pairs = raw[0] if raw else []
    if len(pairs) != expected:
        raise ValueError(f"recogniser returned {len(pairs)} results for {expected} crops")
    out = []
    for text, score in pairs:
        score = float(score)
        out.append(Recognition(text=str(text), confidence=0.0 if np.isnan(score) else score))
    return out


def boxes_from_paddle(raw: Any) -> list[BBox]:
    """Convert ``PaddleOCR.ocr(image, rec=False)`` output, ``[[quad, ...]]`` or ``[None]``, to boxes."""
    quads = raw[0] if raw else None
    boxes = []
    for quad in quads or []:
        xs = [float(p[0]) for p in quad]
        ys = [float(p[1]) for p in quad]
        boxes.append(BBox(min(xs), min(ys), max(xs), max(ys)))
    return boxes


# Width/height ratios the recogniser's input is padded to. paddle's MKLDNN
# kernels are cached per input shape (10 shapes at most): with one shape per
# batch, a page of free-width line crops keeps rebuilding them (slow, and the
# RSS grows to GBs). Padding each crop with paper to a ratio from this short
# list makes batches share shapes. Integer ratios keep width = 48 * ratio exact.
RATIO_BUCKETS = (7, 10, 14, 20, 28, 40, 56, 80, 112, 160)


def ratio_bucket(width: int, height: int) -> int:
    ratio = width / max(1, height)
    for bucket in RATIO_BUCKETS:
        if ratio <= bucket:
            return bucket
    return int(np.ceil(ratio / RATIO_BUCKETS[-1])) * RATIO_BUCKETS[-1]


def pad_to_ratio_bucket(image: np.ndarray) -> np.ndarray:
    """Pad on the right with the image's paper colour up to the next bucketed width/height ratio."""
    h, w = image.shape[:2]
    target = ratio_bucket(w, h) * h
    if target <= w:
        return image
    paper = int(np.percentile(image, 95))
    return cv2.copyMakeBorder(image, 0, 0, 0, target - w, cv2.BORDER_CONSTANT, value=(paper, paper, paper))


def as_bgr(image: np.ndarray) -> np.ndarray:
    image = np.ascontiguousarray(image, dtype=np.uint8)
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    return image


class PaddleEngine:
    """``OcrEngine`` backed by ``paddleocr.PaddleOCR`` (recipe of shared/notes/ocr-probe.md)."""

    def __init__(self, paths: OcrModelPaths | None = None, *, cpu_threads: int | None = None,
                 enable_mkldnn: bool = True, rec_batch_num: int = 8, det_limit_side_len: int = 1600):
        self.paths = paths
        self.cpu_threads = cpu_threads or os.cpu_count() or 1
        self.enable_mkldnn = enable_mkldnn
        self.rec_batch_num = rec_batch_num
        # Detection runs on regions (title strips, loose notes), not whole pages:
        # cap the long side instead of blowing the short side up to 736 px.
        self.det_limit_side_len = det_limit_side_len
        self.load_seconds: float | None = None
        self._ocr: Any = None

    def load(self) -> "PaddleEngine":
        if self._ocr is None:
            started = time.perf_counter()
            paths = self.paths or resolve_ocr_models()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")   # paddle warns about ccache on import
                from paddleocr import PaddleOCR
            self._ocr = PaddleOCR(
                det_model_dir=str(paths.det_dir),
                rec_model_dir=str(paths.rec_dir),
                cls_model_dir=str(paths.cls_dir),   # required: without it paddleocr downloads one
                rec_char_dict_path=str(paths.rec_char_dict),
                use_angle_cls=False, lang="ch", ocr_version="PP-OCRv4",
                use_gpu=False, show_log=False, enable_mkldnn=self.enable_mkldnn,
                cpu_threads=self.cpu_threads, rec_batch_num=self.rec_batch_num,
                det_limit_type="max", det_limit_side_len=self.det_limit_side_len,
            )
            self.paths = paths
            self.load_seconds = time.perf_counter() - started
        return self

    def _raw_recognize(self, crops: list[np.ndarray]) -> Any:
        return self.load()._ocr.ocr(crops, det=False, rec=True, cls=False)

    def _raw_detect(self, image: np.ndarray) -> Any:
        return self.load()._ocr.ocr(image, det=True, rec=False, cls=False)

    def recognize(self, crops: Sequence[np.ndarray]) -> list[Recognition]:
        results: list[Recognition] = [Recognition("", 0.0)] * len(crops)
        usable = [i for i, c in enumerate(crops) if c.size and min(c.shape[:2]) >= 2]
        if usable:
            raw = self._raw_recognize([pad_to_ratio_bucket(as_bgr(crops[i])) for i in usable])
            for i, rec in zip(usable, recognitions_from_paddle(raw, len(usable))):
                results[i] = rec
        return results

    def detect(self, image: np.ndarray) -> list[BBox]:
        if not image.size:
            return []
        return boxes_from_paddle(self._raw_detect(as_bgr(image)))
