"""Measures stage: the text of a target/actual cell → ``record.Measure``.

A blank spaCy Chinese pipeline with a tokenizer that keeps numbers, ASCII
words and two-character comparators whole, and an ``entity_ruler`` whose
patterns (``models/measures/patterns.jsonl``) label comparators, numbers,
万, %, duration units, dates, deadlines and the like.  The
``measure_segments`` component then covers the whole doc with labelled
segments (unlabelled runs become ``TEXT``, compound separators ``SEP``), and
``_assemble`` reads that sequence as a small grammar:

    [subject CMP] (DATE [DEADLINE] [ACTION]
                  | NUM [万] %  [SUFFIX]
                  | NUM|CNUM DURATION_UNIT [WITHIN|SUFFIX] [ACTION]
                  | NUM [万] [unit] [SUFFIX])

The conventions are those of RECORD.md, "Measure" and "Conventions → Measures".
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from typing import Optional

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span

from pipeline.record import Measure
from pipeline.text import normalize_text

NUMERIC_KINDS = frozenset({"quantity", "percent", "duration", "date"})
_TOKEN_RE = re.compile(r">=|<=|\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|[A-Za-z]+|\S")
_WHITESPACE_RE = re.compile(r"\s+")
_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


# ---------------------------------------------------------------- assets

@dataclass(frozen=True)
class Lexicon:
    not_applicable: frozenset[str]
    sentence_punctuation: frozenset[str]
    unit_symbols: frozenset[str]
    qualitative_max_chars: int
    subject_max_chars: int
    unit_max_chars: int


def _asset_dir():
    return resources.files("models") / "measures"


@lru_cache(maxsize=1)
def load_lexicon() -> Lexicon:
    raw = json.loads((_asset_dir() / "lexicon.json").read_text(encoding="utf-8"))
    return Lexicon(
        not_applicable=frozenset(raw["not_applicable"]),
        sentence_punctuation=frozenset(raw["sentence_punctuation"]),
        unit_symbols=frozenset(raw["unit_symbols"]),
        qualitative_max_chars=raw["qualitative_max_chars"],
        subject_max_chars=raw["subject_max_chars"],
        unit_max_chars=raw["unit_max_chars"],
    )


def _load_patterns() -> list[dict]:
    text = (_asset_dir() / "patterns.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


# ---------------------------------------------------------------- spaCy pipeline

class MeasureTokenizer:
    """Numbers (``1,200.5``), ASCII words (``Gbps``) and ``>=``/``<=`` stay one token; everything else is one character."""

    def __init__(self, vocab):
        self.vocab = vocab

    def __call__(self, text: str) -> Doc:
        words = _TOKEN_RE.findall(text)
        return Doc(self.vocab, words=words, spaces=[False] * len(words))


@Language.component("measure_segments")
def measure_segments(doc: Doc) -> Doc:
    """Cover the doc with labelled segments in ``doc.spans["measure"]``.

    Tokens outside every entity form ``TEXT`` runs, split at separators: ``;``
    always, ``/`` only between a non-number and a counted value (``批/70``),
    never inside a unit such as ``元/人/月``.
    """
    segments: list[Span] = []
    run_start: Optional[int] = None
    starts = {ent.start: ent for ent in doc.ents}
    i = 0
    while i < len(doc):
        ent = starts.get(i)
        if ent is not None or _is_separator(doc, i, starts):
            if run_start is not None:
                segments.append(Span(doc, run_start, i, label="TEXT"))
                run_start = None
            if ent is not None:
                segments.append(ent)
                i = ent.end
            else:
                segments.append(Span(doc, i, i + 1, label="SEP"))
                i += 1
            continue
        if run_start is None:
            run_start = i
        i += 1
    if run_start is not None:
        segments.append(Span(doc, run_start, len(doc), label="TEXT"))
    doc.spans["measure"] = segments
    return doc


def _is_separator(doc: Doc, i: int, starts: dict[int, Span]) -> bool:
    text = doc[i].text
    if text in (";", "；"):
        return True
    if text != "/" or i == 0 or i + 1 >= len(doc):
        return False
    follower = starts.get(i + 1)
    counted_next = follower is not None and follower.label_ in ("NUM", "CMP")
    return counted_next and not doc[i - 1].text[-1].isdigit()


@lru_cache(maxsize=1)
def build_nlp() -> Language:
    """Blank zh (character segmenter: no pkuseg/jieba weights) with the measure tokenizer and rules."""
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "char"}}})
    nlp.tokenizer = MeasureTokenizer(nlp.vocab)
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns(_load_patterns())
    nlp.add_pipe("measure_segments")
    return nlp


# ---------------------------------------------------------------- public API

def parse_measure(text: Optional[str]) -> Measure:
    """Parse a 年度指标值 / 实际完成值 cell as RECORD.md describes."""
    printed = normalize_text(text)
    if printed is None:
        return Measure(kind="empty")
    cleaned = normalize_cell(printed)
    if not cleaned:
        return Measure(kind="empty")
    if cleaned in load_lexicon().not_applicable:
        return Measure(kind="not_applicable")
    doc = build_nlp()(cleaned)
    measure = _assemble_cell(doc.spans["measure"])
    if measure is not None:
        return measure
    if _is_qualitative(cleaned, doc):
        return Measure(kind="qualitative", value=printed)
    return Measure(kind="text", value=printed)


def normalize_cell(text: str) -> str:
    """Full-width ASCII forms to half-width, whitespace removed (parsing only; text values keep the print)."""
    text = _WHITESPACE_RE.sub("", text)
    return "".join(chr(ord(c) - 0xFEE0) if 0xFF01 <= ord(c) <= 0xFF5E else c for c in text)


# ---------------------------------------------------------------- assembler

@dataclass(frozen=True)
class Segment:
    label: str
    id: str
    text: str


def _segments(spans) -> list[Segment]:
    return [Segment(span.label_, span.id_, span.text) for span in spans]


def _assemble_cell(spans) -> Optional[Measure]:
    segments = _segments(spans)
    if any(s.label in ("QUARTER", "WINDOW") for s in segments):
        return None
    parts = _split_parts(segments)
    if len(parts) == 1:
        return _assemble_single(parts[0])
    measures = [_assemble_single(part) for part in parts]
    if all(m is not None and m.kind in NUMERIC_KINDS for m in measures):
        return Measure(kind="compound", parts=measures)
    return None


def _split_parts(segments: list[Segment]) -> list[list[Segment]]:
    parts: list[list[Segment]] = [[]]
    for segment in segments:
        if segment.label == "SEP":
            parts.append([])
        else:
            parts[-1].append(segment)
    return [part for part in parts if part] or [[]]


def _assemble_single(segments: list[Segment]) -> Optional[Measure]:
    """[subject CMP] core, or None when the segments do not read as a measure."""
    cmp_at = next((i for i, s in enumerate(segments) if s.label == "CMP"), None)
    subject, op = None, None
    if cmp_at is not None:
        subject = "".join(s.text for s in segments[:cmp_at]) or None
        if subject is not None and not _is_subject(subject):
            return None
        op = segments[cmp_at].id
        segments = segments[cmp_at + 1:]
    measure = _assemble_core(segments, op)
    if measure is not None and subject is not None:
        measure.subject = subject
    return measure


def _assemble_core(segments: list[Segment], op: Optional[str]) -> Optional[Measure]:
    if not segments:
        return None
    head, rest = segments[0], segments[1:]
    if head.label == "DATE":
        return _assemble_date(head, rest, op)
    if head.label == "CNUM":
        return _assemble_duration(_chinese_number(head.text), rest, op)
    if head.label != "NUM":
        return None
    number = Decimal(head.text.replace(",", ""))
    month_date = _assemble_month_deadline(number, rest, op)
    if month_date is not None:
        return month_date
    duration = _assemble_duration(number, rest, op)
    if duration is not None:
        return duration
    if rest and rest[0].label == "WAN":
        number, rest = number * 10000, rest[1:]
    if rest and rest[0].label == "PCT":
        return _assemble_percent(number, rest[1:], op)
    return _assemble_quantity(number, rest, op)


def _assemble_date(head: Segment, rest: list[Segment], op: Optional[str]) -> Optional[Measure]:
    if rest and rest[0].label == "DEADLINE":
        op = op or rest[0].id
        rest = rest[1:]
    if rest and rest[0].label == "ACTION":
        rest = rest[1:]
    if rest:
        return None
    return Measure(kind="date", op=op or "=", value=_iso_date(head))


def _iso_date(head: Segment) -> str:
    numbers = [int(n) for n in re.findall(r"\d+", head.text)]
    if head.id.startswith("--"):
        return "--" + "-".join(f"{n:02d}" for n in numbers)
    return "-".join([f"{numbers[0]:04d}"] + [f"{n:02d}" for n in numbers[1:]])


def _assemble_month_deadline(number: Decimal, rest: list[Segment], op: Optional[str]) -> Optional[Measure]:
    """``9月底前``: a month without a year is a date only with a deadline word; ``12月`` alone stays a duration."""
    if len(rest) < 2 or rest[0].text != "月" or rest[1].label != "DEADLINE":
        return None
    if number != int(number) or not 1 <= number <= 12:
        return None
    return _assemble_date(Segment("DATE", "--M", f"{int(number)}月"), rest[1:], op)


def _assemble_duration(number: Optional[Decimal], rest: list[Segment], op: Optional[str]) -> Optional[Measure]:
    if number is None or not rest or rest[0].label != "DURATION_UNIT":
        return None
    unit, rest = rest[0].id, rest[1:]
    if rest and rest[0].label in ("WITHIN", "SUFFIX"):
        op = op or rest[0].id
        rest = rest[1:]
    if rest and rest[0].label == "ACTION":
        rest = rest[1:]
    if rest:
        return None
    return Measure(kind="duration", op=op or "=", value=_number_value(number), unit=unit)


def _assemble_percent(number: Decimal, rest: list[Segment], op: Optional[str]) -> Optional[Measure]:
    op, rest = _take_suffix(rest, op)
    if rest:
        return None
    return Measure(kind="percent", op=op or "=", value=_number_value(number))


def _assemble_quantity(number: Decimal, rest: list[Segment], op: Optional[str]) -> Optional[Measure]:
    op, rest = _take_suffix(rest, op)
    if rest and rest[0].label == "DURATION_UNIT":
        return None  # 3年的免费保修服务: a duration with words after it is text, not a unit
    unit = "".join(s.text for s in rest) or None
    if unit is not None:
        unit = _clean_unit(unit)
        if unit is None:
            return None
    return Measure(kind="quantity", op=op or "=", value=_number_value(number), unit=unit)


def _take_suffix(rest: list[Segment], op: Optional[str]) -> tuple[Optional[str], list[Segment]]:
    if rest and rest[-1].label == "SUFFIX":
        return op or rest[-1].id, rest[:-1]
    return op, rest


def _clean_unit(unit: str) -> Optional[str]:
    """A unit as printed, ≤ 6 characters, no digits, % or punctuation; ``(个)`` → ``个``."""
    if unit.startswith("(") and unit.endswith(")") and unit.count("(") == 1:
        unit = unit[1:-1]
    lexicon = load_lexicon()
    if not unit or len(unit) > lexicon.unit_max_chars:
        return None
    if all(_is_unit_char(c, lexicon) for c in unit):
        return unit
    return None


def _is_unit_char(char: str, lexicon: Lexicon) -> bool:
    category = unicodedata.category(char)
    return category.startswith("L") or category == "So" or char in lexicon.unit_symbols


def _is_subject(text: str) -> bool:
    lexicon = load_lexicon()
    return (len(text) <= lexicon.subject_max_chars
            and not any(c.isdigit() or c in lexicon.sentence_punctuation for c in text))


def _is_qualitative(text: str, doc: Doc) -> bool:
    """No digit, %, comparison, quarter or sentence punctuation; at most 10 characters."""
    lexicon = load_lexicon()
    if len(text) > lexicon.qualitative_max_chars:
        return False
    if any(c.isdigit() or c in lexicon.sentence_punctuation for c in text):
        return False
    blocking = ("CMP", "SUFFIX", "PCT", "QUARTER", "WINDOW")
    return not any(span.label_ in blocking for span in doc.spans["measure"])


def _chinese_number(text: str) -> Optional[Decimal]:
    """一 → 1, 十五 → 15, 二十四 → 24, 半 → 0.5 (the numbers durations are written with)."""
    if text == "半":
        return Decimal("0.5")
    if "半" in text:
        return None
    if "十" in text:
        tens, _, units = text.partition("十")
        if "十" in units or (tens and tens not in _CN_DIGITS) or (units and units not in _CN_DIGITS):
            return None
        return Decimal((_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[units] if units else 0))
    if len(text) == 1:
        return Decimal(_CN_DIGITS[text])
    return None


def _number_value(number: Decimal) -> int | float:
    if number == number.to_integral_value():
        return int(number)
    return float(number)
