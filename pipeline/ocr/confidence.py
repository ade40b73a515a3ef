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

from pipeline.ocr.lexicon import DOUBT, MIN_HIDDEN, CharReading, Lexicon

# Readings per step offered to the lexicon (the recogniser's top classes).
READINGS_PER_STEP = 5
# Punctuation the recogniser often leaves to the blank, and the weight that puts it back.
HIDDEN_MARKS = frozenset(",、;。“”")      # not ":": where the blank hid a colon-like mark, it was a 、 or a lost character
DIGITS = frozenset("0123456789")
DIGIT_RUN = 3          # steps one digit class holds surely, blank-free, that are two digits
DIGIT_RUN_SURE = 0.9   # ... at this probability or more
SPLIT_DIGIT_DOUBT = 0.5  # the digit put in so: under the confidence floor, the field goes to review
EDGE_STEPS = 5        # steps before a line's first character and after its last still searched for one hidden
MARK_HIDDEN = 0.2     # a 、 ending '宣传推广、' held 0.22 against the blank's 0.76 (typical seed-7 001_01)


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def weakest_character_decoder(original: Any, reading: Callable[[str], str] = nfkc,
                              lexicon: Lexicon | None = None) -> Any:
    """A CTC decoder that reads the same text as ``original`` but scores lines by their weakest character.

    ``reading`` maps a dictionary character to what it reads as; characters
    with the same reading pool their probabilities. With a ``lexicon``, each
    doubtful Chinese character is chosen among the step's readings by the
    words it makes (``pipeline.ocr.lexicon``); where the words overrule the
    recogniser, the line is as doubtful as the character they chose.
    """
    class WeakestCharacterDecode(type(original)):
        def __call__(self, preds, label=None, return_word_box=False, *args, **kwargs):
            self._preds = preds[-1] if isinstance(preds, (tuple, list)) else preds
            try:
                return super().__call__(preds, label, return_word_box, *args, **kwargs)
            finally:
                self._preds = None

        def decode(self, text_index, text_prob=None, is_remove_duplicate=False, return_word_box=False):
            preds = getattr(self, "_preds", None)
            split = None
            if text_prob is not None and preds is not None:
                preds = np.asarray(preds)
                text_index, text_prob = outweighed_blanks(preds, text_index, text_prob, self._same_reading,
                                                          self._marks)
                text_index, split = split_digit_runs(text_index, text_prob, self._digits)
            results = super().decode(text_index, text_prob, is_remove_duplicate, return_word_box)
            if text_prob is None:
                return results
            if preds is not None:
                text_prob = pooled_probabilities(preds, text_index, text_prob, self._same_reading)
                text_prob = np.where(split, np.minimum(text_prob, SPLIT_DIGIT_DOUBT), text_prob)
            rescored = []
            for batch, result in enumerate(results):
                kept = _kept_steps(text_index[batch], is_remove_duplicate, self.get_ignored_tokens())
                probs = list(text_prob[batch][kept])
                text, extra = result[0], result[2:]
                if lexicon is not None and preds is not None:
                    readings = char_readings(preds[batch], text_index[batch], text_prob[batch], kept,
                                             self.character, reading)
                    text, overruled = lexicon.choose(readings)
                    probs += overruled
                    extra = extra or (tuple(readings),)     # passed on to the Recognition
                rescored.append((text, float(min(probs)) if probs else 0.0, *extra))
            return rescored

    decoder = WeakestCharacterDecode.__new__(WeakestCharacterDecode)
    decoder.__dict__.update(original.__dict__)      # same dictionary and settings as the one replaced
    decoder._preds = None
    decoder._same_reading = same_reading_groups(list(original.character), reading)
    decoder._marks = frozenset(i for i, char in enumerate(original.character) if i and reading(char) in HIDDEN_MARKS)
    decoder._digits = frozenset(i for i, char in enumerate(original.character) if i and reading(char) in DIGITS)
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


