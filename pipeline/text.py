"""Text normalisation shared by every reader (RECORD.md "Text")."""
from __future__ import annotations

import re

_WS = re.compile(r"\s+")
_ASCII_ALNUM = re.compile(r"[A-Za-z0-9]")


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
    """A cell's text reduced for label matching: no whitespace, '*', colons or brackets' spacing."""
    if not text:
        return ""
    key = _WS.sub("", text)
    return key.strip("*＊:：").replace("（", "(").replace("）", ")")
