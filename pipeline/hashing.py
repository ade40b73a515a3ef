"""sha256 of files and streams: the document identity used by the record and the ledger."""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import BinaryIO

UNREADABLE_SHA256 = "0" * 64
BLOCK = 1 << 20


def sha256_stream(stream: BinaryIO) -> str:
    digest = hashlib.sha256()
    for block in iter(lambda: stream.read(BLOCK), b""):
        digest.update(block)
    return digest.hexdigest()


def sha256_file(path: str | Path) -> str:
    with open(path, "rb") as fh:
        return sha256_stream(fh)


def sha256_or_zero(path: str | Path) -> str:
    """The file's sha256, or 64 zeros when it cannot be read (the failed document still needs one)."""
    try:
        return sha256_file(path)
    except OSError:
        return UNREADABLE_SHA256