def outweighed_blanks(preds: np.ndarray, text_index: np.ndarray, text_prob: np.ndarray,
                      groups: dict[int, np.ndarray], marks: frozenset[int] = frozenset()
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Greedy CTC over readings: a blank step goes to the character whose spellings together outweigh it.

    The blank can win a step at 0.37 where 线, 綫 and 線 hold 0.28, 0.13 and
    0.08: the recogniser saw 线 and split its belief among the spellings.
    A punctuation mark (class in ``marks``) after a written character needs
    only ``MARK_HIDDEN``: light commas and enumeration commas, inside a line
    or ending one of a wrapped cell, lose their step to the blank at 0.2-0.4;
    the line's confidence then drops to the mark's weight. A step next to
    one already written in the same reading is left blank (the character
    is there already).
    """
    index, prob = np.array(text_index, copy=True), np.array(text_prob, copy=True)
    blank_ceiling = 1.0 - MARK_HIDDEN if marks else 0.5     # a blank surer than this leaves no room
    for batch, step in zip(*np.nonzero((index == 0) & (prob < blank_ceiling))):
        dist = preds[batch, step]
        best, weight = _heaviest_reading(dist, groups)
        wins = weight > dist[0] or (best in marks and weight >= MARK_HIDDEN and index[batch, :step].any())
        if wins and not _beside_same_reading(index[batch], step, best, groups):
            index[batch, step], prob[batch, step] = best, dist[best]
    return index, prob


def split_digit_runs(text_index: np.ndarray, text_prob: np.ndarray, digits: frozenset[int]
                     ) -> tuple[np.ndarray, np.ndarray]:
    """A digit read surely (``DIGIT_RUN_SURE``) at ``DIGIT_RUN`` steps or more of one run is two of
    it: the step in the run's middle is made blank. Also returns the steps of the second digit (to
    be read as doubtful).

    CTC writes a repeated character only across a blank step between the two;
    at a digit pair set tight the recogniser can miss that blank and hold one
    class over both glyphs ('111个社区' read '11个社区': 1 over four steps,
    three of them at 0.91-0.99, where a digit takes one or two; over the
    typical seeds 42 and 21, 1,533 digit runs of two steps and this one of
    four). Seal ink read as digits holds a class over steps too, but unsurely
    ('1' at 0.99, 0.80, 0.56 under a seal's letter, seed 99 003_20 p5).
    """
    index = np.array(text_index, copy=True)
    split = np.zeros(index.shape, dtype=bool)
    for batch, row in enumerate(text_index):
        for start, end in _runs(np.asarray(row)):
            sure = int((np.asarray(text_prob[batch][start:end]) >= DIGIT_RUN_SURE).sum())
            if sure >= DIGIT_RUN and int(row[start]) in digits:
                middle = (start + end) // 2
                index[batch, middle] = 0
                split[batch, middle + 1:end] = True
    return index, split


def _runs(row: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) of each run of one non-blank class along ``row``, end exclusive."""
    edges = np.flatnonzero(np.diff(row)) + 1
    bounds = np.concatenate(([0], edges, [len(row)]))
    return [(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:]) if row[a] != 0]


def _heaviest_reading(dist: np.ndarray, groups: dict[int, np.ndarray]) -> tuple[int, float]:
    """The top class of the reading with the most probability among the step's top classes."""
    best, weight = 0, 0.0
    for cls in np.argpartition(-dist[1:], READINGS_PER_STEP)[:READINGS_PER_STEP] + 1:
        members = groups.get(int(cls))
        total = float(dist[members].sum()) if members is not None else float(dist[cls])
        if total > weight:
            best, weight = int(members[np.argmax(dist[members])]) if members is not None else int(cls), total
    return best, weight


def _beside_same_reading(indices: np.ndarray, step: int, cls: int, groups: dict[int, np.ndarray]) -> bool:
    same = groups.get(cls, np.array([cls]))
    neighbours = indices[max(0, step - 1):step + 2]
    return bool(np.isin(neighbours, same).any())


def _kept_steps(indices: np.ndarray, remove_duplicates: bool, ignored) -> np.ndarray:
    """The steps whose class the decoder writes out (paddleocr's selection)."""
    selection = np.ones(len(indices), dtype=bool)
    if remove_duplicates:
        selection[1:] = indices[1:] != indices[:-1]
    for token in ignored:
        selection &= indices != token
    return selection


