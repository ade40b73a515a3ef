"""Line confidence from the least sure character, not the mean.

PaddleOCR's CTC decoder averages the character probabilities of a line, so
one misread character among twenty barely moves the score and a wrong cell
sails through as confident.  The weakest character's probability is what a
reviewer needs: a line is as doubtful as its most doubtful character.
"""
from __future__ import annotations

from typing import Any

import numpy as np


def weakest_character_decoder(original: Any) -> Any:
    """A CTC decoder that reads the same text as ``original`` but scores lines by their weakest character."""
    class WeakestCharacterDecode(type(original)):
        def decode(self, text_index, text_prob=None, is_remove_duplicate=False, return_word_box=False):
            results = super().decode(text_index, text_prob, is_remove_duplicate, return_word_box)
            if text_prob is None:
                return results
            rescored = []
            for batch, result in enumerate(results):
                probs = _kept_probabilities(text_index[batch], text_prob[batch], is_remove_duplicate,
                                            self.get_ignored_tokens())
                rescored.append((result[0], float(probs.min()) if probs.size else 0.0, *result[2:]))
            return rescored

    decoder = WeakestCharacterDecode.__new__(WeakestCharacterDecode)
    decoder.__dict__.update(original.__dict__)      # same dictionary and settings as the one replaced
    return decoder


def _kept_probabilities(indices: np.ndarray, probs: np.ndarray, remove_duplicates: bool, ignored) -> np.ndarray:
    selection = np.ones(len(indices), dtype=bool)
    if remove_duplicates:
        selection[1:] = indices[1:] != indices[:-1]
    for token in ignored:
        selection &= indices != token
    return probs[selection]
