"""Inbox listing and output storage over fsspec (a local folder or any URL: s3://, gs://, memory://).

Outputs are written atomically: a local file goes to a temp file in the same folder,
is fsynced and renamed over the destination; on an object store the bytes are written
under a temp key and then moved. A rerun keeps the previous output as
``versions/<name>.v<N>.json`` instead of overwriting it.
"""
from __future__ import annotations

import errno
import fnmatch
import json
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import fsspec
from fsspec.implementations.local import LocalFileSystem

from pipeline.atomic import write_bytes_atomic
from pipeline.hashing import sha256_stream

TEMP_PREFIX = ".selfeval-tmp-"
VERSIONS_DIR = "versions"


class StorageError(OSError):
    """Writing the output failed (read-only target, disk full, network); the input is untouched."""


@dataclass(frozen=True)
class InboxFile:
    url: str        # full URL (a plain path for local files)
    name: str       # file name as the user sees it
    size: int


def _fs(url: str):
    fs, path = fsspec.core.url_to_fs(url)
    return fs, path


def is_local(url: str) -> bool:
    return isinstance(_fs(url)[0], LocalFileSystem)


def join(root: str, name: str) -> str:
    return root.rstrip("/") + "/" + name


def _full_url(fs, path: str) -> str:
    if isinstance(fs, LocalFileSystem):
        return path
    return fs.unstrip_protocol(path)


# inbox ------------------------------------------------------------------------------------

def list_inbox(inbox: str, pattern: str = "*.pdf") -> list[InboxFile]:
    """Files under ``inbox`` (recursively) whose name matches ``pattern``, case-insensitively.

    Hidden files and our own temp files are skipped: a file still being copied in
    should be dropped under a hidden name and renamed when complete.
    """
    fs, root = _fs(inbox)
    if not fs.exists(root):
        raise FileNotFoundError(f"inbox not found: {inbox}")
    found = []
    for path, info in sorted(fs.find(root, detail=True).items()):
        name = path.rstrip("/").rsplit("/", 1)[-1]
        if info.get("type") != "file" or name.startswith("."):
            continue
        if fnmatch.fnmatch(name.lower(), pattern.lower()):
            found.append(InboxFile(url=_full_url(fs, path), name=name, size=int(info.get("size") or 0)))
    return found


def sha256_of(url: str) -> str:
    with fsspec.open(url, "rb") as fh:
        return sha256_stream(fh)


def exists(url: str) -> bool:
    fs, path = _fs(url)
    return fs.exists(path)


def local_copy(url: str, folder: str) -> str:
    """A local path holding the bytes of ``url`` (the file itself when it is local)."""
    if is_local(url):
        return url
    target = os.path.join(folder, uuid.uuid4().hex + ".pdf")
    fs, path = _fs(url)
    fs.get(path, target)
    return target


# outputs ----------------------------------------------------------------------------------

def output_name(display_name: str, sha256: str) -> str:
    """Stable per document: ``<stem>-<sha8>.json`` (two files with one name never collide)."""
    stem = display_name.rsplit("/", 1)[-1]
    if stem.lower().endswith(".pdf"):
        stem = stem[:-4]
    return f"{stem}-{sha256[:8]}.json"


def version_url(output_url: str, version: int) -> str:
    root, name = output_url.rstrip("/").rsplit("/", 1)
    stem = name[:-5] if name.endswith(".json") else name
    return join(join(root, VERSIONS_DIR), f"{stem}.v{version}.json")


def read_json(url: str) -> dict:
    with fsspec.open(url, "r", encoding="utf-8") as fh:
        return json.load(fh)


def write_json_atomic(url: str, data: dict) -> None:
    """Readers see the old file or the new one, never half of one; failures raise StorageError."""
    payload = (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    try:
        if is_local(url):
            _write_local_atomic(Path(_fs(url)[1]), payload)
        else:
            _write_remote_then_move(url, payload)
    except StorageError:
        raise
    except OSError as err:
        raise StorageError(err.errno, f"cannot write {url}: {_reason(err)}") from err


def _write_local_atomic(path: Path, payload: bytes) -> None:
    write_bytes_atomic(path, payload, temp_prefix=TEMP_PREFIX)


def _write_remote_then_move(url: str, payload: bytes) -> None:
    fs, path = _fs(url)
    parent, name = path.rstrip("/").rsplit("/", 1)
    tmp = f"{parent}/{TEMP_PREFIX}{name}.{uuid.uuid4().hex}.tmp"
    fs.makedirs(parent, exist_ok=True)
    fs.pipe_file(tmp, payload)
    try:
        fs.mv(tmp, path)
    finally:
        if fs.exists(tmp):
            fs.rm(tmp)


def keep_previous_version(output_url: str, version: int) -> str | None:
    """Move the current output aside as version ``version`` before it is replaced."""
    try:
        fs, path = _fs(output_url)
        if not fs.exists(path):
            return None
        target = version_url(output_url, version)
        _, target_path = _fs(target)
        fs.makedirs(target_path.rsplit("/", 1)[0], exist_ok=True)
        fs.mv(path, target_path)
        return target
    except OSError as err:
        raise StorageError(err.errno, f"cannot keep previous version of {output_url}: {_reason(err)}") from err


def sweep_temp_files(root: str, older_than_s: float) -> list[str]:
    """Remove temp files a killed writer left behind (only ours, only old ones)."""
    fs, path = _fs(root)
    if not fs.exists(path):
        return []
    removed = []
    cutoff = time.time() - older_than_s
    for found, info in fs.find(path, detail=True).items():
        name = found.rsplit("/", 1)[-1]
        if name.startswith(TEMP_PREFIX) and _mtime(info) < cutoff:
            fs.rm(found)
            removed.append(found)
    return removed


def _mtime(info: dict) -> float:
    value = info.get("mtime") or info.get("created") or info.get("LastModified") or 0
    return value.timestamp() if hasattr(value, "timestamp") else float(value)


def _reason(err: OSError) -> str:
    if err.errno in (errno.ENOSPC, errno.EDQUOT):
        return "no space left on the output device"
    if err.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "output location is not writable (permission denied or read-only)"
    return err.strerror or str(err)