def char_readings(step_probs: np.ndarray, indices: np.ndarray, probs: np.ndarray, kept: np.ndarray,
                  characters: list[str], reading: Callable[[str], str]) -> list[CharReading]:
    """The line's characters in step order, each with its step's other readings where it is doubtful.

    ``step_probs`` is the line's class distribution per step, ``indices`` the
    class each step took, ``probs`` its (pooled) probability and ``kept`` the
    steps written out. Blank steps inside the line where a character came
    close (``MIN_HIDDEN``) are added as hidden readings; a doubtful character
    that may be its neighbour's tail has "" among its readings (``_stutter``).
    """
    hidden = _hidden_steps(step_probs, indices, kept)
    readings = []
    for step in np.nonzero(kept | hidden)[0]:
        dist, index, prob = step_probs[step], int(indices[step]), float(probs[step])
        if hidden[step]:
            readings.append(CharReading("", prob, _other_readings(dist, 0, characters, reading)))
        else:
            alternatives = _other_readings(dist, index, characters, reading) if prob < DOUBT else ()
            if alternatives and step and kept[step - 1]:
                alternatives += _stutter(dist, int(indices[step - 1]), prob)
            readings.append(CharReading(characters[index], prob, alternatives))
    return readings


def _stutter(dist: np.ndarray, previous: int, prob: float) -> tuple[tuple[str, float], ...]:
    """A character written at the step right after another, where the blank and that other
    character together outweigh it, may be the other's tail: no character ("") is a reading of
    it (教育城域|城网: 城 0.46 against the blank's 0.27 and 域's 0.26)."""
    tail = float(dist[0] + dist[previous])
    return (("", tail),) if tail > prob else ()


def _hidden_steps(step_probs: np.ndarray, indices: np.ndarray, kept: np.ndarray) -> np.ndarray:
    """Blank steps where a character nearly was written: any between written ones, and the
    nearest within ``EDGE_STEPS`` before the first or after the last (a character at a wrapped
    line's end, cut by the cell's edge, loses its step to the blank: 满足智|慧, 智 0.46)."""
    hidden = np.zeros(len(indices), dtype=bool)
    written = np.nonzero(kept)[0]
    if len(written) < 2:
        return hidden
    first, last = written[0], written[-1]
    steps = np.arange(max(0, first - EDGE_STEPS), min(len(indices), last + EDGE_STEPS + 1))
    steps = steps[indices[steps] == 0]
    found = steps[_nearly_written(step_probs, indices, steps)]
    hidden[found[(found > first) & (found < last)]] = True
    leading, trailing = found[found < first], found[found > last]
    if leading.size:
        hidden[leading[-1]] = True
    if trailing.size:
        hidden[trailing[0]] = True
    return hidden


def _nearly_written(step_probs: np.ndarray, indices: np.ndarray, steps: np.ndarray) -> np.ndarray:
    """At each of ``steps``: whether a class other than the neighbouring steps' holds ``MIN_HIDDEN``."""
    runner_up = step_probs[steps, 1:].argmax(axis=1) + 1
    before = indices[np.maximum(steps - 1, 0)]
    after = indices[np.minimum(steps + 1, len(indices) - 1)]
    return (step_probs[steps, runner_up] >= MIN_HIDDEN) & (runner_up != before) & (runner_up != after)


def _other_readings(dist: np.ndarray, index: int, characters: list[str],
                    reading: Callable[[str], str]) -> tuple[tuple[str, float], ...]:
    count = min(READINGS_PER_STEP, dist.size - 1)
    top = np.argpartition(-dist, count)[:count]
    pooled: dict[str, float] = {}
    for cls in top:
        if cls and cls != index:
            text = reading(characters[cls])
            pooled[text] = pooled.get(text, 0.0) + float(dist[cls])
    pooled.pop(reading(characters[index]), None)
    return tuple(sorted(pooled.items(), key=lambda kv: -kv[1]))
