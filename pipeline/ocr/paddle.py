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

from models.weights import OcrModelPaths, resolve_lexicon, resolve_ocr_models
from pipeline.objects import BBox
from pipeline.ocr.base import Recognition
from pipeline.ocr.confidence import weakest_character_decoder
from pipeline.ocr.lexicon import Lexicon, load_lexicon


# Characters PP-OCRv4 systematically emits for another one in these forms:
# the enumeration comma 、 comes out as the radical 丶 (never used in prose), and
# 口 as the white square □ (窗□ for 窗口; no form's text holds a box).
PPOCR_CONFUSABLES = str.maketrans({"丶": "、", "□": "口"})

# The manifest's paddle-format weights: this engine loads them whatever the
# manifest's ``chosen`` is (ONNX weights go to ``paddle_onnx.PaddleOnnxEngine``).
PADDLE_WEIGHTS = "ppocrv4-paddle"


def recognitions_from_paddle(raw: Any, expected: int, *, fix_confusables: bool = True) -> list[Recognition]:
    """Convert ``PaddleOCR.ocr(crops, det=False)`` output, ``[[(text, score), ...]]``."""
    pairs = raw[0] if raw else []
    if len(pairs) != expected:
        raise ValueError(f"recogniser returned {len(pairs)} results for {expected} crops")
    out = []
    for text, score, *extra in pairs:
        score = float(score)
        text = str(text).translate(PPOCR_CONFUSABLES) if fix_confusables else str(text)
        readings = extra[0] if extra and isinstance(extra[0], tuple) else ()
        out.append(Recognition(text=text, confidence=0.0 if np.isnan(score) else score, readings=readings))
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


def as_bgr(image: np.ndarray) -> np.ndarray:
    image = np.ascontiguousarray(image, dtype=np.uint8)
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    return image


class PaddleEngine:
    """``OcrEngine`` backed by ``paddleocr.PaddleOCR`` (recipe of shared/notes/ocr-probe.md)."""

    def __init__(self, paths: OcrModelPaths | None = None, *, cpu_threads: int | None = None,
                 enable_mkldnn: bool = True, rec_batch_num: int = 8, det_limit_side_len: int = 1600,
                 fix_confusables: bool = True, rec_min_width: int = 320, use_lexicon: bool = True):
        self.paths = paths
        self.cpu_threads = cpu_threads or os.cpu_count() or 1
        self.enable_mkldnn = enable_mkldnn
        self.rec_batch_num = rec_batch_num
        # Detection runs on regions (title strips, loose notes), not whole pages:
        # cap the long side instead of blowing the short side up to 736 px.
        self.det_limit_side_len = det_limit_side_len
        self.fix_confusables = fix_confusables
        # Crops narrower than this are padded up to it before recognition (paddleocr's default: 320).
        self.rec_min_width = rec_min_width
        # Choose among a doubtful character's readings by the words they make (pipeline.ocr.lexicon).
        self.use_lexicon = use_lexicon
        self.load_seconds: float | None = None
        self._ocr: Any = None

    def load(self) -> "PaddleEngine":
        if self._ocr is None:
            started = time.perf_counter()
            paths = self.paths or resolve_ocr_models(PADDLE_WEIGHTS)
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
                rec_image_shape=f"3, 48, {self.rec_min_width}",
                det_limit_type="max", det_limit_side_len=self.det_limit_side_len,
            )
            self.paths = paths
            recognizer = self._ocr.text_recognizer
            recognizer.postprocess_op = weakest_character_decoder(recognizer.postprocess_op,
                                                                  lexicon=self.lexicon())
            self.load_seconds = time.perf_counter() - started
        return self

    def lexicon(self) -> Lexicon | None:
        return load_lexicon(resolve_lexicon()) if self.use_lexicon else None

    def _raw_recognize(self, crops: list[np.ndarray]) -> Any:
        return self.load()._ocr.ocr(crops, det=False, rec=True, cls=False)

    def _raw_detect(self, image: np.ndarray) -> Any:
        return self.load()._ocr.ocr(image, det=True, rec=False, cls=False)

    def recognize(self, crops: Sequence[np.ndarray]) -> list[Recognition]:
        results: list[Recognition] = [Recognition("", 0.0)] * len(crops)
        usable = [i for i, c in enumerate(crops) if c.size and min(c.shape[:2]) >= 2]
        if usable:
            raw = self._raw_recognize([as_bgr(crops[i]) for i in usable])
            for i, rec in zip(usable, recognitions_from_paddle(raw, len(usable), fix_confusables=self.fix_confusables)):
                results[i] = rec
        return results

    def detect(self, image: np.ndarray) -> list[BBox]:
        if not image.size:
            return []
        return boxes_from_paddle(self._raw_detect(as_bgr(image)))
