"""A doubtful target or actual read as its sure twin: the other of the two, in the same row.

An actual repeats its target on 183 of the 237 truth rows whose target is words
('有效提升', '满意'). A seal's letters over one of the two leave a reading with
junk in it ('有效灵山7' for 有效提升, '10Uo' for 100%), or a character short
('有所提' for 有所提升), while the other, clear of the seal, is read without
doubt. Where the doubtful reading is still close to its twin, the twin is what
it printed:

- words: the doubtful reading's Chinese characters, at most one fewer than
  the twin's, are at most half the twin's length of edits from it ('有所提'
  for 有所提升, 'II有效保鲁7r' for 有效保障; '提升' beside 有所提升 is another word,
  and 无 a value in itself);
- a measure only where the doubtful reading has junk in it, a Latin letter or
  a mark no measure prints ('10Uo' beside 100%, '-33' beside 33), its digits are the twin's
  with some lost ('T2021年9月的' is no 2021年7月), and at most half the twin's
  number and unit need an edit. A well-formed reading is left as read: a
  target and its actual differ in one digit on many truth rows ('>95%' and
  '98%', '2021年9月' and '2021年12月前'). The reading keeps its own comparator
  (a target '≥90%' is met by an actual '90%' on 14 truth rows). A reading one
  digit more or less than its twin is the twin, junk or not ('≤305分钟' beside
  ≤30分钟): of the 843 truth rows, none differ so. Nor does a comparator
  differ where both print one before the same measure (34 rows): a doubtful
  '>58台' beside a sure ≥58台 lost its bar.

The field stays in review with the reading it replaced: the value was inferred,
not read.
"""
from __future__ import annotations

import re

from pipeline.ocr.lexicon import is_chinese
from pipeline.record import FieldSource, Indicator
from pipeline.text import COMPARATOR_CHARS, edit_distance

SURE_TWIN = 0.9                  # the twin was read at least this surely (and not flagged)
TWIN_GUESSED = "读数存疑，按同行目标值/实际值推断"
# a Latin letter, a mark no measure prints, or a leading dash (a range's dash stands between two
# numbers, and no truth target or actual begins with one)
MEASURE_JUNK = re.compile(r"[A-Za-z]|[^\d.%％/\u4e00-\u9fff<>≤≥≦≧=:：()（）~～-]|^[-－]")
LIST_SEPARATOR = re.compile(r"[;；,，、]")   # a list of measures: its parts differ between target and actual
DIGIT = re.compile(r"\d")
WHOLE_ONE_CHARACTER = {"无", "是", "否", "有"}   # a value in itself ('无' beside a target '深无' a seal spoilt)


def twin_reading(doubtful: str, twin: str) -> str | None:
    """What a doubtful target (or actual) most likely printed, given its twin read surely; None
    where the two are too far apart to tell."""
    doubtful, twin = "".join(doubtful.split()), "".join(twin.split())
    if not doubtful or not twin or doubtful == twin:
        return None
    guess = _measure_like(doubtful, twin) if DIGIT.search(twin) else _words_like(doubtful, twin)
    return guess if guess != doubtful else None


def _words_like(doubtful: str, twin: str) -> str | None:
    if doubtful in WHOLE_ONE_CHARACTER:
        return None
    chinese = "".join(char for char in doubtful if is_chinese(char))
    if len(chinese) < len(twin) - 1 or edit_distance(chinese, twin) > len(twin) // 2:
        return None
    return twin


def _measure_like(doubtful: str, twin: str) -> str | None:
    head, body = _split_comparator(doubtful)
    twin_head, twin_body = _split_comparator(twin)
    if not body or not twin_body or LIST_SEPARATOR.search(twin):
        return None
    if head and twin_head and body == twin_body:
        return twin                 # a comparator's bar lost or misread: where both print one, it is the same
    if _one_digit_apart(body, twin_body):
        return head + twin_body     # a seal's stroke read as a digit, or a digit lost under it
    if not MEASURE_JUNK.search(body):
        return None
    if not _within("".join(DIGIT.findall(body)), "".join(DIGIT.findall(twin_body))):
        return None                 # a seal hides digits; it does not turn the twin's into others
    return head + twin_body if edit_distance(body, twin_body) <= len(twin_body) // 2 else None


def _one_digit_apart(one: str, other: str) -> bool:
    """One is the other with a digit more, the other holding a digit too: no truth target and
    actual differ so (a unit read alone is the mapping's to guess)."""
    longer, shorter = (one, other) if len(one) > len(other) else (other, one)
    return len(longer) == len(shorter) + 1 and bool(DIGIT.search(shorter)) and any(
        char.isdigit() and longer[:i] + longer[i + 1:] == shorter for i, char in enumerate(longer))


def _within(part: str, whole: str) -> bool:
    """``part`` is ``whole`` with some characters left out."""
    rest = iter(whole)
    return all(char in rest for char in part)


def _split_comparator(text: str) -> tuple[str, str]:
    body = text.lstrip(COMPARATOR_CHARS)
    return text[:len(text) - len(body)], body


def read_from_twin(indicator: Indicator, path: str, sources: dict[str, FieldSource],
                   unreadable: dict[str, str]) -> None:
    """Put a doubtful target or actual of ``indicator`` (at ``path``, 'indicators[3]') right from
    its twin, where that was read surely; the field stays in ``unreadable``, its reason naming
    the reading it replaced."""
    for name, other in (("target", "actual"), ("actual", "target")):
        mine, theirs = f"{path}.{name}", f"{path}.{other}"
        if mine not in unreadable or theirs in unreadable or theirs not in sources \
                or sources[theirs].confidence < SURE_TWIN:
            continue
        reading, twin = getattr(indicator, name), getattr(indicator, other)
        guess = twin_reading(reading or "", twin or "")
        if guess is not None:
            unreadable[mine] = f"{TWIN_GUESSED}：{reading}"
            setattr(indicator, name, guess)
