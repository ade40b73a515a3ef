"""Inbox listing and output storage on a local folder and on an fsspec object store (memory://)."""
from __future__ import annotations

import json
import os
import time
import uuid

import fsspec
import pytest

from pipeline import storage


def test_list_inbox_finds_pdfs_case_insensitively_and_skips_hidden(tmp_path):
    (tmp_path / "sub").mkdir()
    for name in ("a.pdf", "B.PDF", "sub/c.pdf", ".partial.pdf", "notes.txt"):
        (tmp_path / name).write_bytes(b"%PDF-1.4 " + name.encode())
    names = [f.name for f in storage.list_inbox(str(tmp_path))]
    assert names == ["B.PDF", "a.pdf", "c.pdf"]


def test_missing_inbox_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        storage.list_inbox(str(tmp_path / "nope"))


def test_output_name_is_stable_and_disambiguated_by_sha():
    assert storage.output_name("报告 A.pdf", "0123456789" * 6 + "abcd") == "报告 A-01234567.json"
    assert storage.output_name("x.pdf", "f" * 64) != storage.output_name("x.pdf", "e" * 64)


def test_local_write_is_atomic_and_leaves_no_temp_files(tmp_path):
    target = tmp_path / "out" / "doc.json"
    storage.write_json_atomic(str(target), {"a": "中文"})
    storage.write_json_atomic(str(target), {"a": 2})
    assert json.loads(target.read_text(encoding="utf-8")) == {"a": 2}
    assert [p.name for p in target.parent.iterdir()] == ["doc.json"]


def test_keep_previous_version_moves_output_aside(tmp_path):
    target = str(tmp_path / "doc-12345678.json")
    storage.write_json_atomic(target, {"v": 1})
    kept = storage.keep_previous_version(target, 1)
    assert kept == str(tmp_path / "versions" / "doc-12345678.v1.json")
    assert storage.read_json(kept) == {"v": 1}
    assert not os.path.exists(target)
    assert storage.keep_previous_version(target, 2) is None


def test_object_store_write_then_move_and_versions():
    root = f"memory://bucket-{uuid.uuid4().hex[:6]}/out"
    target = storage.join(root, "doc-12345678.json")
    storage.write_json_atomic(target, {"v": 1})
    assert storage.read_json(target) == {"v": 1}
    kept = storage.keep_previous_version(target, 1)
    storage.write_json_atomic(target, {"v": 2})
    assert storage.read_json(kept) == {"v": 1} and storage.read_json(target) == {"v": 2}
    fs = fsspec.filesystem("memory")
    leftovers = [p for p in fs.find(root.removeprefix("memory://")) if storage.TEMP_PREFIX in p]
    assert leftovers == []


def test_object_store_inbox_listing_and_hash(tmp_path):
    root = f"memory://inbox-{uuid.uuid4().hex[:6]}"
    fs = fsspec.filesystem("memory")
    fs.pipe_file(root.removeprefix("memory://") + "/x.pdf", b"%PDF-1.4 x")
    files = storage.list_inbox(root)
    assert [f.name for f in files] == ["x.pdf"] and files[0].url.startswith("memory://")
    assert len(storage.sha256_of(files[0].url)) == 64
    local = storage.local_copy(files[0].url, str(tmp_path))
    assert open(local, "rb").read() == b"%PDF-1.4 x"


def test_unwritable_target_raises_storage_error_with_reason(tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the output folder should be")
    with pytest.raises(storage.StorageError) as err:
        storage.write_json_atomic(str(blocker / "doc.json"), {"a": 1})
    assert "cannot write" in str(err.value)


def test_sweep_removes_only_old_temp_files(tmp_path):
    old = tmp_path / f"{storage.TEMP_PREFIX}doc.json.abc.tmp"
    fresh = tmp_path / f"{storage.TEMP_PREFIX}doc2.json.abc.tmp"
    keep = tmp_path / "doc.json"
    for path in (old, fresh, keep):
        path.write_text("{}")
    past = time.time() - 3600
    os.utime(old, (past, past))
    removed = storage.sweep_temp_files(str(tmp_path), older_than_s=600)
    assert removed == [str(old)]
    assert fresh.exists() and keep.exists()
