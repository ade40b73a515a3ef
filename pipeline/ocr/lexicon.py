"""Word-lexicon choice between the recogniser's readings of a doubtful character.

The CTC recogniser reads each character on its own: where the print is worn,
it can rank 湛 above 满 in 满意, or 特 above 待 in 待遇, though the right
character is its second or third reading at the same step. Which of them
makes words of the line is what a reader uses to decide, and what this
module adds: a unigram word model (jieba's dictionary of 349k words with
their frequencies, shipped inside the ``jieba`` wheel and verified against
``models/manifest.json``) scores the text around the character, and the
reading with the best sum of recogniser log-probability and weighted word
log-probability wins.

The same choice decides a Chinese character the recogniser nearly wrote at
a step it left blank (辅助性 read 辅性, 助 at 0.25 against the blank's 0.7):
it is put in only if the words gain more than the recogniser's preference
for the blank.

Wherever the words overrule the recogniser, the line's confidence drops to
the recogniser's probability of the character written, so the field goes to
review: the lexicon mends the text, it does not vouch for it.

Where the words cannot vouch for a character kept as read, the line goes to
review too: a Chinese character between two others that makes no word with
them, and is doubtful or rare as a word of its own (渣 in 检渣报告, read
surely where 查 was printed and never among the readings).

Only Chinese characters the recogniser doubts are reconsidered, and only
against Chinese readings it gave some weight at the same step (or no
character, where the doubtful one may be the tail of the one before it):
digits, units and punctuation are never changed, and a confident character
stays whatever the words around it say. Two marks are the exceptions, each
mended only where the character put in makes a word: a bar or bracket read
between two Chinese characters (a worn stroke, 部]绩效), and a character the
recogniser nearly read at a wrapped line's end, chosen across the wrap.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

# A character read with at least this probability is kept as read.
DOUBT = 0.9
# A reading the recogniser gave less than this is no candidate.
MIN_ALTERNATIVE = 0.02
# A character at a step the recogniser left blank needs at least this.
MIN_HIDDEN = 0.1
# Weight of the word model against the recogniser (both in natural log units).
# Below 1: one frequent word against two rare ones (~10 nats) overrides a
# recogniser that preferred the other character by up to ~3 nats (20 : 1),
# but a small word-frequency gap (未 against 末, ~1 nat) does not.
WORD_WEIGHT = 0.3
# Cost of each word a text splits into (nats). Without it a frequent lone character
# (又, -6.0) and its neighbour alone outscore the word they misspell (交又 against
# 交叉): a unigram model favours many short words. At 4, new misreadings appeared on
# the hard scans (95% read y%); 2 mended 交叉 on typical and eight cells on hard.
WORD_PENALTY = 2.0
# Between two Chinese characters the forms print a comma 16 times as often as a full stop
# (567 : 35 in the truth texts); a blurred comma reads '。' or '.' with the comma second.
COMMA_ODDS = 16.0
# A doubtful character the words cannot vouch for goes to review at this share of its probability
# (under any confidence floor: 0.9 × 0.5 is 0.45).
UNVOUCHED_SHARE = 0.5
# A character this rare as a word of its own (jieba's counts: 渣 411, 检 651, 查 3443) that makes no
# word with its neighbours is no surer for the recogniser's certainty.
RARE_ALONE = 1000
FULL_STOPS = ("。", ".")
# Marks the recogniser reads for a character's worn stroke: between two Chinese characters the
# cell text drops them as a ruling's remains (``scanned.MISREAD_MARKS``). 部门 read 部] (']' 0.54,
# 门 0.46) lost its 门 so.
STROKE_MARKS = frozenset("[]|")
# Characters either side of the doubtful one that the word model sees.
CONTEXT = 4
LONGEST_WORD = 6


@dataclass(frozen=True)
class CharReading:
    """One character of a line as the recogniser decoded it, with its other readings at that step.

    A step the recogniser left blank has ``char`` "" (``prob`` is the blank's)
    and the character it nearly wrote among ``alternatives``.
    """
    char: str
    prob: float
    alternatives: tuple[tuple[str, float], ...] = ()

    @property
    def hidden(self) -> bool:
        return not self.char


def is_chinese(char: str) -> bool:
    return len(char) == 1 and "\u4e00" <= char <= "\u9fff"


class Lexicon:
    """Unigram word model: log-probability of the best segmentation of a text into dictionary words."""

    def __init__(self, frequencies: dict[str, int]):
        self.frequencies = frequencies
        self.log_total = math.log(sum(frequencies.values()) or 1)
        self.longest = min(LONGEST_WORD, max((len(w) for w in frequencies), default=1))

    @classmethod
    def from_file(cls, path: Path) -> "Lexicon":
        """Read a jieba-format dictionary: ``word frequency [tag]`` per line."""
        frequencies: dict[str, int] = {}
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                parts = line.split()
                if len(parts) >= 2 and parts[1].isdigit() and len(parts[0]) <= LONGEST_WORD:
                    frequencies[parts[0]] = int(parts[1])
        return cls(frequencies)

    def word_logprob(self, word: str) -> float | None:
        freq = self.frequencies.get(word)
        return None if not freq else math.log(freq) - self.log_total

    def text_logprob(self, text: str) -> float:
        """Best segmentation's log-probability, less WORD_PENALTY a word; a character in no
        word counts as a word seen once."""
        return self._best_segmentation(text)[0][-1]

    def segment(self, text: str) -> list[tuple[int, int]]:
        """The best segmentation of ``text`` (as scored by ``text_logprob``) as (start, end) spans."""
        back = self._best_segmentation(text)[1]
        spans, end = [], len(text)
        while end > 0:
            spans.append((back[end], end))
            end = back[end]
        return spans[::-1]

    def _best_segmentation(self, text: str) -> tuple[list[float], list[int]]:
        """Per end position: the best score of the text up to it, and where its last word starts."""
        unknown = -self.log_total
        best = [0.0] + [-math.inf] * len(text)
        back = [0] * (len(text) + 1)
        for end in range(1, len(text) + 1):
            for start in range(max(0, end - self.longest), end):
                logp = self.word_logprob(text[start:end])
                if logp is None:
                    if end - start > 1:
                        continue
                    logp = unknown
                if best[start] + logp - WORD_PENALTY > best[end]:
                    best[end], back[end] = best[start] + logp - WORD_PENALTY, start
        return best, back

    def choose(self, readings: Sequence[CharReading]) -> tuple[str, list[float]]:
        """The line's text with each doubtful Chinese character replaced by its best-scoring reading.

        Also returns the recogniser's probabilities of the characters the words
        chose against it (put in at a blank step, or in place of its reading).
        """
        chars = [r.char for r in readings]
        overruled: list[float] = []
        for index, reading in enumerate(readings):
            if reading.char in STROKE_MARKS and _between_words("".join(chars[:index]), "".join(chars[index + 1:])):
                chars[index] = self._stroke_as_character(chars, index, reading, overruled)
                continue
            if reading.hidden and index in (0, len(readings) - 1):
                continue        # at a line's end: only the line it wraps onto can tell (choose_across)
            candidates = self._candidates(reading)
            if len(candidates) > 1:
                char, prob = self._best(chars, index, candidates)
                if char != reading.char:
                    overruled.append(prob)
                chars[index] = char
        for index, reading in enumerate(readings):
            if chars[index] == reading.char and self._unvouched(chars, index, reading):
                overruled.append(min(reading.prob, DOUBT) * UNVOUCHED_SHARE)
        for index, reading in enumerate(readings):
            if reading.char in FULL_STOPS and _between_words("".join(chars[:index]), "".join(chars[index + 1:])):
                chars[index] = _comma_if_likelier(reading, overruled)
        return "".join(chars), overruled

    def choose_across(self, upper: str, upper_readings: Sequence[CharReading],
                      lower: str, lower_readings: Sequence[CharReading]) -> tuple[str, str, list[float]]:
        """Two lines of a cell, the ``lower`` continuing the ``upper`` (wrapped at the cell's edge),
        with the characters either side of the wrap chosen again in the light of both lines.

        A word wrapped between lines is split between two crops, so each line's own
        choice saw half of it (预测 wrapped 预|测: 侧 0.62 against 测 0.14 read
        alone). ``upper`` and ``lower`` are the lines' texts as read, the readings
        the recogniser's. Also returns the recogniser's probabilities of the
        characters the words chose against it.
        """
        overruled: list[float] = []
        upper_readings, cut_off = _without_edge(upper_readings, -1)
        lower_readings, cut_before = _without_edge(lower_readings, 0)
        if upper.endswith(FULL_STOPS) and upper_readings and upper_readings[-1].char == upper[-1] \
                and _between_words(upper[:-1], lower):
            upper = upper[:-1] + _comma_if_likelier(upper_readings[-1], overruled)
        last = _end_character(upper, reversed(range(len(upper))))
        if last is not None and upper_readings:
            upper = self._rechosen(upper, last, upper_readings[-1], upper[:last], upper[last + 1:] + lower,
                                   overruled)
        first = _end_character(lower, range(len(lower)))
        if first is not None and lower_readings:
            lower = self._rechosen(lower, first, lower_readings[0], upper + lower[:first], lower[first + 1:],
                                   overruled)
        if cut_off is not None:
            upper += self._put_in_at_the_wrap(upper, lower, cut_off, overruled)
        if cut_before is not None:
            lower = self._put_in_at_the_wrap(upper, lower, cut_before, overruled) + lower
        return upper, lower, overruled

    def _put_in_at_the_wrap(self, upper: str, lower: str, reading: CharReading, overruled: list[float]) -> str:
        """The Chinese character the recogniser nearly read at a wrapped line's end (``reading``,
        a step left blank), if it makes a word across the wrap; else nothing."""
        if not _between_words(upper, lower):
            return ""
        candidates = _chinese_readings(reading)
        if not candidates:
            return ""
        chars = [*upper[-CONTEXT:], "", *lower[:CONTEXT]]
        at = min(len(upper), CONTEXT)
        char, prob = self._best(chars, at, [("", reading.prob), *candidates])
        if not char or not self._makes_a_word(chars, at, char):
            return ""
        overruled.append(prob)
        return char

    def _rechosen(self, text: str, index: int, reading: CharReading, left: str, right: str,
                  overruled: list[float]) -> str:
        """``text`` with its character at ``index`` chosen among ``reading``'s by the words it
        makes with ``left`` and ``right``."""
        candidates = self._candidates(reading)
        if reading.hidden or text[index] not in {char for char, _ in candidates}:
            return text
        tail = list(left[-CONTEXT:])
        char, prob = self._best([*tail, text[index], *right[:CONTEXT]], len(tail), candidates)
        if char == text[index]:
            return text
        if char != reading.char:
            overruled.append(prob)
        return text[:index] + char + text[index + 1:]

    def _stroke_as_character(self, chars: list[str], index: int, reading: CharReading,
                             overruled: list[float]) -> str:
        """A doubtful mark read between two Chinese characters: the Chinese reading at its step that
        makes a word with its neighbours, or the mark as read (a ruling's remains, dropped later).

        The recogniser saw a glyph there, so leaving the step blank is no reading of it; the
        word has to vouch for the character instead.
        """
        candidates = _chinese_readings(reading)
        if reading.prob >= DOUBT or not candidates:
            return reading.char
        char, prob = self._best(chars, index, candidates)
        if not self._makes_a_word(chars, index, char):
            return reading.char
        overruled.append(prob)
        return char

    def _unvouched(self, chars: list[str], index: int, reading: CharReading) -> bool:
        """A Chinese character kept as read that makes no word with its neighbours, and is doubtful
        or rare alone (检|渣报告: 渣 read surely at a wrap, 411 in the dictionary alone, where 查
        was printed): the words cannot vouch for it. Of the 2,713 truth texts, 25 hold a
        character so rare alone outside any word ('线传屏器', '阅档人')."""
        if not is_chinese(reading.char) or (reading.prob >= DOUBT
                                            and (self.frequencies.get(reading.char) or 0) >= RARE_ALONE):
            return False
        left = "".join(chars[:index])[-CONTEXT:]         # a step left blank holds "", not a character
        right = "".join(chars[index + 1:])[:CONTEXT]
        neighbours = left[-1:] + right[:1]
        if not neighbours or not all(is_chinese(char) for char in neighbours):
            return False        # beside a digit or a mark: no word to tell by
        return not self._makes_a_word(chars, index, reading.char)

    def _makes_a_word(self, chars: list[str], index: int, char: str) -> bool:
        """Whether ``char`` at ``index`` of ``chars`` is in a word of two characters or more with
        the characters either side of it (``CONTEXT`` each way; steps left blank hold "")."""
        left = "".join(chars[:index])[-CONTEXT:]
        right = "".join(chars[index + 1:])[:CONTEXT]
        return self._word_around(left + char + right, len(left)) is not None

    def _word_around(self, text: str, at: int) -> str | None:
        """The word of two characters or more that holds ``text[at]`` in the best segmentation."""
        for start, end in self.segment(text):
            if start <= at < end:
                return text[start:end] if end - start > 1 else None
        return None

    @staticmethod
    def _candidates(reading: CharReading) -> list[tuple[str, float]]:
        if reading.prob >= DOUBT or not (reading.hidden or is_chinese(reading.char)):
            return []
        least = MIN_HIDDEN if reading.hidden else MIN_ALTERNATIVE
        others = [(c, p) for c, p in reading.alternatives
                  if p >= least and (is_chinese(c) or not c) and c != reading.char]
        return [(reading.char, reading.prob)] + others if others else []

    def _best(self, chars: list[str], index: int, candidates: list[tuple[str, float]]) -> tuple[str, float]:
        left = "".join(chars[:index])[-CONTEXT:]
        right = "".join(chars[index + 1:])[:CONTEXT]

        def score(candidate: tuple[str, float]) -> float:
            char, prob = candidate
            return math.log(prob) + WORD_WEIGHT * self.text_logprob(left + char + right)

        return max(candidates, key=score)


def _chinese_readings(reading: CharReading) -> list[tuple[str, float]]:
    """The Chinese characters among a step's other readings with at least ``MIN_HIDDEN``."""
    return [(char, prob) for char, prob in reading.alternatives if prob >= MIN_HIDDEN and is_chinese(char)]


def _without_edge(readings: Sequence[CharReading], at: int) -> tuple[Sequence[CharReading], CharReading | None]:
    """``readings`` less a step left blank at its end (``at`` -1) or start (0), and that step."""
    if not readings or not readings[at].hidden:
        return readings, None
    return (readings[:-1], readings[-1]) if at == -1 else (readings[1:], readings[0])


def _between_words(left: str, right: str) -> bool:
    return bool(left) and bool(right) and is_chinese(left[-1]) and is_chinese(right[0])


def _comma_if_likelier(reading: CharReading, overruled: list[float]) -> str:
    """A doubtful full stop between two Chinese characters: a comma where the recogniser's
    weight on it, times COMMA_ODDS, outweighs its reading (the comma's weight is noted as
    overruling it)."""
    if reading.prob >= DOUBT:
        return reading.char
    comma = sum(prob for char, prob in reading.alternatives if char in (",", "，"))
    if comma * COMMA_ODDS <= reading.prob:
        return reading.char
    overruled.append(comma)
    return "，"


def _end_character(text: str, order) -> int | None:
    """Index of the line's first (last) character along ``order``, past marks, if it is Chinese."""
    for index in order:
        if is_chinese(text[index]):
            return index
        if text[index].isalnum():
            return None
    return None


@lru_cache(maxsize=2)
def load_lexicon(path: Path) -> Lexicon:
    return Lexicon.from_file(path)
