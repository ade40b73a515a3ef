"""Text normalisation shared by every reader (RECORD.md "Text")."""
from __future__ import annotations

import re

_WS = re.compile(r"\s+")
_ASCII_ALNUM = re.compile(r"[A-Za-z0-9]")
# Ruling-line remnants and stray marks OCR puts around a label (never '一': it starts 一级指标).
_LABEL_NOISE = "*＊:：—－-_|｜[]【】!！'\"“”‘’.,，。、"
COMPARATOR_CHARS = "<>≤≥≦≧⩽⩾=＜＞"     # what a target or actual may open with ('≥90%', '>=85%')


def normalize_text(text: str | None) -> str | None:
    """Remove whitespace except one space between two ASCII letters or digits; '' -> None."""
    if text is None:
        return None
    pieces = _WS.split(text.strip())
    out = pieces[0] if pieces else ""
    for piece in pieces[1:]:
        if not piece:
            continue
        if out and _ASCII_ALNUM.fullmatch(out[-1]) and _ASCII_ALNUM.fullmatch(piece[0]):
            out += " "
        out += piece
    return out or None


def label_key(text: str | None) -> str:
    """A cell's text reduced for label matching: no whitespace, full-width brackets folded,
    and no '*', colons or ruling-line remnants around it."""
    if not text:
        return ""
    key = _WS.sub("", text).replace("（", "(").replace("）", ")")
    return key.strip(_LABEL_NOISE)


def edit_distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def starts_with_label(key: str, label: str) -> bool:
    """``key`` starts with ``label``, allowing one misread character in labels of 4+ characters."""
    if key.startswith(label):
        return True
    return len(label) >= 4 and edit_distance(key[:len(label)], label) <= 1


def is_label(key: str, label: str) -> bool:
    """``key`` is ``label`` (one misread character allowed in labels of 4+ characters)."""
    return key == label or (len(label) >= 4 and abs(len(key) - len(label)) <= 1
                            and edit_distance(key, label) <= 1)


def match_label(key: str, labels, *, prefix: bool = True) -> str | None:
    """The label ``key`` reads as: an exact match wins over a one-character misreading."""
    labels = list(labels)
    exact = [label for label in labels if (key.startswith(label) if prefix else key == label)]
    if exact:
        return max(exact, key=len)
    near = starts_with_label if prefix else is_label
    return next((label for label in labels if near(key, label)), None)


def find_label(key: str, labels) -> str | None:
    """The label a header cell reads as, even with OCR noise around it (a signature stroke, a seal).

    An exact prefix wins; then the longest label found anywhere in the cell; then one
    found anywhere with a single misread character (labels of 4+ characters).
    """
    labels = list(labels)
    label = match_label(key, labels)
    if label:
        return label
    inside = [label for label in labels if label in key]
    if inside:
        return max(inside, key=len)
    for label in labels:
        if len(label) >= 4 and any(edit_distance(key[i:i + len(label)], label) <= 1
                                   for i in range(1, max(1, len(key) - len(label)) + 1)):
            return label
    return None
