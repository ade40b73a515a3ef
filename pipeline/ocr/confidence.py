"""Line confidence from the least sure character, not the mean.

PaddleOCR's CTC decoder averages the character probabilities of a line, so
one misread character among twenty barely moves the score and a wrong cell
sails through as confident.  The weakest character's probability is what a
reviewer needs: a line is as doubtful as its most doubtful character.

A character's probability counts every dictionary entry that reads the same
once the text is normalised (full-width '）' and ')' , '：' and ':', a
traditional form and its simplified one): the model hesitating between two
spellings of the same reading is no doubt about the reading.
"""
from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import numpy as np


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def weakest_character_decoder(original: Any, reading: Callable[[str], str] = nfkc) -> Any:
    """A CTC decoder that reads the same text as ``original`` but scores lines by their weakest character.

    ``reading`` maps a dictionary character to what it reads as; characters
    with the same reading pool their probabilities.
    """
    class WeakestCharacterDecode(type(original)):
        def __call__(self, preds, label=None, return_word_box=False, *args, **kwargs):
            self._preds = preds[-1] if isinstance(preds, (tuple, list)) else preds
            try:
                return super().__call__(preds, label, return_word_box, *args, **kwargs)
            finally:
                self._preds = None

        def decode(self, text_index, text_prob=None, is_remove_duplicate=False, return_word_box=False):
            results = super().decode(text_index, text_prob, is_remove_duplicate, return_word_box)
            if text_prob is None:
                return results
            if getattr(self, "_preds", None) is not None:
                text_prob = pooled_probabilities(np.asarray(self._preds), text_index, text_prob, self._same_reading)
            rescored = []
            for batch, result in enumerate(results):
                probs = _kept_probabilities(text_index[batch], text_prob[batch], is_remove_duplicate,
                                            self.get_ignored_tokens())
                rescored.append((result[0], float(probs.min()) if probs.size else 0.0, *result[2:]))
            return rescored

    decoder = WeakestCharacterDecode.__new__(WeakestCharacterDecode)
    decoder.__dict__.update(original.__dict__)      # same dictionary and settings as the one replaced
    decoder._preds = None
    decoder._same_reading = same_reading_groups(list(original.character), reading)
    return decoder


def same_reading_groups(characters: list[str], reading: Callable[[str], str]) -> dict[int, np.ndarray]:
    """Class index → indices of every class with the same reading, for classes that share one."""
    by_reading: dict[str, list[int]] = defaultdict(list)
    for index, char in enumerate(characters):
        if index and char:                           # index 0 is CTC's blank
            by_reading[reading(char)].append(index)
    return {index: np.array(members) for members in by_reading.values() if len(members) > 1
            for index in members}


def pooled_probabilities(preds: np.ndarray, text_index: np.ndarray, text_prob: np.ndarray,
                         groups: dict[int, np.ndarray]) -> np.ndarray:
    """``text_prob`` with each chosen class's probability summed over the classes that read the same."""
    pooled = np.array(text_prob, dtype=np.float64, copy=True)
    for index in np.unique(text_index):
        members = groups.get(int(index))
        if members is None:
            continue
        hit = text_index == index
        pooled[hit] = preds[hit][:, members].sum(axis=1)
    return pooled


def _kept_probabilities(indices: np.ndarray, probs: np.ndarray, remove_duplicates: bool, ignored) -> np.ndarray:
    selection = np.ones(len(indices), dtype=bool)
    if remove_duplicates:
        selection[1:] = indices[1:] != indices[:-1]
    for token in ignored:
        selection &= indices != token
    return probs[selection]
