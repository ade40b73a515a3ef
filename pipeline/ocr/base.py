"""The OCR engine protocol (img2table style): recognise line crops, detect text boxes.

Engines work in pixels of the image they are given; stages above convert to
PDF points. Crops and images are ``uint8`` arrays, gray (H, W) or BGR (H, W, 3).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from pipeline.objects import BBox
from pipeline.ocr.lexicon import CharReading, Lexicon


@dataclass(frozen=True)
class Recognition:
    """What the recogniser read in one single-line crop.

    ``readings``: the line's characters with the recogniser's other readings of
    doubtful ones, where the engine gives them (a wrapped word's halves are
    chosen between lines, ``pipeline.ocr.lexicon.Lexicon.choose_across``)."""
    text: str
    confidence: float
    readings: tuple[CharReading, ...] = ()


@runtime_checkable
class OcrEngine(Protocol):
    def recognize(self, crops: Sequence[np.ndarray]) -> list[Recognition]:
        """One ``Recognition`` per crop, in the order given (each crop holds one text line)."""
        ...

    def detect(self, image: np.ndarray) -> list[BBox]:
        """Axis-aligned boxes (pixels of ``image``) of the text lines found in it."""
        ...


@runtime_checkable
class WordChoosingEngine(OcrEngine, Protocol):
    """An engine that chooses doubtful characters by the words they make, and lends its word
    lexicon to choices spanning several crops (a word wrapped between lines)."""
    def lexicon(self) -> Lexicon | None:
        ...
